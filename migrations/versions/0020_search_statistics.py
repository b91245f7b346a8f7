"""PostgreSQL search engine: facet codes for counting, term statistics kept by a trigger

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 19:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

# The statistics follow every write of search_documents in the same transaction. A rebuild
# switches them off (signalen.search_terms = 'off') and counts them anew at its end.
COUNT_TERMS = """
CREATE FUNCTION signalen_search_terms_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('signalen.search_terms', true) = 'off' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO search_terms AS t (term, body_docs)
        SELECT term.lexeme, count(*) FROM new_rows, unnest(new_rows.vector) AS term
        WHERE 'B' = ANY(term.weights) GROUP BY term.lexeme ORDER BY term.lexeme
        ON CONFLICT (term) DO UPDATE SET body_docs = t.body_docs + EXCLUDED.body_docs;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO search_terms AS t (term, body_docs)
        SELECT term.lexeme, -count(*) FROM old_rows, unnest(old_rows.vector) AS term
        WHERE 'B' = ANY(term.weights) GROUP BY term.lexeme ORDER BY term.lexeme
        ON CONFLICT (term) DO UPDATE SET body_docs = t.body_docs + EXCLUDED.body_docs;
    ELSE
        INSERT INTO search_terms AS t (term, body_docs)
        SELECT lexeme, sum(change) FROM (
            SELECT term.lexeme, 1 AS change FROM new_rows, unnest(new_rows.vector) AS term
            WHERE 'B' = ANY(term.weights)
            UNION ALL
            SELECT term.lexeme, -1 FROM old_rows, unnest(old_rows.vector) AS term
            WHERE 'B' = ANY(term.weights)
        ) changes GROUP BY lexeme HAVING sum(change) <> 0 ORDER BY lexeme
        ON CONFLICT (term) DO UPDATE SET body_docs = t.body_docs + EXCLUDED.body_docs;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER search_terms_on_insert AFTER INSERT ON search_documents
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION signalen_search_terms_count();
CREATE TRIGGER search_terms_on_update AFTER UPDATE ON search_documents
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION signalen_search_terms_count();
CREATE TRIGGER search_terms_on_delete AFTER DELETE ON search_documents
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION signalen_search_terms_count();
"""

FILL = """
INSERT INTO search_facet_values (value)
    SELECT DISTINCT unnest(facets) FROM search_documents ORDER BY 1;
UPDATE search_documents SET facet_codes = coalesce((
    SELECT string_agg(int4send(v.id), ''::bytea ORDER BY f.number)
    FROM unnest(facets) WITH ORDINALITY AS f(value, number)
    JOIN search_facet_values v ON v.value = f.value), ''::bytea);
INSERT INTO search_terms (term, body_docs)
    SELECT word, ndoc FROM ts_stat('SELECT vector FROM search_documents', 'B');
"""


def upgrade():
    op.create_table('search_facet_values',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_facet_values')),
    sa.UniqueConstraint('value', name=op.f('uq_search_facet_values_value'))
    )
    op.create_table('search_terms',
    sa.Column('term', sa.Text(), nullable=False),
    sa.Column('body_docs', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('term', name=op.f('pk_search_terms'))
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facet_codes', sa.LargeBinary(), nullable=False,
                                      server_default=''))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(COUNT_TERMS)
        op.execute(FILL)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER search_terms_on_delete ON search_documents')
        op.execute('DROP TRIGGER search_terms_on_update ON search_documents')
        op.execute('DROP TRIGGER search_terms_on_insert ON search_documents')
        op.execute('DROP FUNCTION signalen_search_terms_count()')
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_column('facet_codes')
    op.drop_table('search_terms')
    op.drop_table('search_facet_values')

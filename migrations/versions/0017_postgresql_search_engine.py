"""tables of the PostgreSQL search engine (GIN indexes on PostgreSQL; empty on SQLite)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 13:20:00

"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

TSVECTOR = sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql')
TEXT_ARRAY = sa.JSON().with_variant(postgresql.ARRAY(sa.Text()), 'postgresql')


def upgrade():
    op.create_table('search_documents',
    sa.Column('doc_id', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('vector', TSVECTOR, nullable=False),
    sa.Column('access', TEXT_ARRAY, nullable=False),
    sa.Column('facets', TEXT_ARRAY, nullable=False),
    sa.Column('date', sa.BigInteger(), nullable=False),
    sa.Column('published', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('report_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('doc_id', name=op.f('pk_search_documents'))
    )
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.create_index('ix_search_documents_vector', ['vector'], unique=False,
                              postgresql_using='gin')
        batch_op.create_index('ix_search_documents_access', ['access'], unique=False,
                              postgresql_using='gin')
        batch_op.create_index('ix_search_documents_facets', ['facets'], unique=False,
                              postgresql_using='gin')
        batch_op.create_index('ix_search_documents_kind_date', ['kind', 'date'], unique=False)
    op.create_table('search_words',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('word', sa.String(length=100), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_words')),
    sa.UniqueConstraint('word', name=op.f('uq_search_words_word'))
    )


def downgrade():
    op.drop_table('search_words')
    with op.batch_alter_table('search_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_search_documents_kind_date')
        batch_op.drop_index('ix_search_documents_facets')
        batch_op.drop_index('ix_search_documents_access')
        batch_op.drop_index('ix_search_documents_vector')
    op.drop_table('search_documents')

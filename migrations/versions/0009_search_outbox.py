"""search index outbox replaces the index_pending marks of signals and articles

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('record_id', sa.String(length=40), nullable=False),
    sa.Column('op', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_outbox'))
    )
    # Signals still marked for a catch-up go through the outbox instead.
    op.execute(
        "INSERT INTO search_outbox (kind, record_id, op, created_at) "
        "SELECT 'signal', CAST(id AS VARCHAR(40)), 'index', CURRENT_TIMESTAMP "
        "FROM signal WHERE index_pending"
    )
    op.execute(
        "INSERT INTO search_outbox (kind, record_id, op, created_at) "
        "SELECT 'article', CAST(id AS VARCHAR(40)), 'index', CURRENT_TIMESTAMP "
        "FROM article WHERE index_pending"
    )
    with op.batch_alter_table('signal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signal_index_pending'))
        batch_op.drop_column('index_pending')
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_column('index_pending')


def downgrade():
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('index_pending', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('signal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('index_pending', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_index(batch_op.f('ix_signal_index_pending'), ['index_pending'],
                              unique=False)
    op.drop_table('search_outbox')

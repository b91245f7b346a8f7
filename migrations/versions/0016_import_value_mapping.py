"""signals import: remembered value mappings per organisation

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 13:05:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'import_value_mapping',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('column', sa.String(length=20), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('target', sa.String(length=200), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('organisation_id', 'column', 'source', name='uq_import_value_mapping'),
    )


def downgrade():
    op.drop_table('import_value_mapping')

"""signals: index on (visibility, public_approved_at) for feeds and public lists

Revision ID: 0008
Revises: 0007_directory
Create Date: 2026-12-01 09:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007_directory'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signal', schema=None) as batch_op:
        batch_op.create_index('ix_signal_public', ['visibility', 'public_approved_at'], unique=False)


def downgrade():
    with op.batch_alter_table('signal', schema=None) as batch_op:
        batch_op.drop_index('ix_signal_public')

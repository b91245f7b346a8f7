"""user flows: a note on "ook gemeld" reports, a start time for meetings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signal_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('note', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('starts_at', sa.Time(), nullable=True))


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('starts_at')
    with op.batch_alter_table('signal_report', schema=None) as batch_op:
        batch_op.drop_column('note')

"""signaalradar: marks "bekend" / "geen signaal" per rise and window

Revision ID: 0009_h7_radar
Revises: 0008
Create Date: 2026-12-03 08:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_h7_radar'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'radar_mark',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('series_key', sa.String(length=200), nullable=False),
        sa.Column('window_start', sa.Date(), nullable=False),
        sa.Column('weeks', sa.Integer(), nullable=False),
        sa.Column('verdict', sa.Enum('bekend', 'geen_signaal', name='radar_verdict'), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('series_key', 'window_start', 'weeks', name='uq_radar_mark_window'),
    )
    with op.batch_alter_table('radar_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_radar_mark_window_start'), ['window_start'], unique=False)


def downgrade():
    with op.batch_alter_table('radar_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_radar_mark_window_start'))
    op.drop_table('radar_mark')
    sa.Enum(name='radar_verdict').drop(op.get_bind(), checkfirst=True)

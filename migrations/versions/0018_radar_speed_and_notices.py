"""signaalradar: a covering index for the radar's counts, notices sent to coordinators

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 13:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = '0017'
branch_labels = None
depends_on = None

RADAR_COLUMNS = [
    "occurred_on",
    "created_at",
    "merged_into_id",
    "visibility",
    "report_count",
    "organisation_id",
    "agency_id",
    "agency_municipality_id",
    "municipality_id",
]


def upgrade():
    with op.batch_alter_table("signal", schema=None) as batch_op:
        batch_op.create_index("ix_signal_radar", RADAR_COLUMNS, unique=False)
    op.create_table(
        "radar_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_key", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("series_key", "window_start", "weeks", name="uq_radar_notice_window"),
    )


def downgrade():
    op.drop_table("radar_notice")
    with op.batch_alter_table("signal", schema=None) as batch_op:
        batch_op.drop_index("ix_signal_radar")

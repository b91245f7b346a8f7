"""sociale kaart: HSDS 3.0 without loss (hsds_extra on every stored HSDS object)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 16:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# The tables of the sociale kaart that hold an HSDS object each.
TABLES = (
    "directory_organization",
    "directory_service",
    "directory_language",
    "directory_location",
    "directory_address",
    "directory_service_at_location",
    "directory_contact",
    "directory_phone",
    "directory_schedule",
    "directory_service_area",
)


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("hsds_extra", sa.JSON(), nullable=True))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("hsds_extra")

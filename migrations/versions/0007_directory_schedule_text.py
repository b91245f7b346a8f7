"""sociale kaart: room for a schedule's attending_type (HSDS has no limit)

Revision ID: 0007_directory
Revises: 0006
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0007_directory'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('directory_schedule', schema=None) as batch_op:
        batch_op.alter_column('attending_type',
               existing_type=sa.String(length=40),
               type_=sa.String(length=500),
               existing_nullable=False)


def downgrade():
    with op.batch_alter_table('directory_schedule', schema=None) as batch_op:
        batch_op.alter_column('attending_type',
               existing_type=sa.String(length=500),
               type_=sa.String(length=40),
               existing_nullable=False)

"""accounts: a session token per user (ends sessions); signals: links across organisations

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 08:30:00

"""
import secrets

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signal_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signal_id', sa.Integer(), nullable=False),
    sa.Column('linked_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_signal_link_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['linked_id'], ['signal.id'], name=op.f('fk_signal_link_linked_id_signal'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signal_id'], ['signal.id'], name=op.f('fk_signal_link_signal_id_signal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signal_link')),
    sa.UniqueConstraint('signal_id', 'linked_id', name=op.f('uq_signal_link_signal_id'))
    )
    with op.batch_alter_table('signal_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signal_link_linked_id'), ['linked_id'], unique=False)

    # Existing users each get their own random token; existing sessions end once.
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    users = sa.table('user_account', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update().where(users.c.id == user_id).values(session_token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_token')

    with op.batch_alter_table('signal_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signal_link_linked_id'))

    op.drop_table('signal_link')

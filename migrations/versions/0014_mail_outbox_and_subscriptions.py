"""mail outbox and e-mail subscriptions to public feeds

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 13:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recipient', sa.String(length=320), nullable=False),
        sa.Column('template', sa.String(length=80), nullable=False),
        sa.Column('locale', sa.String(length=10), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body_text', sa.Text(), nullable=False),
        sa.Column('body_html', sa.Text(), nullable=True),
        sa.Column('headers', sa.JSON(), nullable=False),
        sa.Column('message_id', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
        sa.UniqueConstraint('message_id', name=op.f('uq_mail_outbox_message_id')),
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_outbox_status'), ['status'], unique=False)

    op.create_table(
        'mail_subscription',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=320), nullable=False),
        sa.Column('feed', sa.String(length=1000), nullable=False),
        sa.Column('feed_title', sa.String(length=300), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('frequency', sa.String(length=10), nullable=False),
        sa.Column('locale', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmation_sent_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_subscription')),
        sa.UniqueConstraint('email', 'feed', name='uq_mail_subscription_email_feed'),
        sa.UniqueConstraint('token', name=op.f('uq_mail_subscription_token')),
    )
    with op.batch_alter_table('mail_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_subscription_email'), ['email'], unique=False)


def downgrade():
    with op.batch_alter_table('mail_subscription', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_subscription_email'))
    op.drop_table('mail_subscription')
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_outbox_status'))
    op.drop_table('mail_outbox')

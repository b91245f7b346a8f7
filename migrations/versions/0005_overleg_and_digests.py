"""signaleringsoverleg (meetings, agreements) and digests

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 19:45:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    # Digests count signals per period of registration (see signalen/digests/models.py).
    with op.batch_alter_table('signal', schema=None) as batch_op:
        batch_op.create_index('ix_signal_created_at', ['created_at'], unique=False)

    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_meeting_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_meeting_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_held_on'), ['held_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('meeting_agency',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_meeting_agency_agency_id_agency')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_agency_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'agency_id', name=op.f('pk_meeting_agency'))
    )
    with op.batch_alter_table('meeting_agency', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_agency_agency_id'), ['agency_id'], unique=False)

    op.create_table('meeting_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('signal_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('discussion', sa.Text(), nullable=False),
    sa.Column('agency_response', sa.Text(), nullable=False),
    sa.Column('discussed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_item_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['signal_id'], ['signal.id'], name=op.f('fk_meeting_item_signal_id_signal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_item'))
    )
    with op.batch_alter_table('meeting_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_item_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_item_signal_id'), ['signal_id'], unique=False)

    op.create_table('meeting_agreement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['done_by_id'], ['user_account.id'], name=op.f('fk_meeting_agreement_done_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['item_id'], ['meeting_item.id'], name=op.f('fk_meeting_agreement_item_id_meeting_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_agreement'))
    )
    with op.batch_alter_table('meeting_agreement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_agreement_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_agreement_item_id'), ['item_id'], unique=False)

    op.create_table('digest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='digest_status'), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('period_label', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('introduction', sa.Text(), nullable=False),
    sa.Column('remarks', sa.JSON(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_digest_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_digest_organisation_id_organisation'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_digest_published_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['supersedes_id'], ['digest.id'], name=op.f('fk_digest_supersedes_id_digest')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest'))
    )
    with op.batch_alter_table('digest', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_digest_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_digest_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_digest_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_digest_supersedes_id'), ['supersedes_id'], unique=False)


def downgrade():
    with op.batch_alter_table('digest', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_digest_supersedes_id'))
        batch_op.drop_index(batch_op.f('ix_digest_status'))
        batch_op.drop_index(batch_op.f('ix_digest_published_at'))
        batch_op.drop_index(batch_op.f('ix_digest_organisation_id'))
    op.drop_table('digest')
    with op.batch_alter_table('meeting_agreement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_agreement_item_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_agreement_due_on'))
    op.drop_table('meeting_agreement')
    with op.batch_alter_table('meeting_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_item_signal_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_item_meeting_id'))
    op.drop_table('meeting_item')
    with op.batch_alter_table('meeting_agency', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_agency_agency_id'))
    op.drop_table('meeting_agency')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_held_on'))
    op.drop_table('meeting')
    sa.Enum(name='digest_status').drop(op.get_bind(), checkfirst=True)
    with op.batch_alter_table('signal', schema=None) as batch_op:
        batch_op.drop_index('ix_signal_created_at')

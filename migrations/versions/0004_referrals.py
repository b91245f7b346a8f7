"""referrals (doorverwijzingen)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 19:45:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('referral',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('signal_id', sa.Integer(), nullable=True),
    sa.Column('service_id', sa.Uuid(), nullable=True),
    sa.Column('service_name', sa.String(length=200), nullable=False),
    sa.Column('organization_name', sa.String(length=200), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('age_group', sa.String(length=10), nullable=True),
    sa.Column('referred_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('advice', sa.Text(), nullable=False),
    sa.Column('warm_handover', sa.Boolean(), nullable=False),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('outcome', sa.Enum('bereikt_geholpen', 'bereikt_niet_geholpen', 'niet_bereikt', 'onbekend', name='referral_outcome'), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=False),
    sa.Column('outcome_recorded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_referral_created_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_referral_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_referral_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['outcome_recorded_by_id'], ['user_account.id'], name=op.f('fk_referral_outcome_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['directory_service.id'], name=op.f('fk_referral_service_id_directory_service'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['signal_id'], ['signal.id'], name=op.f('fk_referral_signal_id_signal'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referral'))
    )
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_follow_up_on'), ['follow_up_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_referred_on'), ['referred_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referral_signal_id'), ['signal_id'], unique=False)

    op.create_table('referral_theme',
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], name=op.f('fk_referral_theme_referral_id_referral'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_referral_theme_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('referral_id', 'theme_id', name=op.f('pk_referral_theme'))
    )
    with op.batch_alter_table('referral_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referral_theme_theme_id'), ['theme_id'], unique=False)


def downgrade():
    with op.batch_alter_table('referral_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_theme_theme_id'))

    op.drop_table('referral_theme')
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referral_signal_id'))
        batch_op.drop_index(batch_op.f('ix_referral_service_id'))
        batch_op.drop_index(batch_op.f('ix_referral_referred_on'))
        batch_op.drop_index(batch_op.f('ix_referral_outcome'))
        batch_op.drop_index(batch_op.f('ix_referral_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_referral_follow_up_on'))

    op.drop_table('referral')
    sa.Enum(name='referral_outcome').drop(op.get_bind(), checkfirst=True)

"""sociale kaart (directory, verification, change requests)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 19:45:00

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('directory_metadata',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('resource_id', sa.Uuid(), nullable=False),
    sa.Column('resource_type', sa.String(length=40), nullable=False),
    sa.Column('last_action_date', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_action_type', sa.String(length=40), nullable=False),
    sa.Column('field_name', sa.String(length=80), nullable=False),
    sa.Column('previous_value', sa.Text(), nullable=False),
    sa.Column('replacement_value', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=254), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_metadata'))
    )
    with op.batch_alter_table('directory_metadata', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_metadata_resource_id'), ['resource_id'], unique=False)
    op.create_table('directory_organization',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('alternate_name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('website', sa.String(length=500), nullable=False),
    sa.Column('parent_organization_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_organization_id'], ['directory_organization.id'], name=op.f('fk_directory_organization_parent_organization_id_directory_organization'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_organization'))
    )
    with op.batch_alter_table('directory_organization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_organization_name'), ['name'], unique=False)
    op.create_table('directory_location',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=True),
    sa.Column('location_type', sa.String(length=20), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('transportation', sa.String(length=500), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_directory_location_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['organization_id'], ['directory_organization.id'], name=op.f('fk_directory_location_organization_id_directory_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_location'))
    )
    with op.batch_alter_table('directory_location', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_location_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_location_organization_id'), ['organization_id'], unique=False)
    op.create_table('directory_service',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('alternate_name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('interpretation_services', sa.String(length=500), nullable=False),
    sa.Column('application_process', sa.Text(), nullable=False),
    sa.Column('fees_description', sa.Text(), nullable=False),
    sa.Column('eligibility_description', sa.Text(), nullable=False),
    sa.Column('minimum_age', sa.Integer(), nullable=True),
    sa.Column('maximum_age', sa.Integer(), nullable=True),
    sa.Column('alert', sa.String(length=500), nullable=False),
    sa.Column('assured_date', sa.Date(), nullable=True),
    sa.Column('assurer_email', sa.String(length=254), nullable=False),
    sa.Column('review_interval_months', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['directory_organization.id'], name=op.f('fk_directory_service_organization_id_directory_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_service'))
    )
    with op.batch_alter_table('directory_service', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_service_assured_date'), ['assured_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_service_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_service_status'), ['status'], unique=False)
    op.create_table('directory_address',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('location_id', sa.Uuid(), nullable=False),
    sa.Column('attention', sa.String(length=200), nullable=False),
    sa.Column('address_1', sa.String(length=200), nullable=False),
    sa.Column('address_2', sa.String(length=200), nullable=False),
    sa.Column('city', sa.String(length=200), nullable=False),
    sa.Column('region', sa.String(length=200), nullable=False),
    sa.Column('state_province', sa.String(length=200), nullable=False),
    sa.Column('postal_code', sa.String(length=20), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=False),
    sa.Column('address_type', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['directory_location.id'], name=op.f('fk_directory_address_location_id_directory_location'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_address'))
    )
    with op.batch_alter_table('directory_address', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_address_location_id'), ['location_id'], unique=False)
    op.create_table('directory_change_request',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('reporter_email', sa.String(length=254), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_directory_change_request_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['directory_service.id'], name=op.f('fk_directory_change_request_service_id_directory_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_change_request'))
    )
    with op.batch_alter_table('directory_change_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_change_request_service_id'), ['service_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_change_request_status'), ['status'], unique=False)
    op.create_table('directory_contact',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=True),
    sa.Column('service_id', sa.Uuid(), nullable=True),
    sa.Column('location_id', sa.Uuid(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('department', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['directory_location.id'], name=op.f('fk_directory_contact_location_id_directory_location'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['directory_organization.id'], name=op.f('fk_directory_contact_organization_id_directory_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['directory_service.id'], name=op.f('fk_directory_contact_service_id_directory_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_contact'))
    )
    with op.batch_alter_table('directory_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_contact_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_contact_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_contact_service_id'), ['service_id'], unique=False)
    op.create_table('directory_language',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['directory_service.id'], name=op.f('fk_directory_language_service_id_directory_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_language'))
    )
    with op.batch_alter_table('directory_language', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_language_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_language_service_id'), ['service_id'], unique=False)
    op.create_table('directory_service_area',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('province', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_directory_service_area_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['service_id'], ['directory_service.id'], name=op.f('fk_directory_service_area_service_id_directory_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_service_area'))
    )
    with op.batch_alter_table('directory_service_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_service_area_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_service_area_province'), ['province'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_service_area_service_id'), ['service_id'], unique=False)
    op.create_table('directory_service_at_location',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('location_id', sa.Uuid(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['directory_location.id'], name=op.f('fk_directory_service_at_location_location_id_directory_location'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['directory_service.id'], name=op.f('fk_directory_service_at_location_service_id_directory_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_service_at_location'))
    )
    with op.batch_alter_table('directory_service_at_location', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_service_at_location_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_service_at_location_service_id'), ['service_id'], unique=False)
    op.create_table('directory_service_theme',
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['directory_service.id'], name=op.f('fk_directory_service_theme_service_id_directory_service'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_directory_service_theme_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('service_id', 'theme_id', name=op.f('pk_directory_service_theme'))
    )
    with op.batch_alter_table('directory_service_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_service_theme_theme_id'), ['theme_id'], unique=False)
    op.create_table('directory_change_request_item',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('change_request_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('field_name', sa.String(length=80), nullable=False),
    sa.Column('proposed_value', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['change_request_id'], ['directory_change_request.id'], name=op.f('fk_directory_change_request_item_change_request_id_directory_change_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_change_request_item'))
    )
    with op.batch_alter_table('directory_change_request_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_change_request_item_change_request_id'), ['change_request_id'], unique=False)
    op.create_table('directory_phone',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=True),
    sa.Column('service_id', sa.Uuid(), nullable=True),
    sa.Column('location_id', sa.Uuid(), nullable=True),
    sa.Column('contact_id', sa.Uuid(), nullable=True),
    sa.Column('number', sa.String(length=50), nullable=False),
    sa.Column('extension', sa.Integer(), nullable=True),
    sa.Column('type', sa.String(length=20), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['directory_contact.id'], name=op.f('fk_directory_phone_contact_id_directory_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['location_id'], ['directory_location.id'], name=op.f('fk_directory_phone_location_id_directory_location'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['directory_organization.id'], name=op.f('fk_directory_phone_organization_id_directory_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['directory_service.id'], name=op.f('fk_directory_phone_service_id_directory_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_phone'))
    )
    with op.batch_alter_table('directory_phone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_phone_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_phone_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_phone_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_phone_service_id'), ['service_id'], unique=False)
    op.create_table('directory_schedule',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=True),
    sa.Column('location_id', sa.Uuid(), nullable=True),
    sa.Column('service_at_location_id', sa.Uuid(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('freq', sa.String(length=10), nullable=False),
    sa.Column('interval', sa.Integer(), nullable=True),
    sa.Column('byday', sa.String(length=40), nullable=False),
    sa.Column('bymonthday', sa.String(length=40), nullable=False),
    sa.Column('opens_at', sa.Time(), nullable=True),
    sa.Column('closes_at', sa.Time(), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('notes', sa.String(length=500), nullable=False),
    sa.Column('attending_type', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['directory_location.id'], name=op.f('fk_directory_schedule_location_id_directory_location'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_at_location_id'], ['directory_service_at_location.id'], name=op.f('fk_directory_schedule_service_at_location_id_directory_service_at_location'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['directory_service.id'], name=op.f('fk_directory_schedule_service_id_directory_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_schedule'))
    )
    with op.batch_alter_table('directory_schedule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_schedule_location_id'), ['location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_directory_schedule_service_id'), ['service_id'], unique=False)


def downgrade():
    op.drop_table('directory_schedule')
    op.drop_table('directory_phone')
    op.drop_table('directory_change_request_item')
    op.drop_table('directory_service_theme')
    op.drop_table('directory_service_at_location')
    op.drop_table('directory_service_area')
    op.drop_table('directory_language')
    op.drop_table('directory_contact')
    op.drop_table('directory_change_request')
    op.drop_table('directory_address')
    op.drop_table('directory_service')
    op.drop_table('directory_location')
    op.drop_table('directory_organization')
    op.drop_table('directory_metadata')

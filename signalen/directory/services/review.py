"""Review dates: when a service must be checked again, and which are overdue or due soon."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from signalen.core.dates import local_today
from signalen.directory.models import Service, ServiceStatus
from signalen.extensions import db

DUE_SOON_DAYS = 30


def next_review_date(service: Service) -> date | None:
    """When ``service`` must be checked again; None when it was never checked (due now)."""
    if service.assured_date is None:
        return None
    # relativedelta keeps the day, or takes the last day of a shorter month (31 Jan -> 28 Feb).
    return service.assured_date + relativedelta(months=service.review_interval_months or 6)


def is_overdue(service: Service, today: date | None = None) -> bool:
    """True when the review date has passed, or the service was never checked."""
    today = today or local_today()
    due = next_review_date(service)
    return due is None or due < today


def is_due_soon(service: Service, today: date | None = None, days: int = DUE_SOON_DAYS) -> bool:
    """True when the service is not overdue but must be checked within ``days`` days."""
    today = today or local_today()
    due = next_review_date(service)
    return due is not None and today <= due <= today + timedelta(days=days)


def review_lists(
    today: date | None = None, days: int = DUE_SOON_DAYS
) -> tuple[list[Service], list[Service]]:
    """(overdue, due soon) services that are not defunct. Overdue: never checked first, then
    the longest overdue; due soon: the soonest first."""
    today = today or local_today()
    services = db.session.scalars(
        select(Service).where(Service.status != ServiceStatus.DEFUNCT.value).order_by(Service.name)
    ).all()
    overdue = [s for s in services if is_overdue(s, today)]
    soon = [s for s in services if is_due_soon(s, today, days)]
    overdue.sort(key=lambda s: (next_review_date(s) or date.min, s.name))
    soon.sort(key=lambda s: (next_review_date(s), s.name))
    return overdue, soon


def due_by_organization(today: date | None = None, days: int = DUE_SOON_DAYS):
    """Services that are overdue or due within ``days`` days, grouped by organisation:
    a list of (organisation, services) by organisation name."""
    overdue, soon = review_lists(today, days)
    groups: dict[uuid.UUID, tuple] = {}
    for service in [*overdue, *soon]:
        organization = service.organization
        groups.setdefault(organization.id, (organization, []))[1].append(service)
    return sorted(groups.values(), key=lambda group: group[0].name.lower())

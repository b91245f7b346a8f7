"""A small, fictional Dutch sociale kaart for the demo and the tests.

The kaart is an HSDS 3.0 file (``data/demo_kaart.json``) loaded through the same importer as
``signalen import-hsds``. Names of organisation types are real (everyone knows a Juridisch
Loket or a Voedselbank); every address, phone number, e-mail address and website is made up
(``.example``). Each service says how many days ago it was checked
(``_demo_checked_days_ago``, null: never), so the review list always has overdue entries.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from signalen.core.dates import local_today
from signalen.core.errors import ServiceError
from signalen.directory.models import Organization
from signalen.extensions import db
from signalen.hsds.importing import import_data

DATA_FILE = Path(__file__).parent / "data" / "demo_kaart.json"
DEMO_ASSURER = "coordinator@utrecht.signalen.example"
DEMO_UPDATED_BY = "demo"


def demo_data(today: date) -> list[dict]:
    """The demo organisations as HSDS JSON, with review dates counted back from ``today``."""
    organizations = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    for organization in organizations:
        for service in organization.get("services", []):
            days = service.pop("_demo_checked_days_ago")
            if days is not None:
                service["assured_date"] = (today - timedelta(days=days)).isoformat()
                service["assurer_email"] = DEMO_ASSURER
    return organizations


def seed_demo_directory(today: date | None = None) -> int:
    """Load the demo sociale kaart once (nothing when there already is one); returns the
    number of services created."""
    if db.session.scalar(select(func.count()).select_from(Organization)):
        return 0
    report = import_data(demo_data(today or local_today()), DATA_FILE.name, DEMO_UPDATED_BY)
    if not report.committed:
        raise ServiceError("; ".join(str(problem) for problem in report.errors))
    return report.created.get("services", 0)

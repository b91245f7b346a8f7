"""Loading the demo data: organisations and users of every role with known passwords."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from signalen.auth import services as accounts
from signalen.auth.models import Role, User
from signalen.extensions import db
from signalen.organisations import services as organisations

# Demo passwords are public on purpose: a demo site holds no real data.
DEMO_PASSWORDS = {
    Role.ADMINISTRATOR: "demo-beheerder",
    Role.COORDINATOR: "demo-coordinator",
    Role.VOLUNTEER: "demo-vrijwilliger",
    Role.READER: "demo-lezer",
}

DEMO_ORGANISATIONS = [
    "Cliëntenraad Werk en Inkomen Utrecht",
    "Helpdesk Uitkeringen Rotterdam-Zuid",
    "Adviesraad Sociaal Domein Zwolle",
    "Servicelijn Wajong en Werk",
]

# (e-mail, name, role, index in DEMO_ORGANISATIONS or None)
DEMO_USERS = [
    ("beheer@signalen.example", "Sanne de Beheerder", Role.ADMINISTRATOR, None),
    ("coordinator@utrecht.signalen.example", "Fatima El Amrani", Role.COORDINATOR, 0),
    ("vrijwilliger@utrecht.signalen.example", "Henk Jansen", Role.VOLUNTEER, 0),
    ("lezer@utrecht.signalen.example", "Marieke Visser", Role.READER, 0),
    ("coordinator@rotterdam.signalen.example", "Dewi Soekarno", Role.COORDINATOR, 1),
    ("vrijwilliger@rotterdam.signalen.example", "Kees van Dijk", Role.VOLUNTEER, 1),
    ("vrijwilliger2@rotterdam.signalen.example", "Ayşe Yılmaz", Role.VOLUNTEER, 1),
    ("coordinator@zwolle.signalen.example", "Jan-Willem Bosman", Role.COORDINATOR, 2),
    ("lezer@zwolle.signalen.example", "Gerda Mulder", Role.READER, 2),
    ("vrijwilliger@wajong.signalen.example", "Tim de Groot", Role.VOLUNTEER, 3),
]


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: Role
    organisation: str


def demo_logins() -> list[DemoLogin]:
    """The demo accounts and their passwords, for printing."""
    return [
        DemoLogin(
            email,
            DEMO_PASSWORDS[role],
            role,
            DEMO_ORGANISATIONS[index] if index is not None else "-",
        )
        for email, _name, role, index in DEMO_USERS
    ]


def is_seeded() -> bool:
    return db.session.scalar(select(User.id).where(User.email == DEMO_USERS[0][0])) is not None


def seed_demo() -> bool:
    """Load the demo data once; returns False when it was already there."""
    if is_seeded():
        return False
    created = []
    for name in DEMO_ORGANISATIONS:
        created.append(organisations.find_by_name(name) or organisations.create_organisation(name))
    for email, name, role, index in DEMO_USERS:
        organisation = created[index] if index is not None else None
        accounts.create_user(None, email, name, role, organisation, password=DEMO_PASSWORDS[role])
    return True

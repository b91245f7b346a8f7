"""Accounts: password hashing, logging in, password links and user management rules."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, func, select
from zxcvbn import zxcvbn

from signalen.audit import services as audit
from signalen.auth.models import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH, Role, User
from signalen.core.errors import ServiceError
from signalen.core.models import utcnow
from signalen.core.validation import clean_line, parse_id
from signalen.extensions import db
from signalen.organisations.models import MemberOrganisation

PASSWORD_MAX_LENGTH = 256
PASSWORD_LINK_SALT = "signalen-password-link"  # noqa: S105 (a salt, not a secret)

LOGIN_FAILED = _l("Het e-mailadres of het wachtwoord klopt niet.")
ACCOUNT_DISABLED = _l(
    "Uw account is uitgeschakeld. Neem contact op met de coördinator van uw organisatie."
)
PASSWORD_TOO_GUESSABLE = _l(
    "Dit wachtwoord is te makkelijk te raden: het staat in lijsten van veelgebruikte "
    "wachtwoorden of lijkt op een woord, naam, datum of reeks. Kies een langere zin van drie "
    "of vier gewone woorden die niet bij elkaar horen. Hoofdletters of tekens zijn niet nodig."
)
# Strength as zxcvbn estimates it (NIST SP 800-63B: refuse common and guessable passwords,
# no composition rules). 3 means at least 10^8 guesses are needed.
PASSWORD_MIN_SCORE = 3
# Only the start is estimated: zxcvbn slows down on very long input, and a long start is
# strong enough.
PASSWORD_ESTIMATE_LENGTH = 100
# Dutch words people use in passwords (zxcvbn's own lists are English), and this site's words.
COMMON_DUTCH_WORDS = (
    "wachtwoord", "welkom", "geheim", "signalen", "signaal", "knelpunt", "inloggen",
    "gebruiker", "beheerder", "coordinator", "vrijwilliger", "lezer", "helpdesk",
    "clientenraad", "cliëntenraad", "uitkering", "toeslag", "gemeente", "nederland",
    "amsterdam", "rotterdam", "utrecht", "zomer", "winter", "lente", "herfst", "maandag",
    "vrijdag", "januari", "december", "liefde", "schat", "voetbal", "ajax", "feyenoord",
    "hallo", "doei", "appel", "hond", "kat", "poes", "oranje", "koning", "prinses",
    "wachtwoordje", "welkom01", "geheim123",
)  # fmt: skip


def password_hasher() -> PasswordHasher:
    """The app's Argon2id hasher, built once from the ``ARGON2_*`` settings."""
    hasher = current_app.extensions.get("signalen_password_hasher")
    if hasher is None:
        config = current_app.config
        hasher = PasswordHasher(
            time_cost=int(config["ARGON2_TIME_COST"]),
            memory_cost=int(config["ARGON2_MEMORY_COST"]),
            parallelism=int(config["ARGON2_PARALLELISM"]),
        )
        current_app.extensions["signalen_password_hasher"] = hasher
    return hasher


def normalise_email(email: str) -> str:
    """Check an e-mail address and return it in lower case; raise ServiceError when wrong."""
    email = (email or "").strip()
    if len(email) > EMAIL_MAX_LENGTH:
        raise ServiceError(_l("Dit e-mailadres is te lang."), field="email")
    try:
        result = validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise ServiceError(_l("Vul een geldig e-mailadres in."), field="email") from error
    return result.normalized.lower()


def check_password_rules(password: str, user: User | None = None) -> None:
    """Raise ServiceError when a new password is too short, too long or easy to guess.

    Guessable means: common, a (Dutch or English) word, name, date, keyboard row or repeat,
    or built from the user's own name or e-mail address.
    """
    minimum = int(current_app.config["PASSWORD_MIN_LENGTH"])
    if len(password) < minimum:
        raise ServiceError(
            _l("Kies een wachtwoord van minstens %(count)d tekens.", count=minimum),
            field="password",
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ServiceError(_l("Dit wachtwoord is te lang."), field="password")
    if password_score(password, user) < PASSWORD_MIN_SCORE:
        raise ServiceError(PASSWORD_TOO_GUESSABLE, field="password")


def password_score(password: str, user: User | None = None) -> int:
    """zxcvbn's estimate from 0 (guessed at once) to 4 (very hard to guess)."""
    personal = []
    if user is not None:
        personal = [user.email or "", *(user.email or "").split("@"), *(user.name or "").split()]
    words = [*COMMON_DUTCH_WORDS, *(word.casefold() for word in personal if word)]
    return int(zxcvbn(password[:PASSWORD_ESTIMATE_LENGTH], user_inputs=words)["score"])


def set_password(user: User, password: str, *, check: bool = True) -> None:
    """Hash and store a new password for ``user``; ends every session (the caller commits).

    ``check=False`` only for the demo accounts, whose passwords are public on purpose.
    """
    if check:
        check_password_rules(password, user)
    user.password_hash = password_hasher().hash(password)
    user.end_sessions()


def end_sessions(user: User, action: str | None = None) -> None:
    """End every session and remember-me cookie of ``user`` and commit."""
    user.end_sessions()
    if action:
        audit.record(action, user, actor=user)
    db.session.commit()


def end_member_sessions(organisation: MemberOrganisation, **_: object) -> None:
    """End every session of the organisation's users, so switching it on again revives none
    (connected to ``organisations.services.deactivating``; the caller commits)."""
    for user in db.session.scalars(select(User).where(User.organisation_id == organisation.id)):
        user.end_sessions()


def user_for_login_id(login_id: str) -> User | None:
    """The user of a login id ``"<id>:<session token>"`` while that token is current."""
    user_id, _sep, token = (login_id or "").partition(":")
    number = parse_id(user_id)
    if not token or number is None:
        return None
    user = db.session.get(User, number)
    if user is None or not hmac.compare_digest(
        user.session_token.encode(), token.encode("utf-8", "replace")
    ):
        return None
    return user


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None


def authenticate(email: str, password: str) -> LoginResult:
    """Check e-mail and password; the error never tells whether an address exists."""
    try:
        address = normalise_email(email)
    except ServiceError:
        return LoginResult(None, str(LOGIN_FAILED))
    user = db.session.scalar(select(User).where(User.email == address))
    hasher = password_hasher()
    if user is None or user.password_hash is None:
        # An invited account without a password answers exactly like a wrong password.
        _spend_equal_time(hasher, password)
        _record_failed_login(address, user)
        return LoginResult(None, str(LOGIN_FAILED))
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        _record_failed_login(address, user)
        return LoginResult(None, str(LOGIN_FAILED))
    if not user.is_active:
        return LoginResult(None, str(ACCOUNT_DISABLED))
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = utcnow()
    audit.record("auth.login", user, actor=user)
    db.session.commit()
    return LoginResult(user)


def _spend_equal_time(hasher: PasswordHasher, password: str) -> None:
    dummy = current_app.extensions.get("signalen_dummy_hash")
    if dummy is None:
        dummy = hasher.hash("signalen-dummy-password")
        current_app.extensions["signalen_dummy_hash"] = dummy
    with contextlib.suppress(VerificationError):
        hasher.verify(dummy, password)


def _record_failed_login(address: str, user: User | None) -> None:
    audit.record(
        "auth.login_failed",
        user,
        actor=user,
        object_type="user_account",
        object_label=address if user is not None else "",
    )
    db.session.commit()


# Password links (invitation and reset) ---------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=PASSWORD_LINK_SALT)


def _password_fingerprint(user: User) -> str:
    # A link is tied to the password and session token of the moment it was made. Setting a
    # password, a new reset, logging out or deactivating replaces the session token, so a
    # link works once, and an old link never comes back to life.
    state = f"{user.password_hash or 'unset'}|{user.session_token}"
    return hashlib.sha256(state.encode()).hexdigest()[:32]


def make_password_token(user: User) -> str:
    """A signed, expiring token with which ``user`` can set a password once."""
    return _serializer().dumps([user.id, _password_fingerprint(user)])


def user_for_password_token(token: str) -> User | None:
    """The user a password token belongs to, or None when it is wrong, used or expired."""
    max_age = int(current_app.config["PASSWORD_LINK_MAX_AGE"])
    try:
        user_id, fingerprint = _serializer().loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_active or _password_fingerprint(user) != fingerprint:
        return None
    return user


def request_password_reset(email: str) -> bool:
    """ "Wachtwoord vergeten": mail a single-use link to an active account with this
    address (the caller commits). The current password keeps working until the link is
    used. Returns whether a mail was queued; the visitor must not be told."""
    from signalen.mail.services import mail_url, queue_mail

    try:
        address = normalise_email(email)
    except ServiceError:
        return False
    user = db.session.scalar(select(User).where(User.email == address))
    if user is None or not user.is_active:
        return False
    days = int(current_app.config["PASSWORD_LINK_MAX_AGE"]) // (60 * 60 * 24)
    link = mail_url("auth.set_password", token=make_password_token(user))
    queue_mail(user.email, "password_reset", {"name": user.name, "link": link, "days": days})
    audit.record("user.password_reset_requested", user, actor=None)
    return True


def set_password_with_token(token: str, password: str) -> User:
    """Set a password through an invitation or reset link."""
    user = user_for_password_token(token)
    if user is None:
        raise ServiceError(_l("Deze link is verlopen of al gebruikt. Vraag een nieuwe link aan."))
    set_password(user, password)
    audit.record("user.password_set", user, actor=user)
    db.session.commit()
    return user


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    """Let a logged-in user replace their password after confirming the current one."""
    try:
        password_hasher().verify(user.password_hash or "", current_password)
    except (VerificationError, InvalidHashError) as error:
        raise ServiceError(_l("Uw huidige wachtwoord klopt niet."), field="current") from error
    set_password(user, new_password)
    audit.record("user.password_set", user, actor=user)
    db.session.commit()


# Who may manage whom -------------------------------------------------------------------


def assignable_roles(actor: User) -> list[Role]:
    """Roles ``actor`` may give: a beheerder all, a coordinator all but beheerder."""
    if actor.role is Role.ADMINISTRATOR:
        return list(Role)
    if actor.role is Role.COORDINATOR:
        return [Role.VOLUNTEER, Role.COORDINATOR, Role.READER]
    return []


def can_manage_users(actor: User) -> bool:
    return bool(assignable_roles(actor))


def can_manage_user(actor: User, user: User) -> bool:
    """A beheerder manages everyone; a coordinator the non-beheerders of their organisation."""
    if actor.role is Role.ADMINISTRATOR:
        return True
    return (
        actor.role is Role.COORDINATOR
        and user.role is not Role.ADMINISTRATOR
        and user.organisation_id is not None
        and user.organisation_id == actor.organisation_id
    )


def manageable_organisations(actor: User) -> Sequence[MemberOrganisation]:
    """Organisations ``actor`` may put users in."""
    if actor.role is Role.ADMINISTRATOR:
        return db.session.scalars(
            select(MemberOrganisation)
            .where(MemberOrganisation.active.is_(True))
            .order_by(MemberOrganisation.name)
        ).all()
    if actor.role is Role.COORDINATOR and actor.organisation is not None:
        return [actor.organisation]
    return []


def users_query(actor: User, organisation_id: int | None = None) -> Select:
    """The users ``actor`` may see in the user management, sorted by name."""
    query = select(User).order_by(func.lower(User.name), User.id)
    if actor.role is not Role.ADMINISTRATOR:
        query = query.where(User.organisation_id == actor.organisation_id).where(
            User.role != Role.ADMINISTRATOR
        )
    elif organisation_id:
        query = query.where(User.organisation_id == organisation_id)
    return query


def _check_name(name: str) -> str:
    return clean_line(name, max_length=NAME_MAX_LENGTH)


def _check_assignment(
    actor: User | None, role: Role, organisation: MemberOrganisation | None
) -> None:
    if role is not Role.ADMINISTRATOR and organisation is None:
        raise ServiceError(_l("Kies de organisatie van deze gebruiker."), field="organisation")
    if organisation is not None and not organisation.active:
        raise ServiceError(_l("Deze organisatie is uitgeschakeld."), field="organisation")
    if actor is None:
        return
    if role not in assignable_roles(actor):
        raise ServiceError(_l("U mag deze rol niet toekennen."), field="role")
    if actor.role is not Role.ADMINISTRATOR and (
        organisation is None or organisation.id != actor.organisation_id
    ):
        raise ServiceError(
            _l("U mag alleen gebruikers van uw eigen organisatie beheren."), field="organisation"
        )


def create_user(
    actor: User | None,
    email: str,
    name: str,
    role: Role,
    organisation: MemberOrganisation | None,
    password: str | None = None,
    *,
    check_password: bool = True,
) -> User:
    """Create an account. Without a password the user sets one through an invitation link.

    ``actor`` is None for the command line, which may create any role.
    """
    address = normalise_email(email)
    name = _check_name(name)
    _check_assignment(actor, role, organisation)
    if db.session.scalar(select(User.id).where(User.email == address)) is not None:
        raise ServiceError(_l("Er is al een gebruiker met dit e-mailadres."), field="email")
    user = User(email=address, name=name, role=role, organisation=organisation, active=True)
    if password is not None:
        set_password(user, password, check=check_password)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        user,
        actor=actor,
        changes={
            "email": [None, address],
            "name": [None, name],
            "role": [None, role],
            "organisation": [None, organisation.name if organisation else None],
        },
    )
    db.session.commit()
    return user


def update_user(
    actor: User,
    user: User,
    *,
    name: str,
    role: Role,
    organisation: MemberOrganisation | None,
    active: bool,
) -> dict[str, list]:
    """Change name, role, organisation or active state; returns what changed."""
    if not can_manage_user(actor, user):
        raise ServiceError(_l("U mag deze gebruiker niet beheren."))
    name = _check_name(name)
    _check_assignment(actor, role, organisation)
    if user.id == actor.id and (not active or role is not actor.role):
        raise ServiceError(_l("U kunt uw eigen rol niet wijzigen en uzelf niet uitschakelen."))
    old_organisation = user.organisation.name if user.organisation else None
    changes = audit.changed_fields(
        user,
        {
            "name": name,
            "role": role,
            "organisation_id": organisation.id if organisation else None,
            "active": active,
        },
    )
    if "active" in changes and not active:
        user.end_sessions()
    if "organisation_id" in changes:
        user.organisation = organisation
        changes.pop("organisation_id")
        changes["organisation"] = [old_organisation, organisation.name if organisation else None]
    if changes:
        audit.record("user.update", user, actor=actor, changes=changes)
    db.session.commit()
    return changes


def reset_password(actor: User | None, user: User) -> str:
    """Make the current password unusable and return a token for a new-password link."""
    if actor is not None and not can_manage_user(actor, user):
        raise ServiceError(_l("U mag deze gebruiker niet beheren."))
    if not user.active:
        raise ServiceError(_l("Schakel de gebruiker eerst weer in."))
    user.password_hash = None
    user.end_sessions()
    audit.record("user.password_reset", user, actor=actor)
    db.session.commit()
    return make_password_token(user)

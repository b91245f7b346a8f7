"""Who may see and change the sociale kaart: one place for the rules the views apply.

The kaart is one shared directory of the whole network: every coordinator (and beheerder)
keeps all of it current; anyone may read it and propose a change, unless the site makes it
private (``DIRECTORY_PUBLIC``), then only people who are logged in.
"""

from __future__ import annotations

from flask import current_app

from signalen.auth.models import MANAGERS, User


def may_read(user: User | None) -> bool:
    """Whether ``user`` (anonymous too) may see the sociale kaart."""
    public = current_app.config.get("DIRECTORY_PUBLIC", True)
    return bool(public or (user is not None and user.is_authenticated))


def may_manage(user: User | None) -> bool:
    """Whether ``user`` may edit, check, import and decide on proposed changes."""
    return bool(user is not None and user.is_authenticated and user.has_role(*MANAGERS))

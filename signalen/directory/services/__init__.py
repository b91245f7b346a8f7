"""Logic of the sociale kaart, one module per concern:

- ``common``: lookups by id, audit names, what the editing modules share;
- ``review``: review dates (overdue, due soon);
- ``validation``: fields, labels and checks (the edit forms and the HSDS import);
- ``history``: field-level history (HSDS ``metadata``);
- ``catalogue``: editing services, their opening hours, verification, new services;
- ``change_requests``: "meld een wijziging";
- ``organizations``, ``locations``, ``contacts``: editing those.

Opening hours themselves (recurrence rules, open now, the weekly form) are in
``signalen.directory.hours``. Import from the concern module.
"""

# The referrals feature still reads these names from here; it is being split on another
# branch, so its imports move to the concern modules when that lands (then delete these).
from signalen.core.dates import local_today
from signalen.directory.services.common import get_service
from signalen.directory.services.review import is_overdue
from signalen.directory.services.validation import LANGUAGE_NAMES, language_choices

__all__ = ["LANGUAGE_NAMES", "get_service", "is_overdue", "language_choices", "local_today"]

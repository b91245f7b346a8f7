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

"""``signalen import-hsds``: HSDS 3.0 JSON or a tabular CSV datapackage into the sociale kaart.

Both inputs are first read into the same tables (one row per HSDS object, with where it came
from), then every row is checked; only when nothing is wrong is anything written, in one
transaction. Objects keep their UUIDs, so importing the same data twice updates instead of
duplicating.

The steps: :mod:`.formats` reads, :mod:`.checks` checks, :mod:`.writer` writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from signalen.auth.models import User
from signalen.hsds.importing.fields import IMPORTER
from signalen.hsds.importing.formats import (
    Dataset,
    ImportReport,
    read_json,
    read_path,
    read_upload,
)
from signalen.hsds.importing.writer import Writer, import_dataset

__all__ = ["ImportReport", "Writer", "import_data", "import_hsds", "import_upload"]


def import_hsds(
    path: Path, dry_run: bool = False, strict: bool = False, updated_by: str = IMPORTER
) -> ImportReport:
    """Check and (unless ``dry_run``) import a file or datapackage folder; all or nothing.

    With ``strict`` the repairs that are otherwise warnings (coordinates out of range, an
    unknown parent organisation, unknown taxonomy terms) are errors too.
    """
    report = ImportReport()
    dataset = read_path(path, report)
    return import_dataset(dataset, report, path.name, dry_run, strict, updated_by)


def import_upload(
    name: str, content: bytes, user: User, dry_run: bool = False, strict: bool = False
) -> ImportReport:
    """:func:`import_hsds` for an uploaded JSON or ZIP file, on behalf of ``user``."""
    report = ImportReport()
    dataset = read_upload(name, content, report)
    return import_dataset(dataset, report, name, dry_run, strict, user.email)


def import_data(data: Any, label: str, updated_by: str = IMPORTER) -> ImportReport:
    """:func:`import_hsds` for HSDS JSON that is already loaded (the demo sociale kaart)."""
    report = ImportReport()
    dataset = Dataset()
    read_json(data, dataset, report, label)
    return import_dataset(dataset, report, label, False, False, updated_by)

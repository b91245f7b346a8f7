"""The index heals itself: the outbox is applied, damage is found and the database and the
index are compared per kind, at start and every ``SEARCH_HEAL_INTERVAL`` seconds.

Each web process runs one background thread (started with the app, or at its first request
after a fork). The processes share the work through a file lock and a time stamp in the
index folder: one of them heals per interval, the site answers meanwhile.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from signalen.config import DEFAULTS
from signalen.extensions import db
from signalen.search import outbox, services
from signalen.search.documents import IndexUnavailable
from signalen.search.engine import version_value
from signalen.search.services import Source

DEFAULT_INTERVAL = DEFAULTS["SEARCH_HEAL_INTERVAL"]
HEAL_LOCK = "heal.lock"
HEALED = "HEALED"
EXTENSION = "signalen_search_healing"


def _comparable() -> list[Source]:
    return [s for s in services.sources().values() if s.model is not None and s.key is not None]


def _database_summary(source: Source) -> tuple[int, int]:
    """How many records of ``source`` should be in the index and their highest version."""
    query = select(func.count(), func.max(source.model.updated_at))
    if source.live is not None:
        query = query.where(source.live)
    count, highest = db.session.execute(query).one()
    return int(count or 0), version_value(highest)


def _database_versions(source: Source) -> dict[int, int]:
    query = select(source.model.id, source.model.updated_at)
    if source.live is not None:
        query = query.where(source.live)
    return {
        source.key(_Record(record_id)): version_value(updated)
        for record_id, updated in db.session.execute(query)
    }


@dataclass
class _Record:
    """Just enough of a model object for a source's ``key``."""

    id: object


def differences() -> dict[str, tuple[tuple[int, int], tuple[int, int]]]:
    """The kinds whose (count, highest version) differ between database and index."""
    comparable = _comparable()
    if not comparable:
        return {}
    indexed = services.engine().summary([source.kind for source in comparable])
    found = {}
    for source in comparable:
        wanted = _database_summary(source)
        if indexed[source.kind] != wanted:
            found[source.kind] = (wanted, indexed[source.kind])
    return found


def in_sync() -> bool:
    """Whether the outbox is empty and database and index agree on every kind."""
    try:
        return outbox.pending_count() == 0 and not differences()
    except IndexUnavailable:  # swapped or marked damaged just now
        return False


def heal() -> int:
    """Apply the outbox, rebuild a damaged index, and catch up what differs between the
    database and the index (missing, stale or extra documents). Returns how many records
    were caught up by the comparison."""
    outbox.drain()
    extension = services.extension()
    engine = extension.engine
    if engine.available() and services.check_damage():
        return 0
    if not engine.available() or engine.rebuilding() or extension.rebuild_running():
        extension.ensure_ready()
        return 0
    if outbox.pending_count():
        return 0  # another drain is at work (or the index is busy): compare next time
    caught_up = 0
    for kind in differences():
        source = services.sources()[kind]
        wanted = _database_versions(source)
        indexed = engine.inventory(kind)
        stale = [number for number, version in wanted.items() if indexed.get(number) != version]
        extra = [number for number in indexed if number not in wanted]
        current_app.logger.warning(
            "Search index differs from the database for %s: %d missing or stale, %d extra",
            kind,
            len(stale),
            len(extra),
        )
        outbox.record(kind, stale, outbox.INDEX)
        outbox.record(kind, extra, outbox.REMOVE)
        db.session.commit()
        caught_up += len(stale) + len(extra)
    if caught_up:
        outbox.drain()
    return caught_up


class Healer:
    """The background thread of one process."""

    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        self.pid: int | None = None
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.stopped = threading.Event()

    def start(self) -> None:
        """Start the thread in this process unless it runs (also after a fork)."""
        if self.stopped.is_set() or self._running():
            return
        with self.lock:
            if self.stopped.is_set() or self._running():
                return
            self.pid = os.getpid()
            self.thread = threading.Thread(target=self._run, name="search-healing", daemon=True)
            self.thread.start()

    def _running(self) -> bool:
        return self.pid == os.getpid() and self.thread is not None and self.thread.is_alive()

    def stop(self) -> None:
        """Stop the thread after its current round (tests; the process ending stops it too)."""
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(30)

    def _run(self) -> None:
        first = True
        while not self.stopped.is_set():
            try:
                with self.app.app_context():
                    self.heal_once(force=first)
            except SQLAlchemyError as error:  # not migrated yet, or down: try again later
                self.app.logger.warning("Search index healing postponed (database): %s", error)
            except Exception:
                self.app.logger.exception("Search index healing failed; trying again later")
            first = False
            self.stopped.wait(self.interval)

    def heal_once(self, force: bool = False) -> bool:
        """Heal unless another process did within the interval (``force``: at start).
        True when this process healed."""
        engine = services.engine()
        stamp = Path(engine.path) / HEALED
        try:
            with engine.named_lock(HEAL_LOCK, timeout=0):
                if not force and _age(stamp) < self.interval * 0.9:
                    return False
                heal()
                stamp.touch()
                return True
        except IndexUnavailable:  # another process heals right now
            return False


def _age(path: Path) -> float:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return float("inf")


def init_app(app: Flask, in_command: bool) -> None:
    """Heal in the background every ``SEARCH_HEAL_INTERVAL`` seconds (0: never).

    Started now, or — under a command line (``signalen run``/``demo``), which only serves
    when asked — at the first request; a worker forked after start starts its own.
    """
    interval = float(app.config.get("SEARCH_HEAL_INTERVAL", DEFAULT_INTERVAL))
    if interval <= 0:
        return
    healer = app.extensions.setdefault(EXTENSION, Healer(app, interval))
    if not in_command:
        healer.start()

    @app.before_request
    def _start_healing() -> None:
        healer.start()

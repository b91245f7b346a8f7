"""The job queue: Huey runs the outbox, the review reminders, digest drafts and the
subscription mails, in ``signalen worker`` (or inside ``signalen demo``).

Storage: Redis when ``JOB_QUEUE_URL`` (or ``REDIS_URL``) is set, else a SQLite file in the
instance folder, so a laptop needs nothing extra. Features add periodic jobs with
:func:`periodic`; every job runs in an app context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

EXTENSION = "signalen_jobs"
SEND_TASK = "signalen.mail.send_outbox"


@dataclass
class Periodic:
    name: str
    schedule: Callable
    function: Callable[[], object]


def _state(app: Flask) -> dict:
    return app.extensions.setdefault(EXTENSION, {"periodic": [], "huey": None})


def periodic(app: Flask, name: str, schedule: Callable, function: Callable[[], object]) -> None:
    """Run ``function`` on ``schedule`` (a ``huey.crontab``) in the worker."""
    _state(app)["periodic"].append(Periodic(name, schedule, function))


def queue_url(app: Flask) -> str:
    return str(app.config.get("JOB_QUEUE_URL") or app.config.get("REDIS_URL") or "")


def job_queue(app: Flask | None = None) -> Huey:
    """The app's Huey instance, built on first use with every registered job."""
    app = app or current_app._get_current_object()
    state = _state(app)
    if state["huey"] is None:
        state["huey"], state["send"] = _build(app, state["periodic"])
    return state["huey"]


def _build(app: Flask, jobs: list[Periodic]) -> tuple[Huey, Callable]:
    url = queue_url(app)
    if url:
        huey: Huey = RedisHuey("signalen", url=url, results=False)
    else:
        path = Path(app.instance_path) / "jobs.db"
        huey = SqliteHuey("signalen", filename=str(path), results=False)

    def in_app(function: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            with app.app_context():
                function()

        return run

    from signalen.mail.services import send_pending

    send = huey.task(name=SEND_TASK)(in_app(send_pending))
    every_minute = crontab(minute="*")
    huey.periodic_task(every_minute, name=SEND_TASK + ".periodic")(in_app(send_pending))
    for job in jobs:
        huey.periodic_task(job.schedule, name=f"signalen.{job.name}")(in_app(job.function))
    return huey, send


def enqueue_send(app: Flask) -> None:
    """Ask the worker to send the outbox now (it also does so every minute)."""
    job_queue(app)
    _state(app)["send"]()


def start_in_process(app: Flask, workers: int = 1):
    """Run the consumer in threads of this process (for ``signalen demo``); returns it.

    The consumer's own ``run()`` installs signal handlers, which only the main thread may;
    this starts its scheduler and workers only. Stop it with ``consumer.stop()``.
    """
    consumer = job_queue(app).create_consumer(workers=workers, worker_type="thread")
    consumer.scheduler.start()
    for _name, worker in consumer.worker_threads:
        worker.start()
    return consumer


def init_app(app: Flask) -> None:
    """The after-commit hook is module-level; features add their jobs with :func:`periodic`."""


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    if not session.info.pop("mail_outbox_written", False):
        return
    try:
        app = current_app._get_current_object()
    except RuntimeError:
        return
    if not app.config.get("MAIL_SEND_AFTER_COMMIT", True):
        return
    try:
        enqueue_send(app)
    except Exception:  # the queue is away: the periodic run sends it
        app.logger.exception("Could not queue the outbox job; the next periodic run sends it")


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("mail_outbox_written", None)

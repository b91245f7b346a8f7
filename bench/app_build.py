"""Measure what every test pays before it starts: building an app on the test database.

Prints the CPU time of ``create_app`` with the test configuration, first as Werkzeug does it
(compiling every route's URL builder), then with the builders shared as ``tests/conftest.py``
shares them. CPU time, not wall time, so a busy machine changes the figures little.
Run from the repository root: ``.venv/bin/python bench/app_build.py``.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from signalen import create_app
from signalen.extensions import db

REPEAT = 20


def cpu_per_app(config: dict) -> float:
    started = time.process_time()
    for _ in range(REPEAT):
        app = create_app(config)
        with app.app_context():
            db.engine.dispose()
    return (time.process_time() - started) / REPEAT


def main() -> None:
    logging.disable(logging.WARNING)
    folder = Path(tempfile.mkdtemp())
    # Importing tests.conftest shares the builders; keep Werkzeug's own to measure both.
    from werkzeug.routing.rules import Rule

    original = Rule._compile_builder
    from tests.conftest import app_config

    config = app_config(f"sqlite:///{folder / 'bench.db'}", folder / "instance")
    app = create_app(config)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    shared = Rule._compile_builder
    Rule._compile_builder = original
    before = cpu_per_app(config)
    Rule._compile_builder = shared
    after = cpu_per_app(config)
    print(f"create_app, CPU per app over {REPEAT}: {before:.3f} s compiled per app")
    print(f"create_app, CPU per app over {REPEAT}: {after:.3f} s with shared URL builders")


if __name__ == "__main__":
    main()

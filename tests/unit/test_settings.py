"""Every setting the code reads has its default in one place: ``signalen.config.DEFAULTS``."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

import signalen
from signalen.config import DEFAULTS

# app.config.get("X", …), config["X"], config.setdefault("X", …), "X" in config
READ = re.compile(r"""config(?:\.get\(|\.setdefault\(|\[)\s*["']([A-Z][A-Z0-9_]+)["']""")


def settings_read_in_code() -> dict[str, str]:
    found: dict[str, str] = {}
    source = Path(signalen.__file__).parent
    for path in sorted(source.rglob("*.py")):
        for name in READ.findall(path.read_text()):
            found.setdefault(name, str(path.relative_to(source.parent)))
    return found


def test_the_pattern_finds_the_ways_settings_are_read():
    text = 'a = app.config.get("FEED_MAX_ENTRIES", 5)\nb = current_app.config["SITE_NAME"]\n'
    assert READ.findall(text) == ["FEED_MAX_ENTRIES", "SITE_NAME"]


def test_every_setting_read_in_code_is_listed_in_config_defaults():
    flask_own = set(Flask.default_config)
    missing = {
        name: where
        for name, where in settings_read_in_code().items()
        if name not in DEFAULTS and name not in flask_own
    }
    assert not missing, f"Add these to config.DEFAULTS (with a comment): {missing}"


def test_no_feature_sets_its_own_default():
    source = Path(signalen.__file__).parent
    offenders = [
        str(path.relative_to(source.parent))
        for path in sorted(source.rglob("*.py"))
        if re.search(r"""config\.setdefault\(\s*["']""", path.read_text())
    ]
    assert offenders == []

"""The ``signalen`` command line: user and organisation commands, demo data, the demo site."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from signalen.auth.models import Role, User
from signalen.demo.services import DEMO_ORGANISATIONS, DEMO_USERS, demo_logins
from signalen.extensions import db
from signalen.organisations.models import MemberOrganisation
from tests.conftest import login


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        result = runner.invoke(args=list(args), input=input)
        db.session.expire_all()
        return result

    return invoke


def test_create_organisation_and_user_with_password_from_stdin(cli, client):
    result = cli("create-organisation", "Cliëntenraad Deventer")
    assert result.exit_code == 0, result.output
    assert "Organisatie aangemaakt: Cliëntenraad Deventer" in result.output

    result = cli(
        "create-user",
        "Coord@Deventer.example",
        "--role",
        "coordinator",
        "--organisation",
        "cliëntenraad deventer",
        "--password-stdin",
        input="mijn-wachtwoord-1\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "coord@deventer.example"))
    assert user.role is Role.COORDINATOR
    assert user.organisation.name == "Cliëntenraad Deventer"
    assert "mijn-wachtwoord-1" not in result.output
    assert login(client, "coord@deventer.example", "mijn-wachtwoord-1").status_code == 302


def test_create_user_without_password_prints_a_link(cli, client):
    result = cli("create-user", "beheer@example.org", "--role", "beheerder")
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert "/wachtwoord-instellen/" in link
    path = "/" + link.split("/", 3)[3]
    assert "beheer@example.org" in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x@example.org", "--role", "baas", "--organisation", "Org"], "Onbekende rol 'baas'"),
        (
            ["x@example.org", "--role", "lezer", "--organisation", "Nergens"],
            "Organisatie 'Nergens' bestaat niet",
        ),
        (["x@example.org", "--role", "lezer"], "Kies de organisatie van deze gebruiker."),
        (["geen-adres", "--role", "beheerder"], "Vul een geldig e-mailadres in."),
    ],
)
def test_create_user_refuses_bad_input_without_writing(cli, args, message):
    cli("create-organisation", "Org")
    before = count(User)
    result = cli("create-user", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Fout:" in result.output
    assert "Traceback" not in result.output
    assert count(User) == before


def test_short_password_from_stdin_is_refused(cli):
    result = cli(
        "create-user", "a@example.org", "--role", "beheerder", "--password-stdin", input="kort\n"
    )
    assert result.exit_code == 1
    assert "minstens 10 tekens" in result.output
    assert count(User) == 0


def test_duplicate_organisation_is_refused(cli):
    assert cli("create-organisation", "Helpdesk Utrecht").exit_code == 0
    result = cli("create-organisation", "  helpdesk   UTRECHT ")
    assert result.exit_code == 1
    assert "Er is al een organisatie met deze naam." in result.output
    assert count(MemberOrganisation) == 1


def test_seed_demo_loads_every_role_once(cli, client):
    result = cli("seed-demo")
    assert result.exit_code == 0, result.output
    assert "Demogegevens geladen." in result.output
    assert count(MemberOrganisation) == len(DEMO_ORGANISATIONS)
    assert count(User) == len(DEMO_USERS)
    roles = set(db.session.scalars(select(User.role)).all())
    assert roles == set(Role)
    for demo in demo_logins():
        assert demo.email in result.output and demo.password in result.output

    again = cli("seed-demo")
    assert "Demogegevens waren al geladen." in again.output
    assert count(User) == len(DEMO_USERS)

    coordinator = next(d for d in demo_logins() if d.role is Role.COORDINATOR)
    assert login(client, coordinator.email, coordinator.password).status_code == 302


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_console_script_runs_demo_site_on_a_fresh_instance(tmp_path: Path):
    """The README's first command: ``signalen demo`` migrates, seeds and serves."""
    script = Path(sys.executable).with_name("signalen")
    assert script.exists(), "pip install -e . installs the 'signalen' console script"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGNALEN_")}
    env["SIGNALEN_INSTANCE_PATH"] = str(tmp_path / "instance")
    process = subprocess.Popen(
        [str(script), "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Seeding 18 months of demo data runs every text through the privacy guard, whose
        # name model loads first (15–35 s on a busy 2-core machine).
        deadline = time.monotonic() + 240
        health = None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    health = r.read().decode()
                    break
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.2)
        if health is None:
            process.kill()
            pytest.fail(process.communicate(timeout=10)[0])
        assert '"database":"ok"' in health.replace(" ", "")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/inloggen", timeout=5) as r:
            assert "Inloggen" in r.read().decode()
        # The demo signals are searchable straight away (public ones, for a visitor).
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/zoeken", timeout=10) as r:
            page = r.read().decode()
        assert "Niets gevonden" not in page
        assert 'class="result result-signal"' in page
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "demo-coordinator" in output
    assert (tmp_path / "instance" / "signalen.db").exists()
    assert (tmp_path / "instance" / "secret_key").exists()

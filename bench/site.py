"""Measure the foundation: password hashing cost and page times through a real WSGI server.

Builds a throw-away instance (SQLite by default, or ``SIGNALEN_SQLALCHEMY_DATABASE_URI``),
loads the demo data, serves the app with waitress on a free loopback port and times
sequential requests with the standard library HTTP client.
"""

from __future__ import annotations

import http.cookiejar
import re
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request

from flask_migrate import upgrade
from waitress.server import create_server

from signalen import create_app
from signalen.auth.services import password_hasher
from signalen.demo import services as demo

REQUESTS = 200


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def main() -> None:
    instance = tempfile.mkdtemp(prefix="signalen-bench-")
    app = create_app({"INSTANCE_PATH": instance, "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        demo.seed_demo()
        hasher = password_hasher()
        hash_ms = summary(timed(lambda: hasher.hash("een-wachtwoord"), 10))[0]

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"

    def new_session():
        return urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    opener = new_session()

    def get(path: str, session=None) -> str:
        with (session or opener).open(base + path, timeout=10) as response:
            return response.read().decode()

    health_ms = summary(timed(lambda: get("/healthz"), REQUESTS))
    anonymous_ms = summary(timed(lambda: get("/"), REQUESTS))

    login = demo.demo_logins()[1]

    def log_in(session=None) -> None:
        session = session or new_session()
        form = get("/inloggen", session)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        data = urllib.parse.urlencode(
            {"csrf_token": token, "email": login.email, "password": login.password}
        ).encode()
        with session.open(base + "/inloggen", data=data, timeout=10) as response:
            assert "Welkom" in response.read().decode()

    log_in(opener)
    login_ms = summary(timed(log_in, 10))
    users_ms = summary(timed(lambda: get("/beheer/gebruikers"), REQUESTS))
    server.close()

    print(f"Signalen foundation benchmark ({REQUESTS} sequential requests per page, waitress)")
    print(f"  argon2id hash (production cost): {hash_ms:.1f} ms")
    for name, (median, p95) in [
        ("GET /healthz", health_ms),
        ("GET / (anonymous)", anonymous_ms),
        ("log in (fresh session)", login_ms),
        ("GET /beheer/gebruikers", users_ms),
    ]:
        print(f"  {name:<26} median {median:6.2f} ms   p95 {p95:6.2f} ms")
    print(f"argon2_hash_ms={hash_ms:.1f}")
    print(f"healthz_median_ms={health_ms[0]:.2f}")
    print(f"home_median_ms={anonymous_ms[0]:.2f}")
    print(f"login_median_ms={login_ms[0]:.2f}")
    print(f"users_page_median_ms={users_ms[0]:.2f}")


if __name__ == "__main__":
    main()

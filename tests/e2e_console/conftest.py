"""Browser tests for the content console: Debian's Chromium driven by the Python playwright
package against a real Herald server (werkzeug in a thread) with the demo company loaded.

Screenshots of the main pages are taken on every run; with ``HERALD_SCREENSHOTS=1`` they are
written to docs/img/console-*.png (``HERALD_SCREENSHOTS=1 pytest tests/e2e_console``).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import live_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "img"
CHROMIUM = os.environ.get("HERALD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "nordvind console demo"


@dataclass
class ConsoleServer:
    base_url: str
    app: Any
    token: str  # an admin API token, to check the console's numbers against the API
    content_email: str
    admin_email: str

    def url(self, path: str) -> str:
        return self.base_url + path

    def api(self, path: str) -> Any:
        client = self.app.test_client()
        resp = client.get(path, headers={"Authorization": f"Bearer {self.token}"})
        assert resp.status_code == 200, (path, resp.status_code, resp.get_data(as_text=True))
        return resp.get_json()


@pytest.fixture(scope="session")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:

    from backend import create_app
    from backend.demo import ADMIN_EMAIL, CONTENT_EMAILS

    tmp = tmp_path_factory.mktemp("console-e2e")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'herald.db'}",
            "SECRET_KEY": "e2e-console-" + "x" * 40,
            "ARTIFACTS_DIR": str(tmp / "artifacts"),
            "ENCODER": "hashing",
            "RATELIMIT_ENABLED": False,
            "CONSOLE_COOKIE_SECURE": False,  # plain http on 127.0.0.1
            "LOG_LEVEL": "WARNING",
            "TASK_QUEUE_URL": f"sqlite:///{tmp / 'tasks.db'}",
        }
    )
    server = live_server(app)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["PUBLIC_BASE_URL"] = base_url
    runner = app.test_cli_runner()
    for args in (["db-upgrade"], ["seed-demo"]):
        res = runner.invoke(args=args)
        assert res.exit_code == 0, (args, res.output, res.exception)
    for email in (CONTENT_EMAILS[0], ADMIN_EMAIL):
        res = runner.invoke(args=["set-password", email, "--password-stdin"], input=PASSWORD + "\n")
        assert res.exit_code == 0, res.output
    res = runner.invoke(args=["create-admin", "e2e-console-admin@example.com"])
    assert res.exit_code == 0, res.output
    token = res.output.strip().splitlines()[-1].strip()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    from backend import tasks

    worker = tasks.start_consumer_threads()  # the worker that `make run` starts beside the server
    yield ConsoleServer(base_url, app, token, CONTENT_EMAILS[0], ADMIN_EMAIL)
    server.shutdown()
    worker.stop(graceful=True)


@pytest.fixture(scope="session")
def chromium(playwright_session: Any) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


def _new_page(chromium: Any, width: int, height: int, locale: str) -> Any:
    context = chromium.new_context(
        viewport={"width": width, "height": height}, locale=locale, device_scale_factor=1
    )
    page = context.new_page()
    page.set_default_timeout(20000)
    page.on("dialog", lambda dialog: dialog.accept())  # data-confirm forms
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Script errors and CSP violations ("Refused to ..."); HTTP statuses are asserted by tests.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.js_errors = errors  # type: ignore[attr-defined]
    return page


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh 1280×800 browser context (no cookies)."""
    pg = _new_page(chromium, 1280, 800, "en-GB")
    yield pg
    errors = list(pg.js_errors)
    pg.context.close()
    assert not errors, errors  # no script errors and no CSP violations on any page


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    """A 390×844 viewport, as on a phone."""
    pg = _new_page(chromium, 390, 844, "da-DK")
    yield pg
    errors = list(pg.js_errors)
    pg.context.close()
    assert not errors, errors


def _sign_in(page: Any, server: ConsoleServer, email: str | None = None) -> None:
    page.goto(server.url("/console/login"))
    page.get_by_label("E-mail").fill(email or server.content_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url("/console/"))


@pytest.fixture
def sign_in() -> Callable[..., None]:
    return _sign_in


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docs/img when HERALD_SCREENSHOTS=1 (to refresh the committed screenshots), else a
    temporary folder, so an ordinary test run leaves the tree unchanged."""
    if os.environ.get("HERALD_SCREENSHOTS") == "1":
        return SCREENSHOTS
    return tmp_path_factory.mktemp("console-screenshots")


@pytest.fixture
def shot(screenshot_dir: Path) -> Callable[..., None]:
    def _shot(page: Any, name: str, full_page: bool = True) -> None:
        screenshot_dir.mkdir(parents=True, exist_ok=True)
        path = screenshot_dir / f"console-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        assert path.stat().st_size > 10_000, f"{path} looks empty"

    return _shot

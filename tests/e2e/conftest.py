"""End-to-end harness for the browser extension.

- ``linkedin``: fixture pages served over HTTPS at their real https://www.linkedin.com/... URLs
  by a small server on 127.0.0.1 with a self-signed certificate made at test time; Chromium
  resolves www.linkedin.com to it through ``--host-resolver-rules``.
- ``herald``: a real Herald API (create_app on a temporary SQLite database with the demo company)
  served by werkzeug in a thread; every request it gets is recorded so a test can assert what the
  extension sent.
- ``browser``: Debian's Chromium (never a downloaded one) with the unpacked extension loaded, in a
  fresh profile per test, driven by the Python playwright package.
"""

from __future__ import annotations

import http.server
import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.live_server import live_server

ROOT = Path(__file__).resolve().parents[2]
EXTENSION_DIR = ROOT / "extension"
# Hand-written, SYNTHETIC pages (see fixtures/linkedin/README.md). Real captures of LinkedIn are
# read from
# ../shared/data/linkedin-dom (tests/e2e/linkedin_dom.py).
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "linkedin"
# The manifest's "key" pins this id for unpacked loads (CORS_ORIGINS on the server names it).
EXTENSION_ID = "igifplgkdcfdegnckjjgmahmilgcdbpk"
CHROMIUM = os.environ.get("HERALD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
DESKTOP_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)

# URL path -> fixture file. Tests may swap an entry (e.g. the 2026 feed) through ``linkedin.route``.
DEFAULT_ROUTES: dict[str, str] = {
    "/feed/": "feed-classic.html",
    "/feed/update/urn:li:activity:7301111111111111111/": "post-classic.html",
    "/feed/update/urn:li:activity:7309999999999999999/": "post-own.html",
    "/posts/sofie-lund_zerotrust-activity-7301111111111111111-AbCd/": "post-public.html",
    "/in/sofie-lund-8a1b2c/": "profile-2026.html",
    "/in/mette-holm-4c5d6e/": "profile-classic.html",
    "/company/nordlys-energy/": "company-classic.html",
    "/company/nordlys-energy/about/": "company-about-classic.html",
    "/search/results/all/": "search.html",
    "/pulse/identity-new-perimeter-sofie-lund/": "article-classic.html",
    "/jobs/view/4100000001/": "other.html",
}

SHARE_OFFSITE_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>LinkedIn share</title></head>"
    "<body><main><h1>Share on LinkedIn</h1></main></body></html>"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ---- the fake www.linkedin.com -------------------------------------------------------------------


@dataclass
class LinkedInSite:
    port: int
    routes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ROUTES))
    values: dict[str, str] = field(default_factory=dict)  # {{NAME}} substitutions
    requests: list[str] = field(default_factory=list)

    def route(self, path: str, fixture: str) -> None:
        self.routes[path] = fixture

    def reset(self) -> None:
        self.routes = dict(DEFAULT_ROUTES)
        self.values = {}
        self.requests.clear()

    def render(self, path: str) -> str | None:
        if path.startswith("/sharing/share-offsite/"):
            return SHARE_OFFSITE_PAGE
        name = self.routes.get(path)
        if name is None:
            return None
        html = (FIXTURES / name).read_text(encoding="utf-8")
        for key, value in self.values.items():
            html = html.replace("{{" + key + "}}", value)
        return html


def _make_cert(tmp: Path) -> tuple[Path, Path]:
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=www.linkedin.com",
            "-addext",
            "subjectAltName=DNS:www.linkedin.com,DNS:other.test",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture(scope="session")
def linkedin_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LinkedInSite]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed for the test certificate")
    cert, key = _make_cert(tmp_path_factory.mktemp("tls"))
    site = LinkedInSite(port=0)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = urlsplit(self.path).path
            site.requests.append(self.path)
            body = site.render(path)
            if body is None:
                self.send_response(404)
                body = "<!doctype html><title>Page not found | LinkedIn</title><p>Not found</p>"
            else:
                self.send_response(200)
            data = body.encode("utf-8")
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(str(cert), str(key))
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
    site.port = int(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield site
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def linkedin(linkedin_server: LinkedInSite) -> Iterator[LinkedInSite]:
    linkedin_server.reset()
    yield linkedin_server
    linkedin_server.reset()


# ---- the browser with the extension --------------------------------------------------------------


class Extension:
    """Handles on the loaded extension: its id, its pages, its storage, its service worker."""

    def __init__(self, context: Any) -> None:
        self.context = context
        worker = (
            context.service_workers[0]
            if context.service_workers
            else context.wait_for_event("serviceworker", timeout=15000)
        )
        self.id = worker.url.split("/")[2]
        self._util: Any = None

    def url(self, path: str) -> str:
        return f"chrome-extension://{self.id}/{path}"

    @property
    def util(self) -> Any:
        """A hidden-in-plain-sight extension page used to read storage and query tabs."""
        if self._util is None or self._util.is_closed():
            self._util = self.context.new_page()
            self._util.goto(self.url("options.html"))
        return self._util

    def storage(self, area: str, key: str | None = None) -> Any:
        return self.util.evaluate(
            "([area, key]) => chrome.storage[area].get(key)"
            ".then(r => key === null ? r : r[key] ?? null)",
            [area, key],
        )

    def token(self) -> str | None:
        """The paired token, unsealed the way the service worker does it (lib/tokenbox.js)."""
        return self.util.evaluate(
            "() => Promise.all([chrome.storage.local.get('herald:auth'),"
            " import(chrome.runtime.getURL('lib/tokenbox.js'))])"
            ".then(([r, box]) => r['herald:auth'] && r['herald:auth'].sealed"
            " ? box.open(r['herald:auth'].sealed) : null)"
        )

    def set_storage(self, area: str, values: dict[str, Any]) -> None:
        self.util.evaluate("([area, v]) => chrome.storage[area].set(v)", [area, values])

    def context_of(self, tab_id: int) -> Any:
        return self.storage("session", f"herald:context:{tab_id}")

    def settled_context_of(self, tab_id: int) -> Any:
        """The tab's context once read with the pack the service worker confirmed (None before)."""
        ctx = self.context_of(tab_id)
        return ctx if ctx and (ctx.get("extraction") or {}).get("settled") else None

    def tab_id(self, url_prefix: str) -> int:
        tabs = self.util.evaluate("() => chrome.tabs.query({url: 'https://www.linkedin.com/*'})")
        ids = [t["id"] for t in tabs if t.get("url", "").startswith(url_prefix)]
        assert ids, f"no tab at {url_prefix}: {[t.get('url') for t in tabs]}"
        return int(ids[-1])

    def open_panel(self, tab_id: int | None) -> Any:
        page = self.context.new_page()
        page.goto(self.url("sidepanel.html" + (f"?tab={tab_id}" if tab_id is not None else "")))
        return page

    def send(self, type_: str, payload: dict[str, Any] | None = None) -> Any:
        return self.util.evaluate(
            "([type, payload]) => chrome.runtime.sendMessage({type, payload})",
            [type_, payload or {}],
        )

    def stop_service_worker(self) -> None:
        """Stops the service worker as Chrome does when idle (chrome samples' terminate-sw test)."""
        cdp = self.context.new_cdp_session(self.util)
        cdp.send("ServiceWorker.enable")
        cdp.send("ServiceWorker.stopAllWorkers")
        cdp.detach()


def chromium_args(
    extension_dir: Path, linkedin_port: int, extra: list[str] | None = None
) -> list[str]:
    return [
        "--headless=new",
        f"--disable-extensions-except={extension_dir}",
        f"--load-extension={extension_dir}",
        f"--host-resolver-rules=MAP www.linkedin.com 127.0.0.1:{linkedin_port},"
        f" MAP other.test 127.0.0.1:{linkedin_port}",
        "--ignore-certificate-errors",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        *(extra or []),
    ]


@pytest.fixture(scope="session")
def built_extension(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension as users install it: extension/build.py's zip, unpacked (the key kept: same
    id)."""
    import importlib.util
    import zipfile

    spec = importlib.util.spec_from_file_location("herald_ext_build", EXTENSION_DIR / "build.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    out = tmp_path_factory.mktemp("dist")
    target = build.build(out, keep_key=True)
    unpacked = out / "unpacked"
    with zipfile.ZipFile(target) as zf:
        zf.extractall(unpacked)
    return unpacked


@pytest.fixture
def launch(
    playwright_session: Any, linkedin: LinkedInSite, tmp_path: Path
) -> Iterator[Callable[..., tuple[Any, Extension]]]:
    """launch(lang="en", extension_dir=None) -> (context, Extension); closed after the test."""
    opened: list[Any] = []

    def _launch(lang: str = "en", extension_dir: Path | None = None) -> tuple[Any, Extension]:
        context = playwright_session.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{len(opened)}"),
            executable_path=CHROMIUM,
            headless=False,  # --headless=new in the args: the mode that runs extensions
            args=chromium_args(extension_dir or EXTENSION_DIR, linkedin.port, [f"--lang={lang}"]),
            ignore_https_errors=True,
            viewport={"width": 1100, "height": 800},
            user_agent=DESKTOP_UA,
            locale=lang,
            env={
                **os.environ,
                "LANGUAGE": lang,
                "LANG": f"{lang}_DK.UTF-8" if lang == "da" else "C.UTF-8",
            },
        )
        opened.append(context)
        return context, Extension(context)

    yield _launch
    for c in opened:
        c.close()


@pytest.fixture
def browser(launch: Callable[..., tuple[Any, Extension]]) -> tuple[Any, Extension]:
    return launch()


# ---- a real Herald server ------------------------------------------------------------------------


class Recorder:
    """WSGI middleware that remembers every (method, path) the server received."""

    def __init__(self) -> None:
        self.app: Any = None
        self.calls: list[tuple[str, str]] = []
        # The JSON bodies of API writes (method, path, body), for tests that check what was sent.
        self.bodies: list[tuple[str, str, Any]] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        self.calls.append((method, path))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if path.startswith("/api/") and method in ("POST", "PUT", "PATCH") and 0 < length < 65536:
            raw = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(raw)
            try:
                self.bodies.append((method, path, json.loads(raw)))
            except ValueError:
                self.bodies.append((method, path, raw))
        return self.app(environ, start_response)

    def sent(self, method: str, path: str) -> list[Any]:
        return [b for m, p, b in self.bodies if (m, p) == (method, path)]

    def api_calls(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[1].startswith("/api/") and c[0] != "OPTIONS"]


@dataclass
class Herald:
    base_url: str
    app: Any
    admin_token: str
    recorder: Recorder

    def has_route(self, path: str, method: str = "GET") -> bool:
        return has_route(self.app, path, method)

    def require(self, *routes: tuple[str, str]) -> None:
        """Skips (at run time, naming the route) when the backend does not serve a route yet."""
        missing = [f"{m} {p}" for m, p in routes if not self.has_route(p, m)]
        if missing:
            pytest.skip("backend route not available yet: " + ", ".join(missing))

    def api(self, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
        client = self.app.test_client()
        headers = {"Authorization": f"Bearer {token or self.admin_token}"}
        resp = client.open(path, method=method, json=body, headers=headers)
        assert resp.status_code < 400, (method, path, resp.status_code, resp.get_data(as_text=True))
        return resp.get_json(silent=True)

    def pairing_code(self, employee_id: int) -> str:
        return str(self.api("POST", f"/api/v1/employees/{employee_id}/pairing-code")["code"])

    def demo_employee(self) -> dict[str, Any]:
        items = self.api("GET", "/api/v1/employees?limit=100")["items"]
        active = [e for e in items if e.get("is_active") and e.get("access_role") == "employee"]
        sales = [e for e in active if "sales" in (e.get("department") or "").lower()]
        return (sales or active)[0]


def has_route(app: Any, path: str, method: str = "GET") -> bool:
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    try:
        app.url_map.bind("localhost").match(path, method=method)
    except (NotFound, MethodNotAllowed):
        return False
    return True


@pytest.fixture(scope="session")
def herald(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Herald]:
    backend = pytest.importorskip("backend", reason="the Herald backend is not importable")

    tmp = tmp_path_factory.mktemp("herald")
    recorder = Recorder()
    server = live_server(recorder)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app = backend.create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'herald.db'}",
            "SECRET_KEY": "e2e-" + "x" * 40,
            "ARTIFACTS_DIR": str(tmp / "artifacts"),
            "ENCODER": "hashing",
            "CORS_ORIGINS": [f"chrome-extension://{EXTENSION_ID}"],
            "PUBLIC_BASE_URL": base_url,
            "RATELIMIT_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            # One proxy hop is trusted, so a test can click a tracked link as someone else (a
            # visitor's X-Forwarded-For): from the sharer's own address it is a self-click and
            # does not count (issue #13).
            "PROXY_COUNT": 1,
        }
    )
    recorder.app = app
    runner = app.test_cli_runner()
    for args in (["db-upgrade"], ["seed-demo"]):
        res = runner.invoke(args=args)
        assert res.exit_code == 0, (args, res.output, res.exception)
    res = runner.invoke(args=["create-admin", "e2e-admin@example.com"])
    assert res.exit_code == 0, res.output
    admin_token = res.output.strip().splitlines()[-1].strip()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Herald(base_url=base_url, app=app, admin_token=admin_token, recorder=recorder)
    server.shutdown()


def dump(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False)


@pytest.fixture(scope="session")
def plain_browser(playwright_session: Any, linkedin_server: LinkedInSite) -> Iterator[Any]:
    """Chromium without the extension, resolving www.linkedin.com to the fixture server."""
    browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            f"--host-resolver-rules=MAP www.linkedin.com 127.0.0.1:{linkedin_server.port}",
            "--ignore-certificate-errors",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
        ],
    )
    yield browser
    browser.close()


@pytest.fixture
def read_page(plain_browser: Any, linkedin: LinkedInSite) -> Iterator[Callable[[str], Any]]:
    """read_page(url) -> a page at that URL with the extension's reading code loaded (lib/*.js)."""
    # bypass_csp: real captures carry LinkedIn's Trusted Types policy, which would refuse the
    # injection.
    context = plain_browser.new_context(
        ignore_https_errors=True, viewport={"width": 1100, "height": 800}, bypass_csp=True
    )

    pack = json.loads((EXTENSION_DIR / "selectors" / "pack.json").read_text(encoding="utf-8"))

    def _open(url: str) -> Any:
        page = context.new_page()
        page.goto(url)
        for name in ("pagetype.js", "pack.js", "selectors.js", "extract.js"):
            page.add_script_tag(path=str(EXTENSION_DIR / "lib" / name))
        page.evaluate("(pack) => Herald.selectors.use(Herald.pack.compile(pack))", pack)
        return page

    yield _open
    context.close()

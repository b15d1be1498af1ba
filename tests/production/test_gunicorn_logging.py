"""gunicorn's own access log stays off under backend/gunicorn_conf.py.

The app writes one JSON line per request itself (route template, never the raw URI or referrer).
gunicorn's access log would repeat each request with its raw URI, query string, referrer and
User-Agent, and with ``logconfig_dict`` set it builds those fields for every response even though
``accesslog = None`` and no handler takes the record. Each case runs in its own interpreter, because
gunicorn's logger applies ``logconfig_dict`` to the whole process's logging.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Loads the config file as gunicorn does, builds gunicorn's logger from it (or the stock logger,
# as a control), listens on "gunicorn.access" and answers one real-looking request.
_PROBE = r"""
import datetime, json, logging, sys
from types import SimpleNamespace
from gunicorn.config import Config
from gunicorn.glogging import Logger

conf = {}
exec(compile(open(sys.argv[1]).read(), sys.argv[1], "exec"), conf)
cfg = Config()
for name in ("accesslog", "errorlog", "loglevel", "logconfig_dict", "logger_class"):
    cfg.set(name, conf[name])
if sys.argv[2] == "stock":
    cfg.set("logger_class", Logger)
logger = cfg.logger_class(cfg)

built = []
class Catch(logging.Handler):
    def emit(self, record):
        built.append(record.getMessage())
access = logging.getLogger("gunicorn.access")
access.addHandler(Catch())
access.propagate = False

environ = {
    "REMOTE_ADDR": "203.0.113.9", "REQUEST_METHOD": "GET", "RAW_URI": "/r/abc123?utm=x",
    "PATH_INFO": "/r/abc123", "QUERY_STRING": "utm=x", "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_REFERER": "https://www.linkedin.com/feed/", "HTTP_USER_AGENT": "Mozilla/5.0",
}
resp = SimpleNamespace(status="302 FOUND", headers=[("Location", "https://example.com/")], sent=0)
req = SimpleNamespace(headers=[("HOST", "herald.example")])
logger.access(resp, req, environ, datetime.timedelta(milliseconds=3))
print(json.dumps({"logger": type(logger).__name__, "lines": built}))
"""


def _probe(which: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(ROOT / "backend" / "gunicorn_conf.py"), which],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_the_stock_logger_would_build_an_access_line_under_this_config() -> None:
    # The control: with this config's logging settings, gunicorn's own logger does build the line
    # (with the raw URI and referrer), so the probe can see one.
    lines = _probe("stock")["lines"]
    assert isinstance(lines, list) and len(lines) == 1
    assert "/r/abc123?utm=x" in lines[0] and "linkedin.com" in lines[0]


def test_the_configured_logger_builds_no_access_line() -> None:
    result = _probe("configured")
    assert result["logger"] == "NoAccessLog"
    assert result["lines"] == []

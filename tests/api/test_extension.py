"""The extension's selector pack and extraction-health endpoints."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from backend.extensions import db
from backend.models import ExtractionHealth
from backend.schemas.extension import ExtractionReport
from backend.services import extraction_health
from backend.services.selector_pack import BUNDLED_PACK, SelectorPackError, load_pack

PACK_URL = "/api/v1/extension/selector-pack"
HEALTH_URL = "/api/v1/extension/extraction-health"
REPORT = {
    "page_kind": "feed",
    "dom": "2026",
    "rule": "post:2026-main-feed",
    "items": 7,
    "pack_version": 1,
    "extension_version": "0.2.0",
}


def test_pack_needs_a_token(client: Any) -> None:
    assert client.get(PACK_URL).status_code == 401
    assert client.post(HEALTH_URL, json=REPORT).status_code == 401


def test_the_bundled_pack_is_served_by_default(client: Any, employee_headers: Any) -> None:
    resp = client.get(PACK_URL, headers=employee_headers)
    assert resp.status_code == 200
    assert resp.json == json.loads(BUNDLED_PACK.read_text(encoding="utf-8"))
    etag = resp.headers["ETag"]
    again = client.get(PACK_URL, headers={**employee_headers, "If-None-Match": etag})
    assert again.status_code == 304


def test_a_configured_pack_is_served(
    app: Any, client: Any, employee_headers: Any, tmp_path: Path
) -> None:
    pack = json.loads(BUNDLED_PACK.read_text(encoding="utf-8"))
    pack["version"] = 7
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(pack), encoding="utf-8")
    app.config["SELECTOR_PACK_PATH"] = str(path)
    assert client.get(PACK_URL, headers=employee_headers).json["version"] == 7


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda p: p.update(format=2), "format"),
        (lambda p: p.update(version=0), "version"),
        (lambda p: p["rules"].pop("post"), "rules"),
        (lambda p: p["rules"]["post"].append({"id": "x", "dom": "classic"}), "rules.post.8.css"),
        (lambda p: p["rules"]["postAuthor"][2].update(re="(unclosed"), "rules.postAuthor.2.re"),
        (lambda p: p["rules"]["post"][0].update(script="alert(1)"), "rules.post.0.script"),
        (lambda p: p["fallback"].update(minTextChars=0), "fallback.minTextChars"),
    ],
)
def test_an_invalid_pack_is_never_served(
    app: Any, client: Any, employee_headers: Any, tmp_path: Path, change: Any, where: str
) -> None:
    pack = json.loads(BUNDLED_PACK.read_text(encoding="utf-8"))
    change(pack)
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(pack), encoding="utf-8")
    with pytest.raises(SelectorPackError, match=f"invalid at {where}"):
        load_pack(path)
    app.config["SELECTOR_PACK_PATH"] = str(path)
    resp = client.get(PACK_URL, headers=employee_headers)
    assert resp.status_code == 503
    assert resp.json["error"]["code"] == "service_unavailable"
    assert str(tmp_path) not in resp.json["error"]["message"]


def test_health_report_is_counted(client: Any, employee_headers: Any) -> None:
    for items in (7, 0, 3):
        resp = client.post(HEALTH_URL, json={**REPORT, "items": items}, headers=employee_headers)
        assert resp.status_code == 202, resp.json
    rows = db.session.scalars(db.select(ExtractionHealth)).all()
    assert len(rows) == 1
    assert (rows[0].pages, rows[0].empty_pages, rows[0].items) == (3, 1, 10)
    assert rows[0].page_kind == "feed" and rows[0].rule == "post:2026-main-feed"


@pytest.mark.parametrize(
    "bad",
    [
        {"page_kind": "timeline"},
        {"dom": "2030"},
        {"rule": "post text with spaces"},
        {"items": -1},
        {"extension_version": "latest"},
        {"text": "Anna Jensen wrote ..."},  # text is never accepted
    ],
)
def test_health_rejects_bad_reports(
    client: Any, employee_headers: Any, bad: dict[str, Any]
) -> None:
    resp = client.post(HEALTH_URL, json={**REPORT, **bad}, headers=employee_headers)
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "validation_error"
    assert db.session.scalars(db.select(ExtractionHealth)).all() == []


def test_summary_warns_when_the_empty_share_rises(app: Any) -> None:
    today = dt.date(2026, 12, 6)
    report = ExtractionReport.model_validate(REPORT)
    empty = ExtractionReport.model_validate({**REPORT, "items": 0, "rule": "none"})
    for back in range(1, 4):  # three good days
        for _ in range(4):
            extraction_health.record(report, today - dt.timedelta(days=back))
    extraction_health.record(report, today - dt.timedelta(days=1))
    kinds = extraction_health.summary(today=today)
    assert kinds == [] or not any(k.warning for k in kinds)
    extraction_health.record(report, today)
    assert not extraction_health.summary(today=today)[0].warning
    for _ in range(3):  # LinkedIn changed its feed today
        extraction_health.record(empty, today)
    feed = extraction_health.summary(today=today)[0]
    assert feed.page_kind == "feed" and feed.warning
    assert feed.latest is not None and feed.latest.empty_share == 0.75
    assert feed.baseline_share == 0.0
    assert feed.rules == {"post:2026-main-feed": 14, "none": 3}


def test_people_search_is_never_warned_about(app: Any) -> None:
    today = dt.date(2026, 12, 6)
    people = ExtractionReport.model_validate(
        {**REPORT, "page_kind": "search-people", "items": 0, "rule": "none"}
    )
    extraction_health.record(people, today)
    assert not extraction_health.summary(today=today)[0].warning

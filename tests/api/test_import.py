from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import Article, AuditLog, Campaign
from backend.services.importers import ImportFileError, html_to_text, import_articles

URL = "/api/v1/articles/import"

CSV = (
    "canonical_url,title,summary,language,tags,status,published_at,caption_en,caption_da\n"
    "https://example.com/a?utm_source=x,Cloud costs,Why bills grow,en,cloud;finops,approved,"
    '2025-01-02,"Read this || And this",\n'
    "ftp://example.com/b,Bad scheme,,en,,,,,\n"
    'https://example.com/c,"Sikkerhed, kort fortalt","Om NIS2\nog dig",da,"[""nis2""]",,,,'
    "Del gerne\n"
    "https://example.com/d,,missing title,en,,,,,\n"
)


def post(client: Any, headers: dict[str, str], data: str | bytes, ctype: str, **q: Any) -> Any:
    return client.post(URL, data=data, headers={**headers, "Content-Type": ctype}, query_string=q)


def count_articles() -> int:
    return db.session.scalar(select(func.count()).select_from(Article)) or 0


def test_csv_import_reports_row_errors_and_imports_the_rest(
    client: Any, content_headers: dict[str, str]
) -> None:
    resp = post(client, content_headers, CSV, "text/csv")
    assert resp.status_code == 200, resp.json
    report = resp.json
    assert report["format"] == "csv"
    assert (report["rows"], report["created"], report["failed"]) == (4, 2, 2)
    errors = {(e["row"], e["line"], e["field"]) for e in report["errors"]}
    assert (2, 3, "canonical_url") in errors
    assert (4, 6, "title") in errors  # record 3 spans lines 4-5
    assert [i["outcome"] for i in report["items"]] == ["created", "created"]
    assert all(isinstance(i["id"], int) for i in report["items"])
    a = db.session.scalar(select(Article).where(Article.canonical_url == "https://example.com/a"))
    assert a is not None
    assert a.status == "approved" and a.approved_at is not None
    assert a.tags == ["cloud", "finops"]
    assert [c.text for c in a.captions] == ["Read this", "And this"]
    c = db.session.scalar(select(Article).where(Article.canonical_url == "https://example.com/c"))
    assert c is not None
    assert c.title == "Sikkerhed, kort fortalt" and c.summary == "Om NIS2\nog dig"
    assert c.language == "da" and c.tags == ["nis2"] and c.status == "draft"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "article.import"))
    assert entry is not None and entry.details["created"] == 2


def test_reimport_is_idempotent_and_updates_changed_rows(
    client: Any, content_headers: dict[str, str]
) -> None:
    post(client, content_headers, CSV, "text/csv")
    again = post(client, content_headers, CSV, "text/csv").json
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert count_articles() == 2
    changed = CSV.replace("Cloud costs", "Cloud costs revisited")
    third = post(client, content_headers, changed, "text/csv").json
    assert (third["created"], third["updated"], third["unchanged"]) == (0, 1, 1)
    assert count_articles() == 2
    a = db.session.scalar(select(Article).where(Article.canonical_url == "https://example.com/a"))
    assert a is not None and a.title == "Cloud costs revisited"


def test_jsonl_import(client: Any, content_headers: dict[str, str]) -> None:
    db.session.add(Campaign(slug="q3-cloud", name="Q3 cloud"))
    db.session.commit()
    lines = [
        json.dumps(
            {
                "canonical_url": "https://example.com/x",
                "title": "X",
                "campaign": "q3-cloud",
                "captions": {"en": ["cap"]},
            }
        ),
        "",
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"canonical_url": "https://example.com/y", "title": "Y", "colour": "red"}),
        json.dumps({"canonical_url": "https://example.com/z", "title": "Z", "campaign": "nope"}),
        json.dumps({"canonical_url": "https://EXAMPLE.com/x/", "title": "dup"}),
    ]
    resp = post(client, content_headers, "\n".join(lines), "application/x-ndjson")
    assert resp.status_code == 200, resp.json
    report = resp.json
    assert report["created"] == 1 and report["failed"] == 5
    by_row = {e["row"]: e for e in report["errors"]}
    assert by_row[2]["line"] == 3 and by_row[2]["message"].startswith("malformed JSON")
    assert by_row[3]["message"] == "each line must be a JSON object"
    assert by_row[4]["field"] == "colour"
    assert by_row[5]["message"] == (
        "unknown campaign 'nope' (use its name or short name; campaigns: Q3 cloud (q3-cloud))"
    )
    assert by_row[6]["message"] == "the same canonical URL is already in record 1"
    assert count_articles() == 1


def test_multipart_upload_and_dry_run(client: Any, content_headers: dict[str, str]) -> None:
    data = {"file": (io.BytesIO(CSV.encode()), "articles.csv", "text/csv")}
    resp = client.post(
        URL,
        data=data,
        headers=content_headers,
        content_type="multipart/form-data",
        query_string={"dry_run": "true"},
    )
    assert resp.status_code == 200, resp.json
    assert resp.json["dry_run"] is True and resp.json["created"] == 2
    assert [i["id"] for i in resp.json["items"]] == [None, None]
    assert count_articles() == 0
    data = {"file": (io.BytesIO(CSV.encode()), "articles.csv")}
    resp = client.post(URL, data=data, headers=content_headers, content_type="multipart/form-data")
    assert resp.json["created"] == 2 and count_articles() == 2


def test_multipart_without_file_is_400(client: Any, content_headers: dict[str, str]) -> None:
    resp = client.post(
        URL, data={"x": "1"}, headers=content_headers, content_type="multipart/form-data"
    )
    assert resp.status_code == 400
    assert resp.json["error"]["message"] == "multipart upload needs a 'file' part"


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:media="http://search.yahoo.com/mrss/">
<channel><title>Blog</title><language>da-DK</language>
<item><title>Fem råd om NIS2</title><link>https://example.dk/nis2/?utm_medium=rss</link>
<description>&lt;p&gt;Kort &amp;amp; godt&lt;/p&gt;</description>
<content:encoded><![CDATA[<p>Første afsnit.</p><p>Andet afsnit.</p><script>x()</script>]]>
</content:encoded>
<pubDate>Tue, 04 Mar 2025 09:30:00 +0100</pubDate>
<category>NIS2</category><category>Sikkerhed</category>
<media:content url="https://example.dk/img.jpg" medium="image"/></item>
<item><title>No link</title></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<title>Engineering</title>
<entry><title>Terraform at scale</title>
<link rel="alternate" href="https://example.com/terraform"/>
<summary type="html">&lt;b&gt;Modules&lt;/b&gt; and state</summary>
<published>2025-03-01T10:00:00Z</published>
<category term="devops"/></entry>
</feed>"""


def test_rss_and_atom_feeds(client: Any, content_headers: dict[str, str]) -> None:
    resp = post(client, content_headers, RSS, "application/rss+xml")
    assert resp.status_code == 200, resp.json
    assert resp.json["created"] == 1 and resp.json["failed"] == 1
    article = db.session.scalar(select(Article))
    assert article is not None
    assert article.canonical_url == "https://example.dk/nis2"
    assert article.language == "da"
    assert article.summary == "Kort & godt"
    assert article.body == "Første afsnit.\n\nAndet afsnit."
    assert article.tags == ["nis2", "sikkerhed"]
    assert article.image_url == "https://example.dk/img.jpg"
    assert article.published_at is not None and article.published_at.hour == 8
    resp = post(client, content_headers, ATOM, "application/atom+xml")
    assert resp.json["created"] == 1, resp.json
    terraform = db.session.scalar(
        select(Article).where(Article.canonical_url == "https://example.com/terraform")
    )
    assert terraform is not None and terraform.summary == "Modules and state"


@pytest.mark.parametrize(
    ("data", "ctype", "message"),
    [
        ("", "text/csv", "the file is empty"),
        ("title,colour\nx,red\n", "text/csv", "unknown CSV column(s): colour"),
        ("title\nx\n", "text/csv", "the CSV header needs a canonical_url (or url) column"),
        (b"url,title\nhttps://e.com,\xff\xfe\n", "text/csv", "the file is not UTF-8 text"),
        ("<rss><channel>", "application/rss+xml", "the feed is not well-formed XML"),
        (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><rss/>',
            "application/rss+xml",
            "feeds with a DOCTYPE or entity declarations are not accepted",
        ),
        ("<html/>", "text/xml", "not an RSS 2.0 or Atom feed"),
    ],
)
def test_unreadable_files_are_422(
    client: Any, content_headers: dict[str, str], data: Any, ctype: str, message: str
) -> None:
    resp = post(client, content_headers, data, ctype)
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "validation_error"
    assert resp.json["error"]["message"].startswith(message)
    assert count_articles() == 0


def test_wrong_content_type_is_415(client: Any, content_headers: dict[str, str]) -> None:
    resp = post(client, content_headers, "{}", "application/json")
    assert resp.status_code == 415
    assert resp.json["error"]["code"] == "unsupported_media_type"


def test_bad_query_is_422(client: Any, content_headers: dict[str, str]) -> None:
    resp = post(client, content_headers, CSV, "text/csv", format="xlsx")
    assert resp.status_code == 422


def test_default_language_fills_rows_without_one(
    client: Any, content_headers: dict[str, str]
) -> None:
    data = "url,title\nhttps://example.com/q,Et indlæg\n"
    resp = post(client, content_headers, data, "text/csv", language="da")
    assert resp.json["created"] == 1
    article = db.session.scalar(select(Article))
    assert article is not None and article.language == "da"


def test_import_function_for_the_training_cli(app: Any, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"url_typo": 1}) + "\n", encoding="utf-8")
    report = import_articles(path, "jsonl", None)
    assert report.failed == 1 and report.summary() == (
        "1 rows: 0 created, 0 updated, 0 unchanged, 1 failed"
    )
    rows = [{"canonical_url": "https://example.com/r", "title": "R", "status": "approved"}]
    assert import_articles(rows, "jsonl", None).created == 1
    assert import_articles(rows, "jsonl", None).unchanged == 1
    with pytest.raises(ImportFileError, match="unknown import format 'xls'"):
        import_articles(rows, "xls", None)


def test_import_refuses_archived_to_approved(app: Any) -> None:
    rows = [{"canonical_url": "https://example.com/s", "title": "S", "status": "archived"}]
    import_articles(rows, "jsonl", None)
    report = import_articles([{**rows[0], "status": "approved"}], "jsonl", None)
    assert report.failed == 1
    assert report.errors[0].message.startswith("an article cannot go from archived to approved")


def test_html_to_text() -> None:
    assert html_to_text("<p>a &amp; b</p><style>p{}</style><ul><li>x</li><li>y</li></ul>") == (
        "a & b\n\nx\n\ny"
    )

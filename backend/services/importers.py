"""Bulk article import from CSV, JSON Lines and RSS 2.0 / Atom feeds.

Used by ``POST /api/v1/articles/import`` and by ``python -m training import``::

    report = import_articles(Path("articles.csv"), "csv", actor_id=None)
    print(report.summary())

Rules, the same for every format:

* Each record is validated like ``POST /api/v1/articles``; a bad record becomes an error with its
  record number (``row``, 1-based, the CSV header is not a record) and the line it starts on
  (``line``; 0 for feeds, whose parser does not track lines). Bad records are skipped.
* All good records are written in one transaction (nothing is written on a dry run).
* Idempotent on the canonical URL: a record whose URL is already stored updates that article
  (only the fields the record names) and is reported ``updated``, or ``unchanged`` when nothing
  differs; a URL seen twice in one file is an error on the second record.
* New articles start as ``draft`` unless the record sets ``status``.

CSV: a header row; columns are the article fields (``url`` is accepted for ``canonical_url``).
An empty cell means "not given". ``tags`` is a JSON array or a list separated by ``;``, ``,`` or
``|``; ``captions`` is a JSON object ``{"en": ["..."]}``; a ``caption_<lang>`` column holds one
language's variants separated by ``||``. Unknown columns reject the whole file (a typo would
otherwise drop data silently).

JSON Lines: one JSON object per line, the same fields as the API; blank lines are skipped.

Feeds: RSS 2.0 ``<item>`` and Atom ``<entry>``: link, title, description/summary (HTML removed),
``content:encoded``/content as body, pubDate/published, categories as tags, enclosure or
``media:content`` image, language from the channel (``da-DK`` → ``da``) unless the caller gives
one. Over-long summaries and bodies are shortened at a word boundary. Documents with a DOCTYPE or
entity declarations are refused (no entity expansion, no external fetches).
"""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from backend.errors import APIError, HeraldError, validation_details
from backend.extensions import db
from backend.models import Article, utcnow
from backend.schemas.articles import (
    MAX_BODY,
    MAX_SUMMARY,
    ArticleCreate,
    ArticleUpdate,
    ImportReportOut,
    ImportRowError,
    ImportRowResult,
)
from backend.schemas.common import HttpUrlStr
from backend.services import audit
from backend.services.articles import apply_changes, canonicalise_url, new_article
from backend.services.campaigns import list_campaigns, resolve_campaign

Format = Literal["csv", "jsonl", "feed"]
FORMATS: tuple[str, ...] = ("csv", "jsonl", "feed")
MAX_ROWS = 5_000

ARTICLE_FIELDS = frozenset(ArticleCreate.model_fields)
CSV_ALIASES = {"url": "canonical_url"}

_CONTENT_TYPES: dict[str, Format] = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/jsonlines": "jsonl",
    "application/x-jsonlines": "jsonl",
    "application/rss+xml": "feed",
    "application/atom+xml": "feed",
    "application/xml": "feed",
    "text/xml": "feed",
}
_EXTENSIONS: dict[str, Format] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".rss": "feed",
    ".atom": "feed",
    ".xml": "feed",
}

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "media": "http://search.yahoo.com/mrss/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
_URL: TypeAdapter[str] = TypeAdapter(HttpUrlStr)
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class ImportFileError(HeraldError):
    """The file as a whole cannot be read (encoding, format, header, size)."""


@dataclass
class RawRow:
    row: int
    line: int
    data: dict[str, Any]


@dataclass
class RowError:
    row: int
    line: int
    field: str
    message: str


@dataclass
class RowResult:
    row: int
    id: int | None
    canonical_url: str
    outcome: Literal["created", "updated", "unchanged"]


@dataclass
class ImportReport:
    format: str
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    items: list[RowResult] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len({e.row for e in self.errors})

    def summary(self) -> str:
        prefix = "dry run: " if self.dry_run else ""
        return (
            f"{prefix}{self.rows} rows: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.failed} failed"
        )

    def to_out(self) -> ImportReportOut:
        return ImportReportOut(
            format=self.format,
            dry_run=self.dry_run,
            rows=self.rows,
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            failed=self.failed,
            errors=[ImportRowError(**e.__dict__) for e in self.errors],
            items=[ImportRowResult(**i.__dict__) for i in self.items],
        )


# --- format detection ------------------------------------------------------------------------


def format_for_content_type(mimetype: str) -> Format | None:
    return _CONTENT_TYPES.get(mimetype.lower())


def format_for_filename(name: str) -> Format | None:
    return _EXTENSIONS.get(Path(name).suffix.lower())


# --- reading ---------------------------------------------------------------------------------

Source = bytes | str | Path | IO[bytes] | IO[str] | Iterable[Mapping[str, Any]]


def _read_text(source: bytes | str | Path | IO[bytes] | IO[str]) -> str:
    raw: bytes | str
    if isinstance(source, Path):
        raw = source.read_bytes()
    elif isinstance(source, bytes | str):
        raw = source
    else:
        raw = source.read()
    if isinstance(raw, bytes):
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"the file is not UTF-8 text (byte {exc.start})") from None
    return raw.removeprefix("\ufeff")


def _split_list(value: str) -> list[str]:
    value = value.strip()
    if value.startswith("["):
        try:
            parsed = json.loads(value)
        except ValueError:
            raise ValueError("tags look like a JSON array but are not valid JSON") from None
        if not isinstance(parsed, list):
            raise ValueError("tags must be a JSON array or a separated list")
        return parsed
    return [part.strip() for part in re.split(r"[;,|]", value) if part.strip()]


def parse_csv(text: str) -> tuple[list[RawRow], list[RowError]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("the CSV file is empty") from None
    except csv.Error as exc:
        raise ImportFileError(f"the CSV header cannot be read: {exc}") from None
    columns = [CSV_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    unknown = [
        c for c in columns if c not in ARTICLE_FIELDS and not re.fullmatch(r"caption_[a-z]{2}", c)
    ]
    if unknown:
        raise ImportFileError(
            f"unknown CSV column(s): {', '.join(unknown)}; "
            f"known: url, {', '.join(sorted(ARTICLE_FIELDS))}, caption_<lang>"
        )
    if "canonical_url" not in columns:
        raise ImportFileError("the CSV header needs a canonical_url (or url) column")
    if len(set(columns)) != len(columns):
        raise ImportFileError("the CSV header names a column twice")
    rows: list[RawRow] = []
    errors: list[RowError] = []
    number = 0
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            number += 1
            errors.append(RowError(number, line, "", f"unreadable CSV record: {exc}"))
            break
        if not any(cell.strip() for cell in cells):
            continue
        number += 1
        if len(cells) != len(columns):
            errors.append(
                RowError(number, line, "", f"expected {len(columns)} cells, found {len(cells)}")
            )
            continue
        data: dict[str, Any] = {}
        try:
            for column, cell in zip(columns, cells, strict=True):
                if not cell.strip():
                    continue
                if column == "tags":
                    data["tags"] = _split_list(cell)
                elif column == "captions":
                    data["captions"] = json.loads(cell)
                elif column.startswith("caption_"):
                    variants = [v.strip() for v in cell.split("||") if v.strip()]
                    data.setdefault("captions", {})
                    if isinstance(data["captions"], dict):
                        data["captions"].setdefault(column.removeprefix("caption_"), variants)
                else:
                    data[column] = cell
        except ValueError as exc:
            errors.append(RowError(number, line, column, str(exc)))
            continue
        rows.append(RawRow(number, line, data))
    return rows, errors


def parse_jsonl(text: str) -> tuple[list[RawRow], list[RowError]]:
    rows: list[RawRow] = []
    errors: list[RowError] = []
    number = 0
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        number += 1
        try:
            data = json.loads(line)
        except ValueError as exc:
            errors.append(RowError(number, line_no, "", f"malformed JSON: {exc}"))
            continue
        if not isinstance(data, dict):
            errors.append(RowError(number, line_no, "", "each line must be a JSON object"))
            continue
        rows.append(RawRow(number, line_no, data))
    return rows, errors


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset({"p", "br", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment, paragraphs separated by blank lines."""
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    text = unescape("".join(parser.parts))
    paragraphs = [re.sub(r"[ \t\r\f\v]+", " ", p).strip() for p in re.split(r"\n\s*\n|\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip() + "…"


def _feed_language(value: str | None) -> str | None:
    if not value:
        return None
    return value.strip().split("-")[0].split("_")[0].lower() or None


def _feed_time(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return parsedate_to_datetime(value).isoformat()
    except (TypeError, ValueError):
        return value  # ISO 8601 (Atom); validation reports anything else


def _text(elem: ET.Element | None) -> str:
    return "".join(elem.itertext()).strip() if elem is not None else ""


def _feed_entry(
    link: str,
    title: str,
    summary_html: str,
    body_html: str,
    when: str | None,
    tags: list[str],
    image: str | None,
    language: str | None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"canonical_url": link, "title": _shorten(html_to_text(title), 300)}
    summary = html_to_text(summary_html)
    body = html_to_text(body_html)
    if summary:
        data["summary"] = _shorten(summary, MAX_SUMMARY)
    elif body:
        data["summary"] = _shorten(body, 300)
    if body:
        data["body"] = _shorten(body, MAX_BODY)
    if when:
        data["published_at"] = when
    if tags:
        data["tags"] = list(dict.fromkeys(t.strip() for t in tags if t.strip()))[:30]
    if image:
        data["image_url"] = image
    if language:
        data["language"] = language
    return data


def parse_feed(text: str) -> tuple[list[RawRow], list[RowError]]:
    if re.search(r"<!(DOCTYPE|ENTITY)", text, re.IGNORECASE):
        raise ImportFileError("feeds with a DOCTYPE or entity declarations are not accepted")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ImportFileError(f"the feed is not well-formed XML: {exc}") from None
    entries: list[dict[str, Any]] = []
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise ImportFileError("the RSS document has no <channel>")
        lang = _feed_language(channel.findtext("language"))
        for item in channel.findall("item"):
            link = _text(item.find("link"))
            guid = item.find("guid")
            if not link and guid is not None and guid.get("isPermaLink", "true") == "true":
                link = _text(guid)
            image = None
            enclosure = item.find("enclosure")
            if enclosure is not None and enclosure.get("type", "").startswith("image/"):
                image = enclosure.get("url")
            for tag in ("media:content", "media:thumbnail"):
                media = item.find(tag, NS)  # an Element without children is falsy: no `or`
                if image is None and media is not None:
                    image = media.get("url")
            entries.append(
                _feed_entry(
                    link,
                    _text(item.find("title")),
                    _text(item.find("description")),
                    _text(item.find("content:encoded", NS)),
                    _feed_time(item.findtext("pubDate") or item.findtext("dc:date", None, NS)),
                    [_text(c) for c in item.findall("category")],
                    image,
                    lang,
                )
            )
    elif root.tag == f"{{{NS['atom']}}}feed":
        feed_lang = _feed_language(root.get(_XML_LANG))
        for entry in root.findall("atom:entry", NS):
            link = ""
            for candidate in entry.findall("atom:link", NS):
                if candidate.get("rel", "alternate") == "alternate":
                    link = candidate.get("href", "")
                    break
            image = None
            for candidate in entry.findall("atom:link", NS):
                if candidate.get("rel") == "enclosure" and candidate.get("type", "").startswith(
                    "image/"
                ):
                    image = candidate.get("href")
            entries.append(
                _feed_entry(
                    link,
                    _text(entry.find("atom:title", NS)),
                    _text(entry.find("atom:summary", NS)),
                    _text(entry.find("atom:content", NS)),
                    _feed_time(
                        entry.findtext("atom:published", None, NS)
                        or entry.findtext("atom:updated", None, NS)
                    ),
                    [c.get("term", "") for c in entry.findall("atom:category", NS)],
                    image,
                    _feed_language(entry.get(_XML_LANG)) or feed_lang,
                )
            )
    else:
        raise ImportFileError("not an RSS 2.0 or Atom feed")
    return [RawRow(i, 0, data) for i, data in enumerate(entries, start=1)], []


def read_rows(source: Source, fmt: str) -> tuple[list[RawRow], list[RowError]]:
    """Turn a file (path, bytes, text, stream) or an iterable of mappings into raw records."""
    if fmt not in FORMATS:
        raise ImportFileError(
            f"unknown import format '{fmt}'; expected one of {', '.join(FORMATS)}"
        )
    if not isinstance(source, bytes | str | Path) and not hasattr(source, "read"):
        rows = [RawRow(i, i, dict(item)) for i, item in enumerate(source, start=1)]
        return rows, []
    text = _read_text(source)  # type: ignore[arg-type]
    if not text.strip():
        raise ImportFileError("the file is empty")
    if fmt == "csv":
        return parse_csv(text)
    if fmt == "jsonl":
        return parse_jsonl(text)
    return parse_feed(text)


# --- importing -------------------------------------------------------------------------------


def _no_campaign(value: str) -> str:
    known = ", ".join(f"{c.name} ({c.slug})" for c in list_campaigns()[:5])
    hint = f"; campaigns: {known}" if known else "; there are no campaigns yet"
    return f"unknown campaign {value.strip()!r} (use its name or short name{hint})"


def _validation_errors(raw: RawRow, exc: ValidationError) -> list[RowError]:
    return [RowError(raw.row, raw.line, d["field"], d["message"]) for d in validation_details(exc)]


def _api_errors(raw: RawRow, exc: APIError) -> list[RowError]:
    if exc.details:
        return [
            RowError(raw.row, raw.line, str(d.get("field", "")), str(d.get("message", "")))
            for d in exc.details
        ]
    return [RowError(raw.row, raw.line, "", exc.message)]


def import_articles(
    source: Source,
    fmt: str,
    actor_id: int | None,
    *,
    default_language: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import articles; see the module docstring. Raises ``ImportFileError`` for unusable files."""
    rows, errors = read_rows(source, fmt)
    if len(rows) + len(errors) > MAX_ROWS:
        raise ImportFileError(f"at most {MAX_ROWS} records per import; split the file")
    report = ImportReport(format=fmt, dry_run=dry_run, errors=list(errors))
    report.rows = len(rows) + len({e.row for e in errors})
    now = utcnow()
    seen: dict[str, int] = {}
    created: list[tuple[RowResult, Article]] = []
    for raw in rows:
        data = dict(raw.data)
        if default_language and not data.get("language"):
            data["language"] = default_language
        url_value = data.get("canonical_url")
        if not isinstance(url_value, str) or not url_value.strip():
            report.errors.append(RowError(raw.row, raw.line, "canonical_url", "Field required"))
            continue
        try:
            url = canonicalise_url(_URL.validate_python(url_value))
        except ValidationError as exc:
            message = exc.errors()[0]["msg"] if exc.errors() else str(exc)
            report.errors.append(RowError(raw.row, raw.line, "canonical_url", message))
            continue
        except ValueError as exc:
            report.errors.append(RowError(raw.row, raw.line, "canonical_url", str(exc)))
            continue
        if url in seen:
            report.errors.append(
                RowError(
                    raw.row,
                    raw.line,
                    "canonical_url",
                    f"the same canonical URL is already in record {seen[url]}",
                )
            )
            continue
        campaign = data.get("campaign")
        if isinstance(campaign, str) and campaign.strip():
            slug = resolve_campaign(campaign)
            if slug is None:
                report.errors.append(
                    RowError(raw.row, raw.line, "campaign", _no_campaign(campaign))
                )
                continue
            data["campaign"] = slug
        existing = db.session.scalar(select(Article).where(Article.canonical_url == url))
        try:
            if existing is None:
                article = new_article(ArticleCreate.model_validate(data), now, actor_id)
                db.session.add(article)
                result = RowResult(raw.row, None, url, "created")
                created.append((result, article))
                report.created += 1
            else:
                update = ArticleUpdate.model_validate(
                    {k: v for k, v in data.items() if k != "canonical_url"}
                )
                changes = {key: getattr(update, key) for key in update.model_fields_set}
                changed = apply_changes(existing, changes, now, actor_id)
                outcome: Literal["updated", "unchanged"] = "updated" if changed else "unchanged"
                result = RowResult(raw.row, existing.id, url, outcome)
                if changed:
                    report.updated += 1
                else:
                    report.unchanged += 1
        except ValidationError as exc:
            report.errors.extend(_validation_errors(raw, exc))
            continue
        except APIError as exc:
            report.errors.extend(_api_errors(raw, exc))
            continue
        seen[url] = raw.row
        report.items.append(result)
    report.errors.sort(key=lambda e: e.row)
    if dry_run:
        db.session.rollback()
        return report
    db.session.flush()
    for result, article in created:
        result.id = article.id
    audit.record(
        actor_id,
        "article.import",
        "article",
        "",
        format=fmt,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        failed=report.failed,
    )
    db.session.commit()
    return report

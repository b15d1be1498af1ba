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

from dataclasses import dataclass, field
from typing import Literal

from pydantic import ValidationError
from sqlalchemy import select

from backend.errors import APIError, validation_details
from backend.extensions import db
from backend.models import Article, utcnow
from backend.schemas.articles import (
    ArticleCreate,
    ArticleUpdate,
    ImportReportOut,
    ImportRowError,
    ImportRowResult,
)
from backend.services import audit
from backend.services.articles import apply_changes, canonicalise_url, new_article
from backend.services.campaigns import list_campaigns, resolve_campaign
from backend.services.import_formats import (
    FORMATS,
    MAX_ROWS,
    URL_TYPE,
    Format,
    ImportFileError,
    RawRow,
    RowError,
    Source,
    format_for_content_type,
    format_for_filename,
    html_to_text,
    parse_csv,
    parse_feed,
    parse_jsonl,
    read_rows,
)

__all__ = [
    "FORMATS",
    "Format",
    "ImportFileError",
    "ImportReport",
    "MAX_ROWS",
    "RawRow",
    "RowError",
    "RowResult",
    "Source",
    "format_for_content_type",
    "format_for_filename",
    "html_to_text",
    "import_articles",
    "parse_csv",
    "parse_feed",
    "parse_jsonl",
    "read_rows",
]


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
            url = canonicalise_url(URL_TYPE.validate_python(url_value))
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

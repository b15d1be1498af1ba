"""Reading an import file into raw records: format detection, CSV, JSON Lines and RSS 2.0 /
Atom feeds (the rules are in ``backend.services.importers``, which validates and writes them)."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any, Literal

from pydantic import TypeAdapter

from backend import jsonsafe
from backend.errors import HeraldError
from backend.schemas.articles import (
    MAX_BODY,
    MAX_SUMMARY,
    ArticleCreate,
)
from backend.schemas.common import HttpUrlStr

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
URL_TYPE: TypeAdapter[str] = TypeAdapter(HttpUrlStr)
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
            parsed = jsonsafe.loads(value)
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
        nul = next((c for c, cell in zip(columns, cells, strict=True) if "\x00" in cell), None)
        if nul is not None:  # this row only: the rest of the file still imports
            errors.append(RowError(number, line, nul, "must not contain NUL characters"))
            continue
        data: dict[str, Any] = {}
        try:
            for column, cell in zip(columns, cells, strict=True):
                if not cell.strip():
                    continue
                if column == "tags":
                    data["tags"] = _split_list(cell)
                elif column == "captions":
                    data["captions"] = jsonsafe.loads(cell)
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
            data = jsonsafe.loads(line)
        except ValueError as exc:
            errors.append(RowError(number, line_no, "", f"malformed JSON: {exc}"))
            continue
        nul = jsonsafe.nul_fields(data)
        if nul:
            errors.append(RowError(number, line_no, nul[0], "must not contain NUL characters"))
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

"""Articles: list with search and filters, create/edit with a side-panel preview, approve/archive,
caption variants per language and bulk import with a per-row report.

Everything goes through ``backend.services.articles`` and ``backend.services.importers``, the
same functions the API uses, so the console and the API enforce the same rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response as WerkzeugResponse

from backend.console import queries
from backend.console.auth import current_user, login_required
from backend.console.blueprint import bp
from backend.console.i18n import t
from backend.errors import APIError, validation_details
from backend.exports import csv_response
from backend.extensions import db
from backend.models import Article, utcnow
from backend.schemas.articles import ArticleCreate, ArticleQuery, ArticleUpdate
from backend.services import articles as svc
from backend.services import importers
from recommender import reasons
from recommender.captions import draft_caption

PAGE_SIZE = 25
CAPTION_SEPARATOR = "---"
FORM_LANGUAGES = ("en", "da")
EDITABLE = (
    "canonical_url",
    "title",
    "summary",
    "body",
    "language",
    "image_url",
    "campaign",
    "tags",
    "published_at",
    "expires_at",
)


def _uid() -> int:
    user = current_user()
    assert user is not None  # login_required ran
    return user.id


# --- list ------------------------------------------------------------------------------------


@bp.route("/articles")
@login_required()
def articles() -> Any:
    args = request.args
    raw: dict[str, Any] = {
        "limit": PAGE_SIZE,
        "offset": max(0, _int(args.get("offset"), 0)),
    }
    for key in ("status", "language", "campaign", "q"):
        if args.get(key):
            raw[key] = args[key]
    if args.get("expiring"):
        raw["expiring_within_days"] = args["expiring"]
    errors: list[dict[str, Any]] = []
    try:
        query = ArticleQuery.model_validate(raw)
    except ValidationError as exc:
        errors = validation_details(exc)
        query = ArticleQuery(limit=PAGE_SIZE)
    rows, total = svc.list_articles(query)
    return render_template(
        "console/articles.html",
        rows=rows,
        total=total,
        query=query,
        args=args,
        errors=errors,
        campaigns=queries.campaigns(),
        page_size=PAGE_SIZE,
        now=utcnow(),
    )


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


@bp.route("/articles/approve", methods=["POST"])
@login_required()
def articles_bulk_approve() -> WerkzeugResponse:
    """Approve the ticked drafts at once (e.g. a fresh import); the four-eyes rule applies."""
    ids = [int(v) for v in request.form.getlist("ids") if v.isdigit()]
    approved, skipped = svc.approve_many(ids, _uid()) if ids else ([], [])
    flash(t("articles.bulk_approved", n=len(approved)), "ok" if approved else "error")
    for reason in skipped[:10]:
        flash(reason, "error")
    back = request.form.get("next", "")
    return redirect(back if back.startswith("/console/") else url_for("console.articles"))


@bp.route("/articles/<int:article_id>/status", methods=["POST"])
@login_required()
def article_status(article_id: int) -> WerkzeugResponse:
    status = request.form.get("status", "")
    if status not in ("draft", "approved", "archived"):
        abort(400)
    try:
        article = svc.update_article(article_id, ArticleUpdate(status=status), _uid())
    except APIError as exc:
        flash(exc.message, "error")
    else:
        flash(t("articles.status_changed", title=article.title, status=t("status." + status)), "ok")
    back = request.form.get("next", "")
    if back.startswith("/console/"):
        return redirect(back)
    return redirect(url_for("console.article_edit", article_id=article_id))


# --- create / edit ---------------------------------------------------------------------------


def _parse_captions(form: Any, languages: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for lang in languages:
        text = form.get(f"captions_{lang}", "")
        variants: list[str] = []
        current: list[str] = []
        for line in text.replace("\r\n", "\n").split("\n"):
            if line.strip() == CAPTION_SEPARATOR:
                variants.append("\n".join(current).strip())
                current = []
            else:
                current.append(line)
        variants.append("\n".join(current).strip())
        out[lang] = [v for v in variants if v]
    return out


def _date(value: str) -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    return dt.datetime.fromisoformat(value).replace(tzinfo=dt.UTC)


def _form_values(
    form: Any, caption_languages: list[str]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Raw form → API-shaped dict (empty optional fields become None)."""
    errors: list[dict[str, Any]] = []
    data: dict[str, Any] = {
        "canonical_url": form.get("canonical_url", "").strip(),
        "title": form.get("title", ""),
        "summary": form.get("summary", ""),
        "body": form.get("body", ""),
        "language": form.get("language", "en"),
        "image_url": form.get("image_url", "").strip() or None,
        "campaign": form.get("campaign", "").strip() or None,
        "tags": [p.strip() for p in form.get("tags", "").split(",") if p.strip()],
        "captions": _parse_captions(form, caption_languages),
    }
    for key in ("published_at", "expires_at"):
        try:
            data[key] = _date(form.get(key, ""))
        except ValueError:
            errors.append({"field": key, "message": t("form.bad_date")})
    return data, errors


def _caption_languages(article: Article | None) -> list[str]:
    langs = list(FORM_LANGUAGES)
    if article is not None:
        for caption in article.captions:
            if caption.language not in langs:
                langs.append(caption.language)
    return langs


def _captions_text(captions: dict[str, list[str]]) -> dict[str, str]:
    sep = f"\n{CAPTION_SEPARATOR}\n"
    return {lang: sep.join(texts) for lang, texts in captions.items()}


def preview_card(values: dict[str, Any], article_id: int | None) -> dict[str, Any]:
    """What the side panel would show for this article (reasons and caption as the extension
    renders them; the caption is the team's first caption or the recommender's draft)."""
    captions = values.get("captions") or {}
    language = values.get("language") or "en"
    user = current_user()
    pairs = [(lang, text) for lang, texts in captions.items() for text in texts]
    caption = draft_caption(
        employee_id=user.id if user else 0,
        article_id=article_id or 0,
        title=values.get("title") or "",
        summary=values.get("summary") or "",
        language=language,
        department=user.department if user else "",
        team_captions=pairs,
    )
    campaign_name = None
    if values.get("campaign"):
        match = [c for c in queries.campaigns() if c.slug == values["campaign"]]
        campaign_name = match[0].name if match else values["campaign"]
    ctx = reasons.ReasonContext(
        article_title=values.get("title") or "",
        article_tags=values.get("tags") or [],
        campaign_name=campaign_name,
        department=user.department if user else "",
        age_days=0.5,
    )
    reason_list = [reasons.reason_text("freshness", ctx)]
    if campaign_name:
        reason_list.insert(0, reasons.reason_text("campaign", ctx))
    return {
        "title": values.get("title") or "",
        "summary": values.get("summary") or "",
        "image_url": values.get("image_url"),
        "language": language,
        "reasons": reason_list,
        "caption": caption,
        "more_variants": max(0, len(captions.get(language) or []) - 1),
        "url": values.get("canonical_url") or "",
    }


def _render_form(
    article: Article | None,
    values: dict[str, Any],
    errors: list[dict[str, Any]],
    status: int = 200,
) -> tuple[str, int]:
    langs = _caption_languages(article)
    return (
        render_template(
            "console/article_form.html",
            article=article,
            values=values,
            captions_text=_captions_text(values.get("captions") or {}),
            caption_languages=langs,
            errors={e.get("field", ""): e.get("message", "") for e in errors},
            error_list=errors,
            campaigns=queries.campaigns(),
            preview=preview_card(values, article.id if article else None),
        ),
        status,
    )


def _errors_from(exc: Exception) -> list[dict[str, Any]]:
    if isinstance(exc, ValidationError):
        return validation_details(exc)
    if isinstance(exc, APIError):
        return exc.details or [{"field": "", "message": exc.message}]
    raise exc


@bp.route("/articles/new", methods=["GET", "POST"])
@login_required()
def article_new() -> Any:
    if request.method == "GET":
        return _render_form(None, {"language": "en", "captions": {}, "tags": []}, [])
    values, errors = _form_values(request.form, list(FORM_LANGUAGES))
    if errors:
        return _render_form(None, values, errors, 422)
    try:
        data = ArticleCreate.model_validate({**values, "status": "draft"})
        article = svc.create_article(data, _uid())
    except (ValidationError, APIError) as exc:
        db.session.rollback()
        return _render_form(None, values, _errors_from(exc), 422)
    flash(t("articles.created", title=article.title), "ok")
    return redirect(url_for("console.article_edit", article_id=article.id))


def _values_of(article: Article) -> dict[str, Any]:
    out = svc.to_out(article)
    return {
        "canonical_url": out.canonical_url,
        "title": out.title,
        "summary": out.summary,
        "body": out.body,
        "language": out.language,
        "image_url": out.image_url,
        "campaign": out.campaign,
        "tags": out.tags,
        "captions": out.captions,
        "published_at": out.published_at,
        "expires_at": out.expires_at,
    }


@bp.route("/articles/<int:article_id>", methods=["GET", "POST"])
@login_required()
def article_edit(article_id: int) -> Any:
    article = svc.get_article(article_id)
    if request.method == "GET":
        return _render_form(article, _values_of(article), [])
    langs = _caption_languages(article)
    values, errors = _form_values(request.form, langs)
    if errors:
        return _render_form(article, values, errors, 422)
    try:
        update = ArticleUpdate.model_validate({k: values[k] for k in (*EDITABLE, "captions")})
        svc.update_article(article_id, update, _uid())
    except (ValidationError, APIError) as exc:
        db.session.rollback()
        article = svc.get_article(article_id)
        return _render_form(article, values, _errors_from(exc), 422)
    flash(t("articles.saved", title=values["title"]), "ok")
    return redirect(url_for("console.article_edit", article_id=article_id))


# --- import ----------------------------------------------------------------------------------


# The import template: every column the importer knows, with one example row per language.
TEMPLATE_COLUMNS = [
    "canonical_url",
    "title",
    "summary",
    "language",
    "tags",
    "campaign",
    "published_at",
    "expires_at",
    "image_url",
    "caption_en",
    "caption_da",
]
TEMPLATE_ROWS = [
    {
        "canonical_url": "https://www.example.com/blog/zero-trust-guide",
        "title": "A practical guide to zero trust",
        "summary": "Five steps any team can take this quarter.",
        "language": "en",
        "tags": "security;zero trust",
        "campaign": "",
        "published_at": "2026-03-02T08:00:00Z",
        "expires_at": "",
        "image_url": "",
        "caption_en": "Worth a read for anyone in IT || Five steps to zero trust",
        "caption_da": "",
    },
    {
        "canonical_url": "https://www.example.com/da/blog/groen-energi",
        "title": "Grøn energi i praksis",
        "summary": "Sådan halverede vi energiforbruget i datacentret.",
        "language": "da",
        "tags": "energi;bæredygtighed",
        "campaign": "",
        "published_at": "2026-03-05T08:00:00Z",
        "expires_at": "2026-06-30T00:00:00Z",
        "image_url": "",
        "caption_en": "",
        "caption_da": "Spændende læsning om grøn drift",
    },
]
IMPORT_GUIDE = [
    ("canonical_url", True),
    ("title", True),
    ("summary", False),
    ("body", False),
    ("language", False),
    ("tags", False),
    ("campaign", False),
    ("status", False),
    ("published_at", False),
    ("expires_at", False),
    ("image_url", False),
    ("caption_xx", False),
]


@bp.route("/articles/import/template.csv")
@login_required()
def article_import_template() -> Any:
    return csv_response("import-template", TEMPLATE_COLUMNS, TEMPLATE_ROWS)


@bp.route("/articles/import", methods=["GET", "POST"])
@login_required()
def article_import() -> Any:
    if request.method == "GET":
        return render_template(
            "console/article_import.html", report=None, error=None, guide=IMPORT_GUIDE
        )
    upload = request.files.get("file")
    fmt = request.form.get("format") or None
    language = request.form.get("language") or None
    dry_run = request.form.get("dry_run") == "on"
    error = None
    report = None
    if upload is None or not upload.filename:
        error = t("import.no_file")
    else:
        fmt = (
            fmt
            or importers.format_for_filename(upload.filename)
            or importers.format_for_content_type(upload.mimetype or "")
        )
        data = upload.read()  # bounded by MAX_CONTENT_LENGTH (413 page above it)
        if fmt is None:
            error = t("import.unknown_format")
        else:
            try:
                report = importers.import_articles(
                    data, fmt, _uid(), default_language=language, dry_run=dry_run
                )
            except importers.ImportFileError as exc:
                db.session.rollback()
                error = str(exc)
    status = 200 if error is None else 422
    rows: list[dict[str, Any]] = []
    if report is not None:
        rows = [{"row": i.row, "line": None, "item": i, "error": None} for i in report.items]
        rows += [{"row": e.row, "line": e.line, "item": None, "error": e} for e in report.errors]
        rows.sort(key=lambda r: r["row"])
    drafts = [
        r["item"].id
        for r in rows
        if r["item"] is not None and r["item"].outcome == "created" and r["item"].id
    ]
    return render_template(
        "console/article_import.html",
        report=report,
        rows=rows,
        error=error,
        guide=IMPORT_GUIDE,
        drafts=drafts,
    ), status

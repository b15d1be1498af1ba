"""Articles for the content team: create, list, read, update, delete/archive, bulk import.

Employees do not read articles here: they get them through suggestions.
"""

from __future__ import annotations

from flask import Blueprint, request

from backend.auth import Principal
from backend.errors import BadRequest, UnsupportedMediaType, ValidationFailed
from backend.i18n import lazy_translate
from backend.openapi import CONTENT_ROLES, endpoint
from backend.schemas.articles import (
    ArticleCreate,
    ArticleDeleteOut,
    ArticleList,
    ArticleOut,
    ArticleQuery,
    ArticleUpdate,
    ImportQuery,
    ImportReportOut,
)
from backend.services import articles as svc
from backend.services import importers

bp = Blueprint("articles", __name__)


@endpoint(
    bp,
    "/articles",
    method="POST",
    roles=CONTENT_ROLES,
    body=ArticleCreate,
    response=ArticleOut,
    status=201,
    extra_responses={409: "An article with this canonical URL exists"},
)
def create_article(principal: Principal, body: ArticleCreate) -> ArticleOut:
    """Create an article (draft unless ``status`` says otherwise).

    The URL is stored in canonical form: lower-case host, no fragment, no ``utm_*`` or click-id
    parameters, no trailing slash except for the root path.
    """
    return svc.to_out(svc.create_article(body, principal.employee_id))


@endpoint(bp, "/articles", roles=CONTENT_ROLES, query=ArticleQuery, response=ArticleList)
def list_articles(query: ArticleQuery) -> ArticleList:
    """List articles, newest change first, filtered by status, language, campaign, tag, search
    text or expiry window."""
    rows, total = svc.list_articles(query)
    return ArticleList(
        items=[svc.to_out(r) for r in rows], total=total, limit=query.limit, offset=query.offset
    )


@endpoint(bp, "/articles/<int:article_id>", roles=CONTENT_ROLES, response=ArticleOut)
def get_article(article_id: int) -> ArticleOut:
    """One article with its caption variants."""
    return svc.to_out(svc.get_article(article_id))


@endpoint(
    bp,
    "/articles/<int:article_id>",
    method="PATCH",
    roles=CONTENT_ROLES,
    body=ArticleUpdate,
    response=ArticleOut,
    extra_responses={409: "Canonical URL taken, or a status change that is not allowed"},
)
def update_article(principal: Principal, article_id: int, body: ArticleUpdate) -> ArticleOut:
    """Update an article, change its status or replace caption variants per language.

    Status: draft → approved (sets approved_at) → archived; approved → draft unpublishes;
    archived → draft restores. Anything else is a 409.
    """
    return svc.to_out(svc.update_article(article_id, body, principal.employee_id))


@endpoint(
    bp,
    "/articles/<int:article_id>",
    method="DELETE",
    roles=CONTENT_ROLES,
    response=ArticleDeleteOut,
)
def delete_article(principal: Principal, article_id: int) -> ArticleDeleteOut:
    """Delete an article, or archive it when it has history.

    An article that was suggested, opened, shared, clicked or converted is archived
    (``outcome: archived``) so analytics keep their rows; otherwise it is deleted for good
    (``outcome: deleted``).
    """
    outcome = svc.delete_article(article_id, principal.employee_id)
    return ArticleDeleteOut(id=article_id, outcome=outcome)


@endpoint(
    bp,
    "/articles/import",
    method="POST",
    roles=CONTENT_ROLES,
    query=ImportQuery,
    response=ImportReportOut,
    content_types=("text/csv", "application/x-ndjson", "multipart/form-data"),
    extra_responses={
        400: "Multipart request without a file",
        413: "Body over the size limit",
        415: "Not CSV, JSON Lines, a feed or a multipart upload",
        422: "The file cannot be read at all (encoding, header, format)",
    },
)
def import_articles(principal: Principal, query: ImportQuery) -> ImportReportOut:
    """Bulk import from CSV, JSON Lines or an RSS/Atom feed; idempotent on canonical URL.

    Send the file as the body (``text/csv``, ``application/x-ndjson``, ``application/rss+xml``,
    ``application/atom+xml``) or as the ``file`` part of a ``multipart/form-data`` upload. Bad
    records are reported with their record and line numbers and skipped; the good ones are
    written in one transaction. ``dry_run=true`` validates without writing.
    """
    fmt = query.format
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise BadRequest(lazy_translate("error.articles.multipart_upload_needs_file_part"))
        fmt = (
            fmt
            or importers.format_for_filename(upload.filename or "")
            or importers.format_for_content_type(upload.mimetype or "")
        )
        data = upload.read()
    else:
        fmt = fmt or importers.format_for_content_type(request.mimetype)
        data = request.get_data(cache=False)
    if fmt is None:
        raise UnsupportedMediaType(
            lazy_translate(
                "error.articles.unsupported_upload_type", mimetype=request.mimetype or "none"
            )
        )
    try:
        report = importers.import_articles(
            data,
            fmt,
            principal.employee_id,
            default_language=query.language,
            dry_run=query.dry_run,
        )
    except importers.ImportFileError as exc:
        raise ValidationFailed(str(exc), details=[{"field": "file", "message": str(exc)}]) from None
    return report.to_out()

"""Feed subscriptions by URL (Articles → Feeds) and mention notifications (Mentions →
Notifications) in the console (issue #15); the services decide, these views only translate forms.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.wrappers import Response as WerkzeugResponse

from backend.console.auth import current_user, login_required
from backend.console.blueprint import bp
from backend.console.i18n import t
from backend.errors import APIError, validation_details
from backend.extensions import db
from backend.models import FeedSubscription
from backend.services import feed_subscriptions as feeds
from backend.services import mention_notifications as notes


def _uid() -> int | None:
    user = current_user()
    return user.id if user else None


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        details = validation_details(exc)
    elif isinstance(exc, APIError):
        details = exc.details or [{"message": exc.message}]
    else:  # pragma: no cover - only the two above are caught
        raise exc
    return "; ".join(str(d.get("message", "")) for d in details)


@bp.route("/articles/feeds", methods=["GET", "POST"])
@login_required()
def article_feeds() -> str | WerkzeugResponse:
    if request.method == "POST":
        language = request.form.get("language", "").strip() or None
        try:
            feeds.subscribe(request.form.get("url", ""), language, _uid())
        except APIError as exc:
            db.session.rollback()
            flash(t("feeds.refused") + " " + _message(exc), "error")
            return render_template(
                "console/feeds.html", subs=feeds.list_subscriptions(), form=request.form
            ), 422  # type: ignore[return-value]
        flash(t("feeds.subscribed"), "ok")
        return redirect(url_for("console.article_feeds"))
    return render_template("console/feeds.html", subs=feeds.list_subscriptions(), form={})


@bp.route("/articles/feeds/<int:sub_id>/poll", methods=["POST"])
@login_required()
def article_feed_poll(sub_id: int) -> WerkzeugResponse:
    sub = db.get_or_404(FeedSubscription, sub_id)
    status = feeds.poll(sub)
    flash(t("feeds.polled." + status), "ok" if status != "error" else "error")
    return redirect(url_for("console.article_feeds"))


@bp.route("/articles/feeds/<int:sub_id>/delete", methods=["POST"])
@login_required()
def article_feed_delete(sub_id: int) -> WerkzeugResponse:
    try:
        feeds.unsubscribe(sub_id, _uid())
    except APIError as exc:
        flash(_message(exc), "error")
    else:
        flash(t("feeds.unsubscribed"), "ok")
    return redirect(url_for("console.article_feeds"))


@bp.route("/mentions/notifications", methods=["GET", "POST"])
@login_required()
def mention_notifications() -> str | WerkzeugResponse:
    current = notes.settings()
    if request.method == "POST":
        user = current_user()
        if user is None or user.access_role != "admin":
            flash(t("notify.admins_only"), "error")
            return redirect(url_for("console.mention_notifications"))
        try:
            data = notes.NotificationSettings(
                email=request.form.get("email") == "on",
                webhook_url=request.form.get("webhook_url", ""),
            )
            notes.update_settings(data, user.id)
        except (ValidationError, APIError) as exc:
            db.session.rollback()
            flash(t("notify.refused") + " " + _message(exc), "error")
        else:
            flash(t("notify.saved"), "ok")
        return redirect(url_for("console.mention_notifications"))
    return render_template("console/mention_notifications.html", settings=current)

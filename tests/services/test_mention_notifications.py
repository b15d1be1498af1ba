"""Mention notifications (issue #15): a flagged mention e-mails the content team (a local SMTP
sink) and posts {"text": ...} to a Slack/Teams-compatible incoming webhook (a real local HTTP
server), each as a queue task; a failing delivery raises so that the queue retries it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from backend.errors import ValidationFailed
from backend.services import adoption_tasks
from backend.services import mention_notifications as notes
from tests.services.local_http import Answer, Site, local_site
from tests.smtp_sink import Inbox, body, smtp_sink

POST_URL = "https://www.linkedin.com/posts/someone_our-company-activity-7200000000000000000-abcd"


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    return {**app_config, "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True}


@pytest.fixture
def inbox(app: Any) -> Iterator[Inbox]:
    with smtp_sink() as box:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=box.port, COMPANY_NAME="Nordvind")
        yield box


@pytest.fixture
def chat(app: Any) -> Iterator[Site]:
    with local_site() as site:
        site.answer("/hook", Answer(200, b"ok"))
        yield site


def _flag(client: Any, headers: dict[str, str], snippet: str = "Great work") -> Any:
    resp = client.post(
        "/api/v1/mentions", json={"url": POST_URL, "snippet": snippet}, headers=headers
    )
    assert resp.status_code == 201, resp.json
    return resp.json


def test_a_flagged_mention_emails_the_content_team_and_posts_to_the_webhook(
    client: Any, make_employee: Any, headers_for: Any, inbox: Inbox, chat: Site
) -> None:
    editor = make_employee(access_role="content", email="editor@example.com")
    redaktor = make_employee(access_role="admin", email="redaktor@example.com", ui_language="da")
    make_employee(access_role="content", email="gone@example.com", is_active=False)
    flagger = make_employee(name="Flagging Person")
    notes.update_settings(notes.NotificationSettings(webhook_url=chat.base_url + "/hook"), None)

    _flag(client, headers_for(employee=flagger))

    mails = inbox.to(editor.email)
    assert len(mails) == 1
    assert POST_URL in body(mails[0]) and "Great work" in body(mails[0])
    assert mails[0]["Subject"] == "[Nordvind] A mention was flagged"
    danish = inbox.to(redaktor.email)
    assert len(danish) == 1 and danish[0]["Subject"] == "[Nordvind] En omtale er markeret"
    assert "Behandl det i konsollen under Omtaler." in body(danish[0])
    assert POST_URL in body(danish[0])
    assert inbox.to("gone@example.com") == []
    assert [r["method"] for r in chat.received] == ["POST"]
    sent = json.loads(chat.received[0]["body"])
    assert set(sent) == {"text"} and POST_URL in sent["text"] and "Great work" in sent["text"]
    assert "Flagging Person" not in sent["text"]  # who flagged it stays in the console
    assert chat.received[0]["headers"]["Content-Type"] == "application/json"


def test_no_webhook_configured_sends_no_chat_message(
    client: Any, make_employee: Any, headers_for: Any, inbox: Inbox, chat: Site
) -> None:
    make_employee(access_role="content", email="editor@example.com")
    _flag(client, headers_for())
    assert chat.received == []
    assert len(inbox.to("editor@example.com")) == 1


def test_a_failing_webhook_raises_for_the_queue_to_retry(
    client: Any, headers_for: Any, chat: Site, app: Any
) -> None:
    assert adoption_tasks.mention_webhook.retries == adoption_tasks.RETRIES > 0
    chat.answer("/hook", Answer(503, b"down"), Answer(503, b"down"), Answer(200, b"ok"))
    notes.update_settings(notes.NotificationSettings(webhook_url=chat.base_url + "/hook"), None)
    app.config["SMTP_HOST"] = None
    mention = _flag(client, headers_for())  # the flag is accepted whatever the chat service does
    assert len(chat.received) == 1  # the task ran once and failed (the queue schedules a retry)
    with pytest.raises(notes.NotificationFailed, match="answered 503"):
        notes.post_webhook(mention["id"])  # what the task raises, which makes Huey retry it
    adoption_tasks.mention_webhook.call_local(mention["id"])  # the retry delivers
    assert len(chat.received) == 3


def test_internal_webhook_addresses_are_refused_without_the_setting(app: Any) -> None:
    app.config["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = False
    with pytest.raises(ValidationFailed, match="not allowed"):
        notes.update_settings(
            notes.NotificationSettings(webhook_url="http://127.0.0.1:9/hook"), None
        )
    assert notes.settings().webhook_url == ""

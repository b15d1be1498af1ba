"""Confirmed shares (issue #15): a share counts only once the extension saw the post with the
tracked link (POST /api/v1/me/shares/confirm) or a counted click came through the link."""

from __future__ import annotations

from typing import Any

import pytest

from backend.api import redirect
from backend.extensions import db
from backend.models import Employee, Share
from backend.services import cache_sync, webhooks

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)
SHARER = {"REMOTE_ADDR": "198.51.100.200"}
READER = {"REMOTE_ADDR": "203.0.113.9"}
CONFIRM = "/api/v1/me/shares/confirm"


@pytest.fixture
def shared(client: Any, headers_for: Any, make_employee: Any, make_article: Any) -> Any:
    """An employee shares an article: (their headers, the link code, the share id)."""
    person = make_employee()
    headers = headers_for(employee=person)
    article = make_article()
    resp = client.post(
        "/api/v1/shares",
        json={"article_id": article.id, "network": "linkedin"},
        headers=headers,
        environ_base=SHARER,
    )
    assert resp.status_code == 201, resp.json
    return headers, resp.json["code"], resp.json["share_id"]


def _state(share_id: int) -> tuple[str, str | None]:
    db.session.expire_all()
    share = db.session.get(Share, share_id)
    assert share is not None
    return share.state, share.confirmed_by


def _stats(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    resp = client.get("/api/v1/me/stats?period=week", headers=headers)
    assert resp.status_code == 200, resp.json
    return resp.json  # type: ignore[no-any-return]


def test_a_share_starts_and_counts_only_once_the_post_is_confirmed(
    client: Any, shared: Any, admin_headers: dict[str, str]
) -> None:
    headers, code, share_id = shared
    assert _state(share_id) == ("started", None)
    mine = _stats(client, headers)
    assert (mine["shares"], mine["started_shares"], mine["points"]) == (0, 1, 0.0)
    overview = client.get("/api/v1/analytics/overview", headers=admin_headers).json
    assert (overview["shares"], overview["started_shares"]) == (0, 1)
    listed = client.get("/api/v1/me/shares", headers=headers).json["items"]
    assert [s["state"] for s in listed] == ["started"]

    resp = client.post(CONFIRM, json={"codes": [code]}, headers=headers)
    assert resp.status_code == 200, resp.json
    assert resp.json == {"confirmed": 1}
    assert _state(share_id) == ("confirmed", "post")
    mine = _stats(client, headers)
    assert (mine["shares"], mine["started_shares"]) == (1, 0)
    assert mine["points"] > 0
    overview = client.get("/api/v1/analytics/overview", headers=admin_headers).json
    assert (overview["shares"], overview["started_shares"]) == (1, 0)
    assert client.get("/api/v1/me/shares", headers=headers).json["items"][0]["state"] == (
        "confirmed"
    )
    # Seeing the post again confirms nothing new.
    assert client.post(CONFIRM, json={"codes": [code, code]}, headers=headers).json == {
        "confirmed": 0
    }


def test_only_my_own_links_are_confirmed_and_unknown_codes_are_ignored(
    client: Any, shared: Any, headers_for: Any
) -> None:
    _headers, code, share_id = shared
    someone_else = headers_for()
    resp = client.post(CONFIRM, json={"codes": [code, "Unknown1"]}, headers=someone_else)
    assert resp.status_code == 200
    assert resp.json == {"confirmed": 0}
    assert _state(share_id) == ("started", None)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"codes": []},
        {"codes": "abcd1234"},
        {"codes": ["ab"]},
        {"codes": ["abcd/1234"]},
        {"codes": [1234]},
        {"codes": ["abcd1234"], "extra": 1},
        {"codes": ["abcd1234"] * 101},
    ],
)
def test_bad_input_is_refused_in_the_one_error_shape_and_changes_nothing(
    client: Any, shared: Any, body: dict[str, Any]
) -> None:
    headers, _code, share_id = shared
    resp = client.post(CONFIRM, json=body, headers=headers)
    assert resp.status_code in (400, 422), resp.json
    assert set(resp.json) == {"error"}
    assert {"code", "message"} <= set(resp.json["error"])
    assert _state(share_id) == ("started", None)


def test_confirming_needs_a_token(client: Any, shared: Any) -> None:
    _headers, code, share_id = shared
    resp = client.post(CONFIRM, json={"codes": [code]})
    assert resp.status_code == 401
    assert resp.json["error"]["code"]
    assert _state(share_id) == ("started", None)


def test_a_counted_click_confirms_the_share(client: Any, shared: Any) -> None:
    headers, code, share_id = shared
    resp = client.get(f"/r/{code}", headers={"User-Agent": CHROME}, environ_base=READER)
    assert resp.status_code == 302
    assert _state(share_id) == ("confirmed", "click")
    assert _stats(client, headers)["shares"] == 1


@pytest.mark.parametrize(
    ("method", "user_agent", "environ"),
    [
        ("GET", "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient)", READER),
        ("GET", "curl/8.5.0", READER),
        ("HEAD", CHROME, READER),
        ("GET", CHROME, SHARER),  # the sharer clicking their own link
    ],
)
def test_bots_previews_head_and_self_clicks_do_not_confirm(
    client: Any, shared: Any, method: str, user_agent: str, environ: dict[str, str]
) -> None:
    headers, code, share_id = shared
    resp = client.open(
        f"/r/{code}", method=method, headers={"User-Agent": user_agent}, environ_base=environ
    )
    assert resp.status_code == 302
    assert _state(share_id) == ("started", None)
    assert _stats(client, headers)["shares"] == 0


def test_the_fast_path_confirms_too(client: Any, shared: Any) -> None:
    """The second click on a link is answered by the WSGI fast path (the target is cached)."""
    _headers, code, share_id = shared
    bot = {"User-Agent": "curl/8.5.0"}
    assert client.get(f"/r/{code}", headers=bot, environ_base=READER).status_code == 302
    assert _state(share_id) == ("started", None)  # Flask's view; the target is now cached
    resp = client.get(f"/r/{code}", headers={"User-Agent": CHROME}, environ_base=READER)
    assert resp.status_code == 302
    assert _state(share_id) == ("confirmed", "click")


def test_the_leaderboard_counts_confirmed_shares_only(client: Any, shared: Any) -> None:
    headers, code, _share_id = shared

    def my_entry() -> list[dict[str, Any]]:
        resp = client.get("/api/v1/leaderboard?period=week&by=person", headers=headers)
        assert resp.status_code == 200, resp.json
        return [e for e in resp.json["entries"] if e["is_me"]]

    assert my_entry() == []  # no points for a share that was only started
    client.post(CONFIRM, json={"codes": [code]}, headers=headers)
    assert [e["points"] > 0 for e in my_entry()] == [True]


def test_a_campaign_shares_goal_counts_confirmed_shares_only(
    client: Any, headers_for: Any, make_employee: Any, make_campaign: Any, make_article: Any
) -> None:
    from backend.models import CampaignGoal
    from backend.services import campaigns

    campaign = make_campaign()
    db.session.add(CampaignGoal(campaign_id=campaign.id, metric="shares", target=2))
    db.session.commit()
    headers = headers_for(employee=make_employee())
    codes = []
    for _ in range(2):
        article = make_article(campaign_id=campaign.id)
        resp = client.post(
            "/api/v1/shares",
            json={"article_id": article.id, "network": "linkedin"},
            headers=headers,
            environ_base=SHARER,
        )
        codes.append(resp.json["code"])

    def actual() -> float:
        db.session.expire_all()
        return campaigns.goals_progress(db.session.get(type(campaign), campaign.id))[0].actual

    assert actual() == 0
    client.post(CONFIRM, json={"codes": codes[:1]}, headers=headers)
    assert actual() == 1
    client.get(f"/r/{codes[1]}", headers={"User-Agent": CHROME}, environ_base=READER)
    assert actual() == 2


def test_a_new_share_on_a_link_known_confirmed_is_confirmed_by_the_next_click(
    app: Any, client: Any, shared: Any
) -> None:
    """The click writer remembers links with no started share (so most clicks cost no read); a
    share started on such a link makes every process forget that (the ``shares`` cache stamp)."""
    headers, code, first_id = shared
    cache_sync.watcher(app).interval = 0.0  # each request checks the stamps, as after 1 s
    human = {"User-Agent": CHROME}
    for _ in range(2):  # Flask's view, then the fast path: the link is now known settled
        assert client.get(f"/r/{code}", headers=human, environ_base=READER).status_code == 302
    assert _state(first_id) == ("confirmed", "click")
    writer = app.extensions[redirect.WRITER_KEY]
    assert writer._settled.get(db.session.get(Share, first_id).link_id)

    article_id = db.session.get(Share, first_id).article_id
    again = client.post(
        "/api/v1/shares",
        json={"article_id": article_id, "network": "linkedin"},
        headers=headers,
        environ_base=SHARER,
    )
    assert again.status_code == 201, again.json
    assert again.json["code"] == code  # the same tracked link, a new started share
    second_id = again.json["share_id"]
    assert _state(second_id) == ("started", None)
    assert client.get(f"/r/{code}", headers=human, environ_base=READER).status_code == 302
    assert _state(second_id) == ("confirmed", "click")


@pytest.fixture
def confirmed_hook(client: Any, admin_headers: dict[str, str], receiver: Any) -> dict[str, Any]:
    resp = client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "events": ["share.confirmed"]},
        headers=admin_headers,
    )
    assert resp.status_code == 201, resp.json
    return resp.json  # type: ignore[no-any-return]


def _sent(receiver: Any) -> list[dict[str, Any]]:
    webhooks.deliver_due()
    return [receiver.json(i) for i in range(len(receiver.requests))]


def test_a_confirmation_by_the_post_is_sent_to_share_confirmed_webhooks(
    client: Any, confirmed_hook: Any, receiver: Any, shared: Any
) -> None:
    headers, code, share_id = shared  # share.created: this hook did not subscribe to it
    assert client.post(CONFIRM, json={"codes": [code]}, headers=headers).status_code == 200
    (event,) = _sent(receiver)
    assert event["event"] == "share.confirmed"
    data = event["data"]
    assert (data["share_id"], data["code"], data["confirmed_by"]) == (share_id, code, "post")
    share = db.session.get(Share, share_id)
    assert share is not None
    employee = db.session.get(Employee, share.employee_id)
    assert employee is not None
    assert data["employee_ref"] == employee.public_ref and data["confirmed_at"]
    # Confirming again changes nothing and sends nothing.
    assert client.post(CONFIRM, json={"codes": [code]}, headers=headers).status_code == 200
    assert len(_sent(receiver)) == 1


def test_a_confirmation_by_a_click_is_sent_once(
    client: Any, confirmed_hook: Any, receiver: Any, shared: Any
) -> None:
    _headers, code, share_id = shared
    for _ in range(3):  # Flask's view, then the fast path twice: only the first confirms
        resp = client.get(f"/r/{code}", headers={"User-Agent": CHROME}, environ_base=READER)
        assert resp.status_code == 302
    (event,) = _sent(receiver)
    assert event["event"] == "share.confirmed"
    assert (event["data"]["share_id"], event["data"]["confirmed_by"]) == (share_id, "click")

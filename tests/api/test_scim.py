"""SCIM 2.0 provisioning driven by a real SCIM client (scim2-client's WSGI engine): create,
find, update, deactivate and delete, with history kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_models import (
    Email,
    Error,
    ListResponse,
    Name,
    PatchOp,
    PatchOperation,
    SCIMException,
    ScimProvider,
    User,
)
from sqlalchemy import func, select

from backend.extensions import db
from backend.models import ApiToken, AuditLog, Employee, Share

SCIM_JSON = "application/scim+json"


@pytest.fixture
def scim(app: Flask, admin_headers: dict[str, str]) -> WSGISCIMClient:
    return WSGISCIMClient(
        app,
        base_url="http://herald.test/scim/v2",
        headers={"Authorization": admin_headers["Authorization"]},
        provider=ScimProvider(models=[User]),
    )


def _new_user(email: str = "mette@example.com", **kw: Any) -> User:
    return User(
        user_name=email,
        external_id=kw.pop("external_id", "okta-123"),
        name=Name(formatted=kw.pop("name", "Mette Holm")),
        emails=[Email(value=email, primary=True, type="work")],
        preferred_language=kw.pop("lang", "da-DK"),
        active=True,
        **kw,
    )


def test_create_then_find_by_username_and_external_id(scim: WSGISCIMClient) -> None:
    created = scim.create(_new_user(title="Engineer"))
    assert created.id and created.user_name == "mette@example.com" and created.active is True
    employee = db.session.get(Employee, int(created.id))
    assert employee is not None
    assert (employee.name, employee.job_title, employee.languages) == (
        "Mette Holm",
        "Engineer",
        ["da"],
    )
    # New employees get opt-in consents: nothing public until they switch it on.
    assert employee.consents.get("leaderboard") is False

    found = scim.query(User, query_parameters={"filter": 'userName eq "Mette@Example.com"'})
    assert isinstance(found, ListResponse) and found.total_results == 1
    assert found.resources[0].id == created.id
    by_external = scim.query(User, query_parameters={"filter": 'externalId eq "okta-123"'})
    assert by_external.total_results == 1 and by_external.resources[0].external_id == "okta-123"
    none = scim.query(User, query_parameters={"filter": 'userName eq "nobody@example.com"'})
    assert none.total_results == 0


def test_existing_employee_is_adopted_not_duplicated(
    scim: WSGISCIMClient, make_employee: Callable[..., Employee]
) -> None:
    person = make_employee(email="mette@example.com", name="M. Holm")
    created = scim.create(_new_user())
    assert created.id == str(person.id)
    assert (
        db.session.scalar(
            select(func.count()).select_from(Employee).where(Employee.email == "mette@example.com")
        )
        == 1
    )
    with pytest.raises(SCIMException) as err:
        scim.create(_new_user(external_id="okta-999"))
    assert err.value.to_error().status == 409
    assert err.value.to_error().scim_type == "uniqueness"


def test_patch_active_false_deactivates_and_keeps_history(
    scim: WSGISCIMClient, make_employee: Callable[..., Employee], token_for: Any
) -> None:
    created = scim.create(_new_user())
    employee = db.session.get(Employee, int(created.id))
    assert employee is not None
    token_for(employee, "employee")
    from backend.models import Article, TrackedLink

    article = Article(canonical_url="https://example.com/a", title="A", status="approved")
    db.session.add(article)
    db.session.flush()
    link = TrackedLink(
        code="abc123", employee_id=employee.id, article_id=article.id, network="linkedin"
    )
    db.session.add(link)
    db.session.flush()
    db.session.add(
        Share(employee_id=employee.id, article_id=article.id, link_id=link.id, network="linkedin")
    )
    db.session.commit()

    patch = PatchOp[User](operations=[PatchOperation(op="replace", path="active", value=False)])
    updated = scim.modify(User, created.id, patch)
    assert updated is not None and updated.active is False
    db.session.expire_all()
    employee = db.session.get(Employee, int(created.id))
    assert employee is not None and not employee.is_active and employee.deactivated_at
    assert db.session.scalar(select(func.count()).select_from(Share)) == 1  # history kept
    tokens = db.session.scalars(select(ApiToken).where(ApiToken.employee_id == employee.id)).all()
    assert tokens and all(t.revoked_at for t in tokens)
    # Still visible to the IdP (a deactivated, provisioned user), and reactivatable.
    assert scim.query(User, created.id).active is False
    back = scim.replace(_new_user(id=created.id, name="Mette Holm-Berg"))
    assert back.active is True and back.display_name == "Mette Holm-Berg"


def test_string_booleans_from_entra_id(app: Flask, admin_headers: dict[str, str]) -> None:
    client = app.test_client()
    created = client.post(
        "/scim/v2/Users",
        json={"schemas": [str(User.__schema__)], "userName": "bo@example.com"},
        headers=admin_headers,
    )
    assert created.status_code == 201 and created.mimetype == SCIM_JSON
    assert created.headers["Location"].endswith(f"/scim/v2/Users/{created.get_json()['id']}")
    uid = created.get_json()["id"]
    resp = client.patch(
        f"/scim/v2/Users/{uid}",
        json={
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "Replace", "value": {"active": "False"}}],
        },
        headers=admin_headers,
    )
    assert resp.status_code == 200 and resp.get_json()["active"] is False


def test_delete_deactivates_and_then_answers_404(scim: WSGISCIMClient) -> None:
    created = scim.create(_new_user())
    scim.delete(User, created.id)
    employee = db.session.get(Employee, int(created.id))
    assert employee is not None and employee.is_active is False  # the row and history remain
    with pytest.raises(SCIMException) as err:
        scim.query(User, created.id)
    assert err.value.to_error().status == 404
    actions = set(db.session.scalars(select(AuditLog.action)))
    assert {"scim.create", "scim.delete", "employee.deactivate"} <= actions


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "scim_type", "detail"),
    [
        (
            "post",
            "/scim/v2/Users",
            {"schemas": [str(User.__schema__)]},
            400,
            "invalidValue",
            "Field 'userName' is required",
        ),
        (
            "post",
            "/scim/v2/Users",
            {"schemas": [str(User.__schema__)], "userName": "not-mail"},
            400,
            "invalidValue",
            "userName must be an e-mail address",
        ),
        ("post", "/scim/v2/Users", [1, 2], 400, "invalidSyntax", "the body must be a JSON object"),
        (
            "get",
            '/scim/v2/Users?filter=name.givenName sw "A"',
            None,
            400,
            "invalidFilter",
            "supported filters",
        ),
        ("get", "/scim/v2/Users/999999", None, 404, None, "user 999999 not found"),
        (
            "patch",
            "/scim/v2/Users/{id}",
            {"Operations": [{"op": "remove", "path": "title"}]},
            400,
            "invalidSyntax",
            "only replace and add",
        ),
        (
            "patch",
            "/scim/v2/Users/{id}",
            {"Operations": [{"op": "replace", "path": "password", "value": "x"}]},
            400,
            "invalidPath",
            "unsupported path: password",
        ),
        (
            "patch",
            "/scim/v2/Users/{id}",
            {"Operations": [{"op": "replace", "path": "active", "value": "maybe"}]},
            400,
            "invalidValue",
            "active must be true or false",
        ),
    ],
)
def test_errors_use_the_scim_error_body(
    app: Flask,
    admin_headers: dict[str, str],
    make_employee: Callable[..., Employee],
    method: str,
    path: str,
    body: Any,
    status: int,
    scim_type: str | None,
    detail: str,
) -> None:
    person = make_employee()
    resp = getattr(app.test_client(), method)(
        path.format(id=person.id), json=body, headers=admin_headers
    )
    assert resp.status_code == status, resp.get_data(as_text=True)
    error = Error.model_validate(resp.get_json())
    assert error.status == status and error.scim_type == scim_type
    assert detail in (error.detail or "")


def test_scim_needs_an_admin_token(
    app: Flask, employee_headers: dict[str, str], content_headers: dict[str, str]
) -> None:
    client = app.test_client()
    assert client.get("/scim/v2/Users").status_code == 401
    assert client.get("/scim/v2/Users", headers=employee_headers).status_code == 403
    resp = client.get("/scim/v2/Users", headers=content_headers)
    assert resp.status_code == 403
    assert Error.model_validate(resp.get_json()).detail == "SCIM provisioning needs an admin token"


def test_service_provider_config(app: Flask, admin_headers: dict[str, str]) -> None:
    body = app.test_client().get("/scim/v2/ServiceProviderConfig", headers=admin_headers).get_json()
    assert body["patch"]["supported"] is True and body["bulk"]["supported"] is False

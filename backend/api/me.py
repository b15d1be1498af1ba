"""The signed-in employee's own profile."""

from __future__ import annotations

from flask import Blueprint

from backend.auth import Principal
from backend.openapi import ANY_ROLE, endpoint
from backend.schemas.employees import EmployeeOut, MeUpdate
from backend.schemas.program import GuidelineQuery, MyGuidelineAck, MyGuidelineAckIn, MyGuidelines
from backend.services import employees as svc
from backend.services import program

bp = Blueprint("me", __name__)


@endpoint(bp, "/me", roles=ANY_ROLE, response=EmployeeOut, tags=["me"])
def get_me(principal: Principal) -> EmployeeOut:
    """The employee behind the token."""
    return EmployeeOut.model_validate(principal.employee)


@endpoint(
    bp, "/me", method="PATCH", roles=ANY_ROLE, body=MeUpdate, response=EmployeeOut, tags=["me"]
)
def update_me(principal: Principal, body: MeUpdate) -> EmployeeOut:
    """Update my role text, interests, languages and consents."""
    return EmployeeOut.model_validate(svc.update_me(principal.employee, body))


# --- guidelines, readable by every employee (the panel's Guidelines tab) -----------------------


@endpoint(
    bp,
    "/me/guidelines",
    roles=ANY_ROLE,
    query=GuidelineQuery,
    response=MyGuidelines,
    tags=["me"],
)
def my_guidelines(principal: Principal, query: GuidelineQuery) -> MyGuidelines:
    """The company's current social-media guidelines in my language (or ``?language=``), and
    whether and when I acknowledged this version. Before anything is published: 200 with
    ``published: false``."""
    status = program.guideline_status(principal.employee_id)
    if status.current_version is None:
        return MyGuidelines(
            published=False, version=None, guideline_id=None, language=None, languages=[],
            title=None, body=None, published_at=None, acknowledged=False, acknowledged_at=None,
        )  # fmt: skip
    row, languages = program.current_guideline(principal.employee, query.language)
    return MyGuidelines(
        published=True,
        version=row.version,
        guideline_id=row.id,
        language=row.language,
        languages=languages,
        title=row.title,
        body=row.body,
        published_at=row.created_at,
        acknowledged=status.acknowledged,
        acknowledged_at=status.acknowledged_at,
    )


@endpoint(
    bp,
    "/me/guidelines/acknowledgement",
    method="POST",
    roles=ANY_ROLE,
    body=MyGuidelineAckIn,
    response=MyGuidelineAck,
    status=201,
    tags=["me"],
    extra_responses={
        404: "No guidelines published yet",
        409: "The version is not the current one",
    },
)
def acknowledge_my_guidelines(
    principal: Principal, body: MyGuidelineAckIn
) -> tuple[MyGuidelineAck, int]:
    """Acknowledge the current guidelines version I read: 201 the first time, 200 after."""
    ack, row, created = program.acknowledge_version(principal.employee, body.version)
    out = MyGuidelineAck(
        version=row.version, guideline_id=ack.guideline_id, acknowledged_at=ack.acknowledged_at
    )
    return out, 201 if created else 200

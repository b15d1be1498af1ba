from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import EmailStr, Field, field_validator

from backend.schemas.common import Language, MediumText, Name, Out, Page, ShortText, Strict, Tag

AccessRole = Literal["employee", "content", "admin"]
CONSENT_KEYS = ("profile_snapshots", "leaderboard", "engagement_tracking", "digest_email")


class Consents(Strict):
    profile_snapshots: bool = False
    leaderboard: bool = False
    engagement_tracking: bool = True
    digest_email: bool = False


class EmployeeCreate(Strict):
    email: EmailStr
    name: Name
    job_title: ShortText = ""
    role_text: MediumText = ""
    department: ShortText = ""
    team: ShortText = ""
    location: ShortText = ""
    # None: the company's content languages (``services.employees.content_languages``).
    languages: list[Language] | None = Field(None, min_length=1, max_length=10)
    interests: list[Tag] = Field(default_factory=list, max_length=30)
    network_size: int = Field(0, ge=0, le=100_000_000)
    access_role: AccessRole = "employee"

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.lower()


class EmployeeUpdate(Strict):
    email: EmailStr | None = None
    name: Name | None = None
    job_title: ShortText | None = None
    role_text: MediumText | None = None
    department: ShortText | None = None
    team: ShortText | None = None
    location: ShortText | None = None
    languages: list[Language] | None = Field(None, min_length=1, max_length=10)
    interests: list[Tag] | None = Field(None, max_length=30)
    network_size: int | None = Field(None, ge=0, le=100_000_000)
    access_role: AccessRole | None = None


class MeUpdate(Strict):
    role_text: MediumText | None = None
    interests: list[Tag] | None = Field(None, max_length=30)
    languages: list[Language] | None = Field(None, min_length=1, max_length=10)
    consents: Consents | None = None
    leaderboard_opt_out: bool | None = None
    network_size: int | None = Field(None, ge=0, le=100_000_000)


class EmployeeOut(Out):
    id: int
    email: str
    name: str
    job_title: str
    role_text: str
    department: str
    team: str
    location: str
    languages: list[str]
    interests: list[str]
    network_size: int
    consents: dict[str, bool]
    access_role: AccessRole
    is_active: bool
    deactivated_at: dt.datetime | None
    leaderboard_opt_out: bool
    created_at: dt.datetime


class EmployeeList(Out):
    items: list[EmployeeOut]
    total: int
    limit: int
    offset: int


class EmployeeQuery(Page):
    department: ShortText | None = None
    team: ShortText | None = None
    active: bool | None = None
    q: ShortText | None = None


class PairingCodeOut(Out):
    code: str
    employee_id: int
    expires_at: dt.datetime


class PairRequest(Strict):
    code: str = Field(min_length=4, max_length=32)


class PairResponse(Out):
    token: str
    expires_at: dt.datetime | None
    employee: EmployeeOut

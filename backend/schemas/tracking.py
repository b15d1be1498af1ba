"""Request/response models: shares, tracked links, snapshots, mentions, conversions, webhooks."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator

from backend.schemas.common import HttpUrlStr, Out, Page, Strict

Network = Literal["linkedin", "x", "facebook", "other"]
ConversionType = Literal["lead", "signup", "sale"]
WebhookEvent = Literal["share.created", "share.confirmed", "conversion.created"]
MentionStatus = Literal["open", "resolved"]

Count = Annotated[int, Field(ge=0, le=1_000_000_000)]
RequestId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=36)]
Token16 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
Token32 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Token128 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]

# ISO 4217 active codes (2024), enough to reject typos such as "EURO" or "USd".
ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP
    BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL
    GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
    KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN
    NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK
    SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS
    VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL""".split()
)


def _check_currency(value: str) -> str:
    if value not in ISO_4217:
        raise ValueError(f"'{value}' is not an ISO 4217 currency code (e.g. 'DKK', 'EUR')")
    return value


def _check_linkedin_url(value: str) -> str:
    host = (urlsplit(value).hostname or "").lower()
    if host != "linkedin.com" and not host.endswith(".linkedin.com"):
        raise ValueError("URL must point at linkedin.com")
    return value


Currency = Annotated[
    str, StringConstraints(min_length=3, max_length=3), AfterValidator(_check_currency)
]
LinkedInUrl = Annotated[HttpUrlStr, AfterValidator(_check_linkedin_url)]


# --- shares ----------------------------------------------------------------------------------


class ShareCreate(Strict):
    article_id: int = Field(ge=1)
    network: Network
    caption: Annotated[str, StringConstraints(max_length=3000)] = ""
    request_id: RequestId | None = None  # the suggestion request this share came from


class ShareCreated(Out):
    share_id: int
    tracked_url: str
    code: str
    article_id: int
    network: Network
    created_at: dt.datetime


class EngagementIn(Strict):
    reactions: Count
    comments: Count
    reposts: Count


class EngagementOut(Out):
    share_id: int
    reactions: int
    comments: int
    reposts: int
    observed_at: dt.datetime


class ShareOut(Out):
    share_id: int
    article_id: int
    article_title: str
    network: Network
    caption: str
    tracked_url: str
    network_size_at_share: int
    clicks: int  # human clicks on this share's tracked link (bots and prefetches excluded)
    engagement: EngagementOut | None
    created_at: dt.datetime
    # "started" until the extension saw my post with the link or a click came through it;
    # only confirmed shares count (issue #15).
    state: Literal["started", "confirmed"] = "started"
    confirmed_at: dt.datetime | None = None


MAX_CONFIRM_CODES = 100


class ShareConfirmIn(Strict):
    """Codes of tracked links the extension saw in the employee's own posts."""

    codes: list[Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{4,16}$")]] = Field(
        min_length=1, max_length=MAX_CONFIRM_CODES
    )


class ShareConfirmOut(Out):
    confirmed: int  # shares this call confirmed (0 when they were confirmed already)


class ShareList(Out):
    items: list[ShareOut]
    total: int
    limit: int
    offset: int


# --- profile snapshots -----------------------------------------------------------------------


class SnapshotIn(Strict):
    connections: Count
    followers: Count
    profile_views: Count | None = None


class SnapshotOut(Out):
    id: int
    connections: int | None
    followers: int | None
    profile_views: int | None
    taken_at: dt.datetime


class SnapshotList(Out):
    items: list[SnapshotOut]


# --- mentions --------------------------------------------------------------------------------


class MentionCreate(Strict):
    url: LinkedInUrl
    snippet: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class MentionResolve(Strict):
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class MentionOut(Out):
    id: int
    employee_id: int
    url: str
    snippet: str
    status: MentionStatus
    note: str
    resolved_by_id: int | None
    resolved_at: dt.datetime | None
    created_at: dt.datetime


class MentionQuery(Page):
    status: MentionStatus | None = None


class MentionList(Out):
    items: list[MentionOut]
    total: int
    limit: int
    offset: int


# --- integrations and conversions ------------------------------------------------------------


class IntegrationCreate(Strict):
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,99}$")
    ]


class IntegrationUpdate(Strict):
    active: bool


class IntegrationOut(Out):
    id: int
    name: str
    active: bool
    created_at: dt.datetime


class IntegrationWithSecret(IntegrationOut):
    secret: str  # shown once, when created or rotated


class ConversionIn(Strict):
    type: ConversionType
    code: Token16 | None = None  # the tracked link's code (the part after /r/)
    utm_content: Token32 | None = None  # the employee reference carried by the landing URL
    utm_source: Network | None = None
    article_url: HttpUrlStr | None = None
    value: float = Field(0.0, ge=0, le=1e12, allow_inf_nan=False)
    currency: Currency = "DKK"
    external_id: Token128 | None = None  # idempotent per integration
    occurred_at: dt.datetime | None = None

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("occurred_at needs a timezone, e.g. 2025-03-01T12:00:00Z")
        return value

    @model_validator(mode="after")
    def _attributable(self) -> ConversionIn:
        if self.code is None and self.utm_content is None:
            raise ValueError("give the tracked link code or the utm_content of the visit")
        return self


class ConversionOut(Out):
    id: int
    integration_id: int | None
    link_id: int | None
    employee_id: int | None
    article_id: int | None
    campaign_id: int | None
    type: ConversionType
    value: float
    currency: str
    external_id: str | None
    occurred_at: dt.datetime
    created_at: dt.datetime


class ConversionQuery(Page):
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    type: ConversionType | None = None
    employee_id: int | None = None
    article_id: int | None = None
    campaign_id: int | None = None

    @field_validator("start", "end")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)  # a bare date-time in a query string means UTC
        return value


class ConversionList(Out):
    items: list[ConversionOut]
    total: int
    limit: int
    offset: int


# --- outbound webhooks -----------------------------------------------------------------------


class WebhookCreate(Strict):
    url: HttpUrlStr
    events: list[WebhookEvent] = Field(min_length=1, max_length=10)
    active: bool = True


class WebhookUpdate(Strict):
    url: HttpUrlStr | None = None
    events: list[WebhookEvent] | None = Field(None, min_length=1, max_length=10)
    active: bool | None = None


class WebhookOut(Out):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: dt.datetime


class WebhookWithSecret(WebhookOut):
    secret: str  # shown once, when created or rotated


class DeliveryOut(Out):
    id: int
    webhook_id: int
    event: str
    status: str
    attempts: int
    last_error: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None


class DeliveryQuery(Page):
    status: Literal["pending", "delivered", "failed"] | None = None


class DeliveryList(Out):
    items: list[DeliveryOut]
    total: int
    limit: int
    offset: int

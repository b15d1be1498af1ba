"""SQLAlchemy 2.0 typed models, one module per domain. Every time is stored as UTC.

Raw text read from LinkedIn is never stored: impressions keep the page *type* only.
``from backend.models import Employee`` reads them all; importing this package registers every
table (Alembic's env.py relies on it).
"""

from __future__ import annotations

from backend.models.base import (
    JSONType,
    UTCDateTime,
    utcnow,
)
from backend.models.content import (
    ARTICLE_STATUSES,
    Article,
    ArticleCaption,
    ArticleEmbedding,
    Campaign,
    CampaignGoal,
    Guideline,
    GuidelineAck,
    TrainingCard,
)
from backend.models.ops import (
    JOB_STATUSES,
    CacheStamp,
    ExtractionHealth,
    Job,
)
from backend.models.people import (
    ACCESS_ROLES,
    ApiToken,
    AuditLog,
    ConsoleSession,
    Employee,
    ExternalIdentity,
    Invitation,
    PairingCode,
    Setting,
)
from backend.models.suggestions import (
    EVENT_TYPES,
    PAGE_TYPES,
    CoEngagementFit,
    EngagementEvent,
    ModelVersion,
    SuggestionImpression,
)
from backend.models.tracking import (
    CONVERSION_TYPES,
    INTEGRITY_KINDS,
    NETWORKS,
    Click,
    ClickDailyAggregate,
    ClickWeeklyAggregate,
    Conversion,
    IdempotencyRecord,
    Integration,
    IntegrityFlag,
    Mention,
    OutboundWebhook,
    ProfileSnapshot,
    Share,
    ShareEngagement,
    TrackedLink,
    WebhookDelivery,
    WebhookNonce,
)

__all__ = [
    "ACCESS_ROLES",
    "ARTICLE_STATUSES",
    "ApiToken",
    "Article",
    "ArticleCaption",
    "ArticleEmbedding",
    "AuditLog",
    "CONVERSION_TYPES",
    "CacheStamp",
    "Campaign",
    "CampaignGoal",
    "Click",
    "CoEngagementFit",
    "ClickDailyAggregate",
    "ClickWeeklyAggregate",
    "ConsoleSession",
    "Conversion",
    "EVENT_TYPES",
    "Employee",
    "EngagementEvent",
    "ExternalIdentity",
    "ExtractionHealth",
    "Guideline",
    "GuidelineAck",
    "INTEGRITY_KINDS",
    "IdempotencyRecord",
    "Integration",
    "IntegrityFlag",
    "Invitation",
    "JOB_STATUSES",
    "JSONType",
    "Job",
    "Mention",
    "ModelVersion",
    "NETWORKS",
    "OutboundWebhook",
    "PAGE_TYPES",
    "PairingCode",
    "ProfileSnapshot",
    "Setting",
    "Share",
    "ShareEngagement",
    "SuggestionImpression",
    "TrackedLink",
    "TrainingCard",
    "UTCDateTime",
    "WebhookDelivery",
    "WebhookNonce",
    "utcnow",
]

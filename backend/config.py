"""Configuration: one typed settings object (pydantic-settings).

Every key the app reads is a field of :class:`Settings`, with its type and default. Values come,
later ones winning, from the defaults here, ``HERALD_<KEY>`` environment variables (plus
``DATABASE_URL`` and ``REDIS_URL``), then the mapping given to ``create_app``. The result fills
``app.config``, so code keeps reading ``current_app.config["KEY"]``; keys that are not settings of
Herald (Flask's own, an extension's) pass through ``create_app``'s mapping unchanged.

Production (``HERALD_ENV=production``) refuses to start with the default secret, with debug on,
on SQLite, or with the console cookie sent over plain http: the validators below.

List values in the environment are comma-separated (``HERALD_CORS_ORIGINS=a,b``).
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from backend.errors import ConfigError

__all__ = ["DEFAULT_SECRET", "Settings", "build_config"]

DEFAULT_SECRET = "dev-insecure-secret-change-me"

CommaList = Annotated[list[str], NoDecode]

# The environment build_config reads (os.environ unless a test passes its own).
_ENVIRON: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "herald_environ", default=None
)


class _Environ(EnvSettingsSource):
    """``HERALD_*`` variables from the mapping build_config was given (default os.environ)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        environ = _ENVIRON.get()
        if environ is not None:
            self.env_vars = {key.lower(): value for key, value in environ.items()}


class Settings(BaseSettings):
    """Every setting of Herald; field names are the ``app.config`` keys."""

    model_config = SettingsConfigDict(
        env_prefix="HERALD_",
        case_sensitive=False,
        extra="forbid",
        validate_by_name=True,
        validate_default=True,
    )

    ENV: Literal["development", "production"] = "development"
    DEBUG: bool = False
    TESTING: bool = False
    SECRET_KEY: str = DEFAULT_SECRET
    # SQLite file under the instance folder unless set.
    SQLALCHEMY_DATABASE_URI: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL")
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    # Only for a demo behind a proxy; production otherwise refuses SQLite.
    ALLOW_SQLITE_IN_PRODUCTION: bool = False
    MAX_CONTENT_LENGTH: int = 1024 * 1024  # 1 MiB

    # Rate limits (Flask-Limiter reads these keys); Redis when REDIS_URL is set.
    RATELIMIT_STORAGE_URI: str = Field(
        default="memory://",
        validation_alias=AliasChoices("REDIS_URL", "HERALD_RATELIMIT_STORAGE_URI"),
    )
    RATELIMIT_ENABLED: bool = True
    # X-RateLimit-Limit/-Remaining/-Reset on every response: two more Redis round trips per
    # request (0.3-0.8 ms of a suggestion's time on the benchmark machine), for headers nothing of
    # Herald's reads. A 429 carries Retry-After either way (backend/errors.py).
    RATELIMIT_HEADERS_ENABLED: bool = False
    RATELIMIT_AUTH: str = "10 per minute"  # failed authentications per client address
    RATELIMIT_DEFAULT: str = "600 per minute"
    CORS_ORIGINS: CommaList = []  # e.g. chrome-extension://<id>,https://admin.example.com
    # Reverse proxies in front of the app (load balancer = 1): trust that many X-Forwarded-* hops,
    # so rate limits and click counting see the client's address, not the proxy's.
    PROXY_COUNT: int = Field(default=0, ge=0)

    # Tokens and pairing.
    TOKEN_TTL_DAYS: int = Field(default=180, ge=1)
    ADMIN_TOKEN_TTL_DAYS: int = Field(default=30, ge=1)  # create-admin tokens expire; rotate them
    PAIRING_CODE_TTL_HOURS: int = Field(default=24, ge=1)

    # Recommender.
    ARTIFACTS_DIR: str | None = None  # <instance>/artifacts unless set
    ENCODER: str = "e5-onnx"  # e5-onnx | minilm-onnx | minilm | minilm-int8 | e5 | hashing
    MODEL_CACHE_DIR: str | None = None  # built encoder exports; ARTIFACTS_DIR/encoders unless set
    RECOMMENDER_WARMUP: bool | None = None  # None: on unless TESTING
    RECOMMENDER_BACKGROUND_EMBED: bool | None = None  # None: on unless TESTING
    SUGGESTION_DISPLAY_CACHE: bool | None = None  # None: on unless TESTING
    RECOMMENDER_BLAS_THREADS: int = Field(default=1, ge=1)
    # ONNX Runtime threads a page context's encode uses while that many cores are idle (1: one).
    CONTEXT_ENCODE_THREADS: int = Field(default=2, ge=1, le=64)
    # Threads the full-catalog product uses while a core is idle (1: one; recommender.engine).
    CATALOG_PRODUCT_THREADS: int = Field(default=2, ge=1, le=2)
    # Scale-out (docs/operations.md). Shared model store: an fsspec URL (s3://bucket/models,
    # file:///mnt/models); None: ARTIFACTS_DIR alone is the store.
    MODEL_STORE_URL: str | None = None
    # Task queue (backend/tasks.py): redis://host:6379/N with several nodes; None: a SQLite file
    # under instance/ (huey's SqliteStorage), so `make run` needs no Redis.
    TASK_QUEUE_URL: str | None = None
    JOB_STALE_AFTER_S: int = Field(default=60, ge=1)  # a running job without a heartbeat this long
    # The LinkedIn selector pack served to the extension (None: extension/selectors/pack.json).
    SELECTOR_PACK_PATH: str | None = None

    # Tracked links.
    PUBLIC_BASE_URL: str = "http://127.0.0.1:5000"
    UTM_MEDIUM: str = "employee_advocacy"
    CLICK_SALT: str | None = None  # SECRET_KEY unless set
    REDIRECT_CACHE_TTL: float = Field(default=30.0, ge=0)  # seconds a code's target is cached
    # When set, tracked links only lead to these hosts (and their subdomains).
    REDIRECT_ALLOWED_DOMAINS: CommaList = []

    # E-mail digests.
    SMTP_HOST: str | None = None
    SMTP_PORT: int = 25
    SMTP_FROM: str = "herald@localhost"
    COMPANY_NAME: str = "Herald"

    # Onboarding (backend/services/invitations.py, sso.py): the extension's store page and/or a
    # built zip to link from invitations; OIDC single sign-on when OIDC_ISSUER is set.
    EXTENSION_INSTALL_URL: str = ""
    EXTENSION_ZIP: str | None = None
    OIDC_ISSUER: str | None = None
    OIDC_CLIENT_ID: str | None = None
    OIDC_CLIENT_SECRET: str | None = None
    # Content workflow: an author may not approve their own article while this is on (off by
    # default: a one-person content team would otherwise be unable to publish anything).
    FOUR_EYES: bool = False

    # Operations (backend/observability.py, backend/services/privacy.py).
    LOG_FORMAT: Literal["json", "text"] = "json"
    LOG_LEVEL: str = "INFO"
    METRICS_TOKEN: str | None = None  # bearer token that may read /metrics from any address
    METRICS_ALLOWED_IPS: CommaList = ["127.0.0.1", "::1"]  # may read /metrics without it
    CLICK_RETENTION_MONTHS: int = 13
    IDEMPOTENCY_KEY_DAYS: int = Field(default=7, ge=1)  # a retried share is recognised this long
    # Outbound webhooks may target loopback/private/link-local addresses only when this is set.
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: bool = False
    # Feed subscriptions (services/feed_subscriptions.py): the same rule for feed addresses,
    # and the limits of every poll.
    FEED_ALLOW_PRIVATE_NETWORKS: bool = False
    FEED_TIMEOUT_SECONDS: float = Field(default=10.0, gt=0, le=120)
    FEED_MAX_BYTES: int = Field(default=5_000_000, ge=1_000)
    # Reports read the daily click rollups (False: raw clicks only, the reference path).
    ANALYTICS_ROLLUPS: bool = True

    # Console (backend/console): session cookie and password lockout.
    CONSOLE_COOKIE_SECURE: bool | None = None  # None: on in production, off in development
    CONSOLE_MAX_FAILED_LOGINS: int = Field(default=5, ge=1)
    CONSOLE_LOCKOUT_MINUTES: int = Field(default=15, ge=1)
    CONSOLE_SESSION_HOURS: int = Field(default=8, ge=1)  # sign-in lifetime (cookie and server)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, _Environ(settings_cls))

    @field_validator(
        "CORS_ORIGINS", "METRICS_ALLOWED_IPS", "REDIRECT_ALLOWED_DOMAINS", mode="before"
    )
    @classmethod
    def _comma_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("ARTIFACTS_DIR", "MODEL_CACHE_DIR", mode="before")
    @classmethod
    def _path(cls, value: Any) -> Any:
        return os.fspath(value) if isinstance(value, os.PathLike) else value

    @field_validator("MAX_CONTENT_LENGTH")
    @classmethod
    def _positive_body_limit(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("HERALD_MAX_CONTENT_LENGTH must be positive")
        return value

    @field_validator("CLICK_RETENTION_MONTHS")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value < 1:
            raise ValueError("HERALD_CLICK_RETENTION_MONTHS must be at least 1")
        return value

    @model_validator(mode="after")
    def _production_refuses_insecure_defaults(self) -> Settings:
        if self.CONSOLE_COOKIE_SECURE is None:
            # Local http development would otherwise never keep a session.
            self.CONSOLE_COOKIE_SECURE = self.ENV == "production"
        if self.ENV != "production":
            return self
        problems = []
        # Counted without surrounding whitespace: 32 spaces is no secret.
        if self.SECRET_KEY == DEFAULT_SECRET or len(self.SECRET_KEY.strip()) < 32:
            problems.append("HERALD_SECRET_KEY must be set to a random value of 32+ characters")
        if self.DEBUG:
            problems.append("HERALD_DEBUG must be off")
        uri = self.SQLALCHEMY_DATABASE_URI or "sqlite"
        if uri.startswith("sqlite") and not self.ALLOW_SQLITE_IN_PRODUCTION:
            problems.append("DATABASE_URL must point at PostgreSQL in production")
        if not self.CONSOLE_COOKIE_SECURE:
            problems.append("CONSOLE_COOKIE_SECURE must be on")
        if problems:
            raise ValueError("refusing to start in production: " + "; ".join(problems))
        return self


SETTING_KEYS = frozenset(Settings.model_fields)


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Defaults, then the environment (``environ``, default os.environ), then ``overrides``.

    Raises ConfigError naming each problem.
    """
    token = _ENVIRON.set(environ)
    try:
        return Settings(**dict(overrides or {}))
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    finally:
        _ENVIRON.reset(token)


def _describe(exc: ValidationError) -> str:
    messages = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        message = str(err["msg"]).removeprefix("Value error, ")
        field = ".".join(str(part) for part in err["loc"])
        messages.append(
            message
            if message.startswith(("HERALD_", "refusing"))
            else (f"HERALD_{field}: {message}" if field else message)
        )
    return "; ".join(messages)


def build_config(
    instance_path: str,
    overrides: Mapping[str, Any] | None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``app.config`` for create_app: the settings, with paths resolved under the instance
    folder, plus any keys of ``overrides`` that are not Herald settings (Flask's own, say)."""
    overrides = dict(overrides or {})
    passthrough = {key: value for key, value in overrides.items() if key not in SETTING_KEYS}
    settings = load_settings(
        {key: value for key, value in overrides.items() if key in SETTING_KEYS}, environ
    )
    cfg = settings.model_dump()
    if not cfg["SQLALCHEMY_DATABASE_URI"]:
        cfg["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(instance_path) / "herald.db")
    if str(cfg["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        # Fail fast (then 503) instead of hanging a worker when the server cannot be reached.
        options = dict(cfg["SQLALCHEMY_ENGINE_OPTIONS"])
        connect_args = dict(options.get("connect_args", {}))
        connect_args.setdefault("connect_timeout", 5)
        options["connect_args"] = connect_args
        cfg["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if not cfg["ARTIFACTS_DIR"]:
        cfg["ARTIFACTS_DIR"] = str(Path(instance_path) / "artifacts")
    if not cfg["MODEL_CACHE_DIR"]:
        cfg["MODEL_CACHE_DIR"] = str(Path(cfg["ARTIFACTS_DIR"]) / "encoders")
    if not cfg["CLICK_SALT"]:
        cfg["CLICK_SALT"] = cfg["SECRET_KEY"]
    cfg.update(passthrough)
    return cfg

"""Configuration: defaults, then ``HERALD_*`` environment variables, then create_app's mapping.

Production (``HERALD_ENV=production``) refuses to start with the default secret or with debug on.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from backend.errors import ConfigError

DEFAULT_SECRET = "dev-insecure-secret-change-me"

DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "DEBUG": False,
    "TESTING": False,
    "SECRET_KEY": DEFAULT_SECRET,
    # SQLite file under instance/ unless DATABASE_URL is set.
    "SQLALCHEMY_DATABASE_URI": None,
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "MAX_CONTENT_LENGTH": 1024 * 1024,  # 1 MiB
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_AUTH": "10 per minute",
    "RATELIMIT_DEFAULT": "600 per minute",
    "CORS_ORIGINS": [],  # e.g. ["chrome-extension://<id>", "https://admin.example.com"]
    "TOKEN_TTL_DAYS": 180,
    "PAIRING_CODE_TTL_HOURS": 24,
    "ARTIFACTS_DIR": None,  # instance/artifacts unless set
    "ENCODER": "minilm-onnx",  # minilm-onnx | minilm | minilm-int8 | e5 | hashing
    "MODEL_CACHE_DIR": None,  # built encoder exports (ONNX); ARTIFACTS_DIR/encoders unless set
    "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
    "UTM_MEDIUM": "employee_advocacy",
    "CLICK_SALT": None,  # falls back to SECRET_KEY
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_FROM": "herald@localhost",
    "COMPANY_NAME": "Herald",
    # Operations (backend/observability.py, backend/services/privacy.py).
    "LOG_FORMAT": "json",  # json | text
    "LOG_LEVEL": "INFO",
    "METRICS_TOKEN": None,  # bearer token that may read /metrics from any address
    "METRICS_ALLOWED_IPS": ["127.0.0.1", "::1"],  # addresses that may read /metrics without it
    "CLICK_RETENTION_MONTHS": 13,
    "IDEMPOTENCY_KEY_DAYS": 7,  # a retried share is recognised by its Idempotency-Key this long
    # Outbound webhooks may target loopback/private/link-local addresses only when this is set.
    "WEBHOOK_ALLOW_PRIVATE_NETWORKS": False,
    # Reverse proxies in front of the app (load balancer = 1): trust that many X-Forwarded-* hops,
    # so rate limits and click counting see the client's address, not the proxy's.
    "PROXY_COUNT": 0,
    # Recommender runtime: None means "on unless TESTING".
    "RECOMMENDER_WARMUP": None,
    "RECOMMENDER_BACKGROUND_EMBED": None,
    "RECOMMENDER_BLAS_THREADS": 1,
    # The LinkedIn selector pack served to the extension (None: extension/selectors/pack.json).
    "SELECTOR_PACK_PATH": None,
}

# Environment variables that may be set as HERALD_<NAME> (plus DATABASE_URL / REDIS_URL).
_ENV_TYPES: dict[str, type] = {
    "ENV": str,
    "DEBUG": bool,
    "SECRET_KEY": str,
    "MAX_CONTENT_LENGTH": int,
    "RATELIMIT_STORAGE_URI": str,
    "RATELIMIT_AUTH": str,
    "RATELIMIT_DEFAULT": str,
    "CORS_ORIGINS": list,
    "TOKEN_TTL_DAYS": int,
    "PAIRING_CODE_TTL_HOURS": int,
    "ARTIFACTS_DIR": str,
    "ENCODER": str,
    "MODEL_CACHE_DIR": str,
    "PUBLIC_BASE_URL": str,
    "UTM_MEDIUM": str,
    "CLICK_SALT": str,
    "SMTP_HOST": str,
    "SMTP_PORT": int,
    "SMTP_FROM": str,
    "COMPANY_NAME": str,
    "LOG_FORMAT": str,
    "LOG_LEVEL": str,
    "METRICS_TOKEN": str,
    "METRICS_ALLOWED_IPS": list,
    "CLICK_RETENTION_MONTHS": int,
    "IDEMPOTENCY_KEY_DAYS": int,
    "WEBHOOK_ALLOW_PRIVATE_NETWORKS": bool,
    "PROXY_COUNT": int,
    "CONSOLE_COOKIE_SECURE": bool,
    "REDIRECT_CACHE_TTL": int,
    "RECOMMENDER_WARMUP": bool,
    "RECOMMENDER_BACKGROUND_EMBED": bool,
    "RECOMMENDER_BLAS_THREADS": int,
    "SELECTOR_PACK_PATH": str,
}


def _coerce(raw: str, kind: type) -> Any:
    if kind is bool:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if kind is int:
        return int(raw)
    if kind is list:
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def from_environ(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read HERALD_* variables (and DATABASE_URL, REDIS_URL) into config keys."""
    out: dict[str, Any] = {}
    for name, kind in _ENV_TYPES.items():
        raw = environ.get(f"HERALD_{name}")
        if raw is not None:
            out[name] = _coerce(raw, kind)
    if environ.get("DATABASE_URL"):
        out["SQLALCHEMY_DATABASE_URI"] = environ["DATABASE_URL"]
    if environ.get("REDIS_URL"):
        out["RATELIMIT_STORAGE_URI"] = environ["REDIS_URL"]
    return out


def build_config(
    instance_path: str,
    overrides: Mapping[str, Any] | None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Merge defaults, environment and explicit overrides; validate the result."""
    cfg: dict[str, Any] = dict(DEFAULTS)
    cfg.update(from_environ(os.environ if environ is None else environ))
    if overrides:
        cfg.update(overrides)
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
    validate(cfg)
    return cfg


def validate(cfg: Mapping[str, Any]) -> None:
    """Refuse insecure production settings."""
    if cfg["ENV"] == "production":
        problems = []
        if cfg["SECRET_KEY"] == DEFAULT_SECRET or len(str(cfg["SECRET_KEY"])) < 32:
            problems.append("HERALD_SECRET_KEY must be set to a random value of 32+ characters")
        if cfg["DEBUG"]:
            problems.append("HERALD_DEBUG must be off")
        if str(cfg["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite") and not cfg.get(
            "ALLOW_SQLITE_IN_PRODUCTION"
        ):
            problems.append("DATABASE_URL must point at PostgreSQL in production")
        if problems:
            raise ConfigError("refusing to start in production: " + "; ".join(problems))
    if cfg["CLICK_RETENTION_MONTHS"] < 1:
        raise ConfigError("HERALD_CLICK_RETENTION_MONTHS must be at least 1")
    if cfg["MAX_CONTENT_LENGTH"] <= 0:
        raise ConfigError("HERALD_MAX_CONTENT_LENGTH must be positive")

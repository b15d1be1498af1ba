from __future__ import annotations

import os
import re

import pytest

from backend import create_app
from backend.config import DEFAULT_SECRET, Settings, build_config
from backend.errors import ConfigError

STRONG = "s" * 40
PG = "postgresql+psycopg://u@db/herald"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": DEFAULT_SECRET}, "HERALD_SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "HERALD_SECRET_KEY must be set"),
        ({"SECRET_KEY": " " * 40}, "HERALD_SECRET_KEY must be set"),
        ({"SECRET_KEY": STRONG, "DEBUG": True}, "HERALD_DEBUG must be off"),
    ],
)
def test_production_refuses_insecure_settings(overrides: dict[str, object], message: str) -> None:
    config = {"ENV": "production", "SQLALCHEMY_DATABASE_URI": PG, **overrides}
    with pytest.raises(ConfigError, match="refusing to start in production: .*" + message):
        build_config("/tmp/instance", config, environ={})
    with pytest.raises(ConfigError, match=message):
        create_app(config)


def test_production_reads_the_environment_and_accepts_a_strong_secret() -> None:
    cfg = build_config(
        "/tmp/instance",
        None,
        environ={"HERALD_ENV": "production", "HERALD_SECRET_KEY": STRONG, "DATABASE_URL": PG},
    )
    assert cfg["ENV"] == "production" and cfg["SECRET_KEY"] == STRONG
    assert cfg["SQLALCHEMY_DATABASE_URI"] == PG
    assert cfg["DEBUG"] is False


def test_environment_cannot_sneak_debug_into_production() -> None:
    with pytest.raises(ConfigError, match="HERALD_DEBUG must be off"):
        build_config(
            "/tmp/instance",
            None,
            environ={"HERALD_ENV": "production", "HERALD_SECRET_KEY": STRONG,
                     "DATABASE_URL": PG, "HERALD_DEBUG": "1"},
        )  # fmt: skip


def test_development_defaults() -> None:
    cfg = build_config("/tmp/instance", None, environ={})
    assert cfg["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "sqlite:////tmp/instance/herald.db"
    assert cfg["CLICK_SALT"] == cfg["SECRET_KEY"]


def test_every_setting_reaches_app_config_with_its_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Code reads ``app.config["KEY"]`` without a default of its own: every setting is there."""
    for name in list(os.environ):  # `make test` exports HERALD_CORS_ORIGINS, CI a REDIS_URL
        if name.upper().startswith("HERALD_") or name in {"DATABASE_URL", "REDIS_URL"}:
            monkeypatch.delenv(name)
    given = {"TESTING": True, "SECRET_KEY": STRONG, "ARTIFACTS_DIR": "/tmp/instance/a"}
    app = create_app({**given, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for key, field in Settings.model_fields.items():
        assert key in app.config, key
        if field.default is not None and key not in given:
            assert app.config[key] == field.default or key == "CONSOLE_COOKIE_SECURE", key
    assert app.config["CONSOLE_COOKIE_SECURE"] is False  # development


@pytest.mark.parametrize(
    ("environ", "key", "expected"),
    [
        ({"HERALD_CORS_ORIGINS": "chrome-extension://abc, https://a.example"}, "CORS_ORIGINS",
         ["chrome-extension://abc", "https://a.example"]),
        ({"HERALD_METRICS_ALLOWED_IPS": "10.0.0.1"}, "METRICS_ALLOWED_IPS", ["10.0.0.1"]),
        ({"HERALD_DEBUG": "yes"}, "DEBUG", True),
        ({"HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "0"}, "WEBHOOK_ALLOW_PRIVATE_NETWORKS", False),
        ({"HERALD_SMTP_PORT": "2525"}, "SMTP_PORT", 2525),
        ({"HERALD_REDIRECT_CACHE_TTL": "5"}, "REDIRECT_CACHE_TTL", 5.0),
        ({"HERALD_CONSOLE_SESSION_HOURS": "2"}, "CONSOLE_SESSION_HOURS", 2),
        ({"HERALD_REDIRECT_ALLOWED_DOMAINS": "example.com,go.example.dk"},
         "REDIRECT_ALLOWED_DOMAINS", ["example.com", "go.example.dk"]),
        ({"REDIS_URL": "redis://127.0.0.1:6379/6"}, "RATELIMIT_STORAGE_URI",
         "redis://127.0.0.1:6379/6"),
        # REDIS_URL wins over the prefixed name, as before.
        ({"REDIS_URL": "redis://r/1", "HERALD_RATELIMIT_STORAGE_URI": "memory://"},
         "RATELIMIT_STORAGE_URI", "redis://r/1"),
        ({"herald_company_name": "Acme"}, "COMPANY_NAME", "Acme"),  # names are case-insensitive
    ],
)  # fmt: skip
def test_environment_values_are_parsed_by_type(
    environ: dict[str, str], key: str, expected: object
) -> None:
    assert build_config("/tmp/instance", None, environ=environ)[key] == expected


def test_create_app_mapping_wins_over_the_environment() -> None:
    cfg = build_config(
        "/tmp/instance",
        {"SQLALCHEMY_DATABASE_URI": "sqlite:///explicit.db", "COMPANY_NAME": "Mapping"},
        environ={"DATABASE_URL": PG, "HERALD_COMPANY_NAME": "Env"},
    )
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "sqlite:///explicit.db"
    assert cfg["COMPANY_NAME"] == "Mapping"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"HERALD_TOKEN_TTL_DAYS": "soon"},
         "HERALD_TOKEN_TTL_DAYS: Input should be a valid integer"),
        ({"HERALD_CLICK_RETENTION_MONTHS": "0"},
         "HERALD_CLICK_RETENTION_MONTHS must be at least 1"),
        ({"HERALD_MAX_CONTENT_LENGTH": "0"}, "HERALD_MAX_CONTENT_LENGTH must be positive"),
        ({"HERALD_LOG_FORMAT": "xml"}, "HERALD_LOG_FORMAT: Input should be 'json' or 'text'"),
        ({"HERALD_ENV": "prod"}, "HERALD_ENV: Input should be 'development' or 'production'"),
    ],
)  # fmt: skip
def test_bad_values_are_refused_with_the_variable_named(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        build_config("/tmp/instance", None, environ=environ)


def test_production_lists_every_problem_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        build_config(
            "/tmp/instance", {"ENV": "production", "CONSOLE_COOKIE_SECURE": False}, environ={}
        )
    message = str(info.value)
    assert message.startswith("refusing to start in production: ")
    for problem in ("HERALD_SECRET_KEY", "DATABASE_URL must point at PostgreSQL",
                    "CONSOLE_COOKIE_SECURE must be on"):  # fmt: skip
        assert problem in message


def test_keys_that_are_not_herald_settings_pass_through() -> None:
    cfg = build_config("/tmp/instance", {"SERVER_NAME": "herald.test"}, environ={})
    assert cfg["SERVER_NAME"] == "herald.test"

from __future__ import annotations

import pytest

from backend import create_app
from backend.config import DEFAULT_SECRET, build_config
from backend.errors import ConfigError

STRONG = "s" * 40
PG = "postgresql+psycopg://u@db/herald"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": DEFAULT_SECRET}, "HERALD_SECRET_KEY must be set"),
        ({"SECRET_KEY": "short"}, "HERALD_SECRET_KEY must be set"),
        ({"SECRET_KEY": " " * 32}, "HERALD_SECRET_KEY must be set"),
        ({"SECRET_KEY": "\t" + " " * 40 + "\n"}, "HERALD_SECRET_KEY must be set"),
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

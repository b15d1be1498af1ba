"""The LinkedIn selector pack the API serves to the extension (see docs/extension.md).

The content team ships a fix for a LinkedIn change by pointing ``SELECTOR_PACK_PATH`` at a newer
pack
(a higher ``version``); extensions pick it up on their daily check. A pack that fails the schema is
never served.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from backend.errors import ServiceUnavailable
from backend.i18n import lazy_translate
from backend.schemas.extension import SelectorPack

log = logging.getLogger("herald.selector_pack")
BUNDLED_PACK = Path(__file__).resolve().parents[2] / "extension" / "selectors" / "pack.json"


class SelectorPackError(ValueError):
    """The configured pack cannot be read or does not match the schema."""


def load_pack(path: str | Path | None) -> dict[str, Any]:
    """The pack at ``path`` (the bundled one when None), validated; raises SelectorPackError."""
    target = Path(path) if path else BUNDLED_PACK
    try:
        raw = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SelectorPackError(f"cannot read selector pack {target}: {exc}") from None
    try:
        SelectorPack.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise SelectorPackError(
            f"selector pack {target} is invalid at {where}: {first['msg']}"
        ) from None
    return dict(raw)


def served_pack(path: str | Path | None) -> dict[str, Any]:
    """The pack to serve; a 503 (never an invalid pack) when the configured one is broken."""
    try:
        return load_pack(path)
    except SelectorPackError as exc:
        log.error("%s", exc)
        raise ServiceUnavailable(lazy_translate("error.selector_pack.not_available")) from None

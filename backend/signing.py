"""The one copy of Herald's HMAC helpers: inbound conversion webhooks and outbound webhooks sign
the same way.

``X-Herald-Signature: sha256=<hex>``, hex = HMAC-SHA256(secret, f"{timestamp}." + body), with
``timestamp`` in Unix seconds. Secrets are 32 random bytes, URL-safe, with a prefix that says what
they are for (``hcs_`` inbound, ``whsec_`` outbound).
"""

from __future__ import annotations

import hmac
import secrets

SIGNATURE_PREFIX = "sha256="


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256(secret, f"{timestamp}." + body)."""
    mac = hmac.new(secret.encode("utf-8"), str(timestamp).encode("ascii") + b"." + body, "sha256")
    return SIGNATURE_PREFIX + mac.hexdigest()


def signature_matches(expected: str, sent: str) -> bool:
    """Constant-time comparison of two signatures."""
    return hmac.compare_digest(expected.encode(), sent.strip().encode())

"""The one URL validator (article create, import and the /r/ redirect) and IRI → URI encoding.

A leaf module (standard library only) so that schemas, services and the redirect fast path can all
use the same rules:

* :func:`check_url` — syntax every http(s) URL Herald accepts must have: a scheme of http or https
  written as ``scheme://``, a host, no user name or password, no whitespace, control characters,
  DEL or backslash (browsers read ``\\`` as ``/``), at most 2,048 characters.
* :func:`check_target` — what a tracked link may lead to: :func:`check_url`, and the host must not
  be ``localhost`` or a loopback, private, link-local or otherwise non-public IP address (a content
  user must not be able to point ``/r/`` at 169.254.169.254); when the company set an allow-list
  (``HERALD_REDIRECT_ALLOWED_DOMAINS``) the host must be one of those domains or a subdomain.
* :func:`to_uri` — an IRI (``https://example.dk/da/sådan-gør-vi``) as the ASCII URI a ``Location``
  header must carry: the host IDNA-encoded, every other non-ASCII character UTF-8 and
  percent-encoded (RFC 3987 §3.1), existing ``%XX`` escapes and reserved characters untouched.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import quote, urlsplit, urlunsplit

MAX_URL_LENGTH = 2048
# RFC 3986 reserved + unreserved characters and '%': left as they are by to_uri.
_URI_SAFE = "!#$%&'()*+,/:;=?@[]~-._"


class UnsafeUrl(ValueError):
    """The URL is not one Herald accepts; the message says why."""


def _bad_char(url: str) -> str | None:
    for ch in url:
        if ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F or ch == "\\":
            return repr(ch)
    return None


def check_url(url: str) -> str:
    """``url`` if it is an acceptable absolute http(s) URL, else :class:`UnsafeUrl`."""
    if not url:
        raise UnsafeUrl("URL must not be empty")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"URL must be at most {MAX_URL_LENGTH} characters")
    bad = _bad_char(url)
    if bad is not None:
        raise UnsafeUrl(f"URL must not contain whitespace, control characters or {bad}")
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as exc:
        raise UnsafeUrl(f"URL cannot be parsed: {exc}") from None
    if parts.scheme not in ("http", "https") or not url.lower().startswith(parts.scheme + "://"):
        raise UnsafeUrl("URL must start with http:// or https://")
    if not hostname:
        raise UnsafeUrl("URL must have a host")
    if "@" in parts.netloc:
        raise UnsafeUrl("URL must not contain a user name or password")
    if not hostname.isascii():
        _idna(hostname)
    return url


def _public_host(hostname: str) -> bool:
    host = hostname.lower().rstrip(".")
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:  # 2130706433, 0x7f.1, 127.1 and friends: the forms browsers read as IPv4
            import socket

            address = ipaddress.ip_address(socket.inet_aton(host))
        except (OSError, ValueError):
            return True  # a name
    return address.is_global


def host_allowed(hostname: str, allowed_domains: Iterable[str]) -> bool:
    host = hostname.lower().rstrip(".")
    domains = [d.strip().lower().lstrip(".").rstrip(".") for d in allowed_domains if d.strip()]
    if not domains:
        return True
    return any(host == d or host.endswith("." + d) for d in domains)


def check_target(url: str, allowed_domains: Iterable[str] = ()) -> str:
    """``url`` if a tracked link may redirect to it, else :class:`UnsafeUrl`."""
    check_url(url)
    hostname = urlsplit(url).hostname or ""
    if not _public_host(hostname):
        raise UnsafeUrl("URL must point at a public host, not a local or private address")
    if not host_allowed(hostname, allowed_domains):
        raise UnsafeUrl(f"the host {hostname} is not on the company's list of allowed domains")
    return url


def _idna(host: str) -> str:
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise UnsafeUrl(f"URL host {host!r} is not a valid international domain name") from exc


def is_safe_target(url: str, allowed_domains: Iterable[str] = ()) -> bool:
    try:
        check_target(url, allowed_domains)
    except UnsafeUrl:
        return False
    return True


def to_uri(iri: str) -> str:
    """The ASCII URI for an IRI; an ASCII URI comes back unchanged (idempotent)."""
    if iri.isascii():
        return iri
    parts = urlsplit(iri)
    netloc = parts.netloc
    if not netloc.isascii():  # no user info is allowed, so the netloc is host[:port]
        netloc = _idna(parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            quote(parts.path, safe=_URI_SAFE),
            quote(parts.query, safe=_URI_SAFE),
            quote(parts.fragment, safe=_URI_SAFE),
        )
    )

"""Outbound HTTP to an address someone typed (a feed, a chat webhook), safe against SSRF.

The URL must pass ``backend.urls.check_url`` (absolute http(s), no credentials, no control
characters). Its host is resolved at request time and every address it resolves to must be
public (not loopback, private, link-local, multicast: the cloud metadata service, the database,
an internal admin page) unless the deployment allows private networks; the connection then goes
to exactly the address that was checked (the pinned handlers of ``services.webhooks``), so a DNS
answer that changes in between cannot slip past the check. Redirects are followed by hand, each
hop checked the same way, at most ``MAX_REDIRECTS``. Bodies are read up to a size limit.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from backend.services.webhooks import _PinnedHTTP, _PinnedHTTPS
from backend.urls import UnsafeUrl, check_url

MAX_REDIRECTS = 3
USER_AGENT = "Herald/1.0 (+https://github.com/herald; feed poller)"


class FetchRefused(ValueError):
    """The URL or an address it resolves to is not one Herald may fetch."""


class FetchFailed(RuntimeError):
    """The server could not be reached, answered an error, or sent too much."""


@dataclass
class Fetched:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    url: str = ""


def check_address(host: str, address: str) -> None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if not ip.is_global or ip.is_multicast:
        raise FetchRefused(f"{host} is {ip}, an internal network address")


def check_fetch_url(url: str, *, allow_private: bool) -> str:
    """Refuse at save time what can be refused without DNS (names are checked at fetch time)."""
    try:
        check_url(url)
    except UnsafeUrl as exc:
        raise FetchRefused(str(exc)) from None
    host = (urllib.parse.urlsplit(url).hostname or "").rstrip(".").lower()
    if allow_private:
        return url
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise FetchRefused(f"{host} is an internal name")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return url
    check_address(host, host)
    return url


def _resolve(url: str, allow_private: bool) -> str:
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise FetchFailed(f"{host} did not resolve: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise FetchFailed(f"{host} did not resolve")
    if not allow_private:
        for address in addresses:
            check_address(host, address)
    return addresses[0]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # answered as the 3xx itself: the caller checks the next hop


def request(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
    timeout: float,
    max_bytes: int,
    allow_private: bool,
) -> Fetched:
    """One request (following up to ``MAX_REDIRECTS`` checked redirects for GET). 304 and other
    non-2xx answers are returned, not raised; network errors and oversize bodies raise
    :class:`FetchFailed`, refused addresses :class:`FetchRefused`."""
    current = check_fetch_url(url, allow_private=allow_private)
    for _hop in range(MAX_REDIRECTS + 1):
        address = _resolve(current, allow_private)
        opener = urllib.request.build_opener(
            _PinnedHTTP(address), _PinnedHTTPS(address), _NoRedirect()
        )
        req = urllib.request.Request(current, data=data, method=method)
        req.add_header("User-Agent", USER_AGENT)
        for key, value in (headers or {}).items():
            req.add_header(key, value)
        try:
            resp = opener.open(req, timeout=timeout)
        except urllib.error.HTTPError as exc:
            resp = exc
        except (OSError, ValueError) as exc:
            host = urllib.parse.urlsplit(current).hostname
            raise FetchFailed(f"could not reach {host}: {exc}") from None
        with resp:
            status = int(resp.status or 0)
            got = {k.lower(): v for k, v in resp.headers.items()}
            if status in (301, 302, 303, 307, 308) and method == "GET" and got.get("location"):
                current = check_fetch_url(
                    urllib.parse.urljoin(current, got["location"]), allow_private=allow_private
                )
                continue
            declared = got.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise FetchFailed(f"the answer is {declared} bytes; at most {max_bytes} are read")
            try:
                body = resp.read(max_bytes + 1)
            except OSError as exc:
                raise FetchFailed(f"reading the answer failed: {exc}") from None
            if len(body) > max_bytes:
                raise FetchFailed(f"the answer is larger than {max_bytes} bytes")
            return Fetched(status, body, got, current)
    raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")

"""A real OpenID Connect provider on 127.0.0.1 for tests: ``oidc-provider-mock`` run as its own
process (its code, not ours, decides about tokens, signatures and nonces; a separate process
also keeps its library warnings out of this test run's ``filterwarnings = error``)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from tests.smtp_sink import free_port


@contextmanager
def oidc_provider(users: Mapping[str, Mapping[str, Any]]) -> Iterator[str]:
    """Start the provider with predefined users ``{sub: claims}``; yields its issuer URL."""
    port = free_port()
    args = [sys.executable, "-m", "oidc_provider_mock", "--port", str(port)]
    for sub, claims in users.items():
        args += ["--user-claims", json.dumps({"sub": sub, **claims})]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"oidc-provider-mock did not start: {err[-2000:]}")
            time.sleep(0.1)
        yield issuer
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()

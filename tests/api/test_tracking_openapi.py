from __future__ import annotations

from typing import Any


def test_tracking_endpoints_are_documented(client: Any) -> None:
    doc = client.get("/api/v1/openapi.json").json
    paths = doc["paths"]
    expected = {
        ("/api/v1/shares", "post"),
        ("/api/v1/me/shares", "get"),
        ("/api/v1/shares/{share_id}/engagement", "post"),
        ("/api/v1/me/snapshots", "post"),
        ("/api/v1/me/snapshots", "get"),
        ("/api/v1/mentions", "post"),
        ("/api/v1/mentions", "get"),
        ("/api/v1/mentions/{mention_id}/resolve", "post"),
        ("/api/v1/conversions", "post"),
        ("/api/v1/conversions", "get"),
        ("/api/v1/integrations", "post"),
        ("/api/v1/integrations/{integration_id}/rotate-secret", "post"),
        ("/api/v1/webhooks", "post"),
        ("/api/v1/webhooks/{webhook_id}", "delete"),
        ("/api/v1/webhooks/{webhook_id}/deliveries", "get"),
    }
    missing = {(p, m) for p, m in expected if m not in paths.get(p, {})}
    assert missing == set()
    conversion = paths["/api/v1/conversions"]["post"]
    assert conversion["security"] == [{"hmacSignature": []}]
    assert "requestBody" in conversion  # documented although parsed after the signature check
    assert {"401", "404", "409", "422"} <= set(conversion["responses"])

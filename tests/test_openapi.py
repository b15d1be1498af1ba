from __future__ import annotations

import re
from typing import Any

from flask import Flask

API_PREFIX = "/api/v1"
METHODS = {"get", "post", "put", "patch", "delete"}


def flask_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_every_api_route_is_documented(app: Flask, client: Any) -> None:
    spec = client.get(f"{API_PREFIX}/openapi.json").json
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API_PREFIX) or rule.endpoint.startswith("docs."):
            continue
        path = flask_to_openapi(rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            if method.lower() not in spec["paths"].get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == []


def test_document_structure_is_openapi_3_1(client: Any) -> None:
    spec = client.get(f"{API_PREFIX}/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["title"] and spec["info"]["version"]
    schemas = spec["components"]["schemas"]
    schemes = spec["components"]["securitySchemes"]
    seen_ids: set[str] = set()
    refs: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for path, item in spec["paths"].items():
        assert path.startswith("/")
        declared = set(re.findall(r"{(\w+)}", path))
        for method, op in item.items():
            assert method in METHODS
            assert op["operationId"] not in seen_ids
            seen_ids.add(op["operationId"])
            assert op["responses"], f"{method} {path} has no responses"
            for status, response in op["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", status)
                assert response["description"]
            params = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert params == declared, f"{method} {path}"
            for requirement in op.get("security", []):
                assert set(requirement) <= set(schemes)
            if "x-roles" in op and op["x-roles"] != ["employee", "content", "admin"]:
                assert "403" in op["responses"]
    collect(spec)
    for ref in refs:
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in schemas, ref


def test_articles_are_documented_with_roles(client: Any) -> None:
    spec = client.get(f"{API_PREFIX}/openapi.json").json
    create = spec["paths"]["/api/v1/articles"]["post"]
    assert create["x-roles"] == ["content", "admin"]
    assert {"201", "401", "403", "409", "422"} <= set(create["responses"])
    assert "ArticleCreate" in spec["components"]["schemas"]
    listing = spec["paths"]["/api/v1/articles"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"status", "language", "campaign", "tag", "q", "expiring_within_days"} <= names


def test_docs_page_renders(client: Any) -> None:
    resp = client.get(f"{API_PREFIX}/docs")
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    html = resp.get_data(as_text=True)
    assert "Herald API reference" in html
    assert "/api/v1/articles/import" in html
    assert "<script" not in html

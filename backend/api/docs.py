"""The OpenAPI 3.1 document and a self-contained rendered reference (no CDN)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template_string

from backend.openapi import build_openapi

bp = Blueprint("docs", __name__)

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Herald API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
  color:#1d2330}
h1{font-size:1.6rem} h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd}
.op{margin:.6rem 0;padding:.5rem .8rem;border:1px solid #e3e6ee;border-radius:6px}
.m{display:inline-block;min-width:4.2rem;font-weight:700;font-family:monospace}
.GET{color:#0a6}.POST{color:#06c}.PATCH{color:#a60}.DELETE{color:#c22}.PUT{color:#a0a}
code{background:#f3f4f8;padding:0 .25rem;border-radius:3px} .roles{color:#666;font-size:.85rem}
details pre{background:#f7f8fb;padding:.6rem;overflow:auto;font-size:.8rem}
</style></head><body>
<h1>Herald API reference</h1>
<p>Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI {{ spec.openapi }}).
Authenticate with <code>Authorization: Bearer &lt;token&gt;</code>. Errors always have the shape
<code>{"error": {"code", "message", "details"}}</code>.</p>
{% for tag, ops in groups %}<h2>{{ tag }}</h2>
{% for path, method, op in ops %}<div class="op">
<span class="m {{ method|upper }}">{{ method|upper }}</span>
<code>{{ path }}</code> — {{ op.summary }}
{% if op.get('x-roles') %}<div class="roles">roles: {{ op['x-roles']|join(', ') }}</div>{% endif %}
<details><summary>responses: {{ op.responses.keys()|join(', ') }}</summary>
{% if op.requestBody %}
<pre>body: {{ op.requestBody.content['application/json'].schema }}</pre>
{% endif %}
</details></div>{% endfor %}{% endfor %}
</body></html>"""


@bp.get("/openapi.json")
def openapi_json() -> Response:
    """The OpenAPI 3.1 document of every endpoint."""
    return jsonify(build_openapi())


@bp.get("/docs")
def docs_page() -> Response:
    """Rendered API reference."""
    spec = build_openapi()
    groups: dict[str, list[tuple[str, str, dict[str, object]]]] = {}
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            groups.setdefault(op["tags"][0], []).append((path, method, op))
    resp = Response(render_template_string(_PAGE, spec=spec, groups=sorted(groups.items())))
    resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return resp

"""A plain, server-rendered reference of the OpenAPI schema.

drf-spectacular's Swagger UI and ReDoc pages load their code from a CDN,
which government CSPs forbid (and this project vendors everything). This page
renders the same generated schema as ordinary accessible HTML instead.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(schema: dict | None) -> str:
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return f"list of {_ref_name(schema.get('items')) or schema['items'].get('type', '')}"
    return schema.get("type", "object")


def _body(content: dict | None) -> str:
    if not content:
        return ""
    first = next(iter(content.values()))
    return _ref_name(first.get("schema"))


def _operations(schema: dict) -> list[dict]:
    ops = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not op:
                continue
            ops.append(
                {
                    "id": op.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": _ref_name(p.get("schema")),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "request": _body((op.get("requestBody") or {}).get("content")),
                    "responses": [
                        {
                            "code": code,
                            "description": r.get("description", ""),
                            "body": _body(r.get("content")),
                        }
                        for code, r in op.get("responses", {}).items()
                    ],
                }
            )
    return ops


def _components(schema: dict) -> list[dict]:
    out = []
    for name, comp in sorted(schema.get("components", {}).get("schemas", {}).items()):
        required = set(comp.get("required", []))
        out.append(
            {
                "name": name,
                "enum": comp.get("enum"),
                "description": comp.get("description", ""),
                "fields": [
                    {
                        "name": field,
                        "type": _ref_name(spec) or "object",
                        "required": field in required,
                        "nullable": spec.get("nullable", False),
                        "read_only": spec.get("readOnly", False),
                        "description": spec.get("description", ""),
                    }
                    for field, spec in comp.get("properties", {}).items()
                ],
            }
        )
    return out


@login_required
def api_docs(request: HttpRequest) -> HttpResponse:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return render(
        request,
        "api/docs.html",
        {
            "info": schema.get("info", {}),
            "operations": _operations(schema),
            "components": _components(schema),
        },
    )

"""The OpenAPI document, built from the routes as registered (security as the route decorator enforces it)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from server.api import PREFIX, ROUTES, blueprint, route

bp = blueprint("openapi")


@route(bp, "/openapi.json", "GET", "This document")
def openapi() -> Response:
    return jsonify(openapi_document())


def openapi_document() -> dict[str, Any]:
    components: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
        }
    }
    paths: dict[str, Any] = {}
    for r in ROUTES:
        path = r.path.replace("<int:", "<").replace("<", "{").replace(">", "}")
        op_id = path.strip("/").replace("/", "_").replace("{", "").replace("}", "").replace("-", "_")
        op: dict[str, Any] = {
            "summary": r.summary,
            "operationId": f"{r.method}_{op_id}",
            "responses": {
                str(r.status): {"description": "OK"},
                "default": {
                    "description": "Error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
        }
        params = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
        if params:
            op["parameters"] = [
                {"name": p, "in": "path", "required": True, "schema": {"type": "integer" if p == "n" else "string"}}
                for p in params
            ]
        if r.body is not None:
            schema = r.body.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in schema.pop("$defs", {}).items():
                components[name] = sub
            components[r.body.__name__] = schema
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{r.body.__name__}"}}},
            }
        if r.role is not None:
            op["security"] = [{"bearer": []}]
            where = " signed in at window {n}" if "{n}" in path else ""
            op["description"] = f"Needs a bearer token of role {r.role} or above{where}."
        else:
            op["security"] = []
        paths.setdefault(PREFIX + path, {})[r.method] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "HallQ API", "version": "1", "description": "Queue calling for a government service hall."},
        "paths": paths,
        "components": {"schemas": components, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }

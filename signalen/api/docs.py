"""The OpenAPI description turned into plain lists for the readable docs page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Property:
    name: str
    type: str
    required: bool
    description: str = ""


@dataclass
class Response:
    status: str
    description: str
    content_type: str = ""
    schema: str = ""


@dataclass
class Operation:
    method: str
    path: str
    anchor: str
    summary: str
    description: str
    parameters: list[Property] = field(default_factory=list)
    body: str = ""
    responses: list[Response] = field(default_factory=list)


def type_text(schema: dict[str, Any] | None) -> str:
    """A short readable type: ``string``, ``integer | null``, ``lijst van Signal``, …"""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "object")
    kinds = kind if isinstance(kind, list) else [kind]
    texts = []
    for item in kinds:
        if item == "array":
            texts.append("lijst van " + (type_text(schema.get("items")) or "waarden"))
        elif item == "null":
            texts.append("null")
        else:
            text = item
            if schema.get("format"):
                text += f" ({schema['format']})"
            texts.append(text)
    result = " | ".join(texts)
    if schema.get("enum"):
        result += ": " + ", ".join(str(v) for v in schema["enum"] if v is not None)
    return result


def _schema_of(content: dict[str, Any]) -> tuple[str, str]:
    for content_type, media in content.items():
        return content_type, type_text(media.get("schema"))
    return "", ""


def _resolve(spec: dict, item: dict) -> dict:
    ref = item.get("$ref")
    if not ref:
        return item
    node: Any = spec
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def operations(spec: dict) -> list[Operation]:
    found = []
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            operation = Operation(
                method=method.upper(),
                path=path,
                anchor=f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
                summary=op.get("summary", ""),
                description=op.get("description", ""),
            )
            for parameter in op.get("parameters", []):
                parameter = _resolve(spec, parameter)
                operation.parameters.append(
                    Property(
                        name=f"{parameter['name']} ({parameter['in']})",
                        type=type_text(parameter.get("schema")),
                        required=bool(parameter.get("required")),
                        description=parameter.get("description", ""),
                    )
                )
            if "requestBody" in op:
                operation.body = _schema_of(op["requestBody"].get("content", {}))[1]
            for status, response in op.get("responses", {}).items():
                response = _resolve(spec, response)
                content_type, schema = _schema_of(response.get("content", {}))
                operation.responses.append(
                    Response(status, response.get("description", ""), content_type, schema)
                )
            operation.responses.sort(key=lambda r: (r.status == "default", r.status))
            found.append(operation)
    return found


def schemas(spec: dict) -> list[tuple[str, list[Property]]]:
    result = []
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        required = set(schema.get("required", []))
        properties = [
            Property(key, type_text(value), key in required, value.get("description", ""))
            for key, value in schema.get("properties", {}).items()
        ]
        result.append((name, properties))
    return result

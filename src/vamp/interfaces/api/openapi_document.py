"""The OpenAPI document at ``/openapi.json``: every route, its bodies, and every status it can answer.

FastAPI's own document knows only the routes' parameters: our routes render their answers themselves
(JSON or YAML, ``negotiation.render``) and read their bodies as DSL text, so it would declare every
answer ``{}`` and a 422 that never happens. ``document`` starts from FastAPI's and completes it:

* each operation's answers, from ``ANSWERS`` (by route name): the success statuses with the schemas of
  ``schemas.py``, then every refusal the route can give — 400 (a bad parameter, ``Accept`` or body; a
  DSL error with its ``issues``), 401 (no valid token), 403 (the token may not), 404 (no such artifact,
  kind or environment), 409 (a conflict), 413 (a body over the limit) — each with the ``Error`` schema,
  in JSON and YAML alike;
* request bodies as any JSON object or YAML text, with examples from vamp.md;
* the namespaced routes: every path of ``routes.api_router`` also as ``/{namespace}/api/v1/...``, with
  the ``namespace`` parameter described (``<organisation>-<environment>``).

Answers whose shape varies legitimately are permissive (``schemas.py`` says how and why); a route's
answers are documented even where a client rarely meets them (a 409 on a write), because a client
generated from the document must be able to read them.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from vamp.interfaces.api import monitoring, namespaces, negotiation, schemas
from vamp.interfaces.api.routes import artifacts, releases, workflows
from vamp.interfaces.api.schemas import Schema, array, one_or_many, ref

PREFIX = "/api/v1"
SERVER_ROUTES = ("/healthz", "/api/v1/organisations", "/api/v1/tokens")
"""Paths (and their sub-paths) that belong to the server, not a namespace: never namespaced."""

REFUSALS = {
    400: "Refused: a bad parameter, `Accept`, namespace or body (a DSL error lists its `issues`).",
    401: "No token, or one that is unknown, revoked or expired.",
    403: "The token's role or scope does not allow this here; the message says which token would.",
    404: "No such artifact, kind, path or environment; the message says what exists.",
    409: "A conflict with what is stored; the message names it.",
    413: "The body is larger than the server accepts.",
}

EXAMPLES: dict[str, Any] = {
    "breed": {
        "summary": "A breed (vamp.md §1.3)",
        "value": {
            "name": "sava:1.0.0",
            "deployable": "magneticio/sava:1.0.0",
            "ports": {"webport": "8080/http"},
        },
    },
    "blueprint": {
        "summary": "A blueprint (vamp.md §1.4)",
        "value": {
            "name": "sava:1.0",
            "gateways": {"9050/http": "sava/webport"},
            "clusters": {
                "sava": {
                    "services": [
                        {"breed": "sava:1.0.0", "scale": {"cpu": 0.2, "memory": "256MB", "instances": 1}}
                    ]
                }
            },
        },
    },
    "gateway": {
        "summary": "A gateway: a canary by condition and an external target (vamp.md §1.9)",
        "value": {
            "name": "sava",
            "port": "9070/http",
            "sticky": "route",
            "routes": {
                "sava:1.0/sava/webport": {
                    "weight": "90%",
                    "condition": "user-agent == Firefox",
                    "condition_strength": "100%",
                },
                "[192.168.99.100:5050]": {"weight": "10%"},
            },
        },
    },
    "event": {
        "summary": "An event (vamp.md §1.16)",
        "value": {"tags": ["deployments:sava", "synchronization:deployed"], "value": "ok", "type": "event"},
    },
}
"""Request body examples, by what they show."""

_YAML_EXAMPLE = "name: sava:1.0.0\ndeployable: magneticio/sava:1.0.0\nports:\n  webport: 8080/http\n"


def _body(*examples: str, required: bool = True) -> Schema:
    """A DSL body; ``required``: the route refuses an empty one (else ``null`` is no documents)."""
    empty = [] if required else ["null"]
    return {
        "required": required,
        "description": "JSON or YAML (one document or several, `---`-separated); the DSL reads it.",
        "content": {
            negotiation.JSON: {
                "schema": {"type": ["object", "array", *empty]},
                "examples": {name: EXAMPLES[name] for name in examples},
            },
            negotiation.YAML: {"schema": {"type": ["string", *empty]}, "example": _YAML_EXAMPLE},
        },
    }


def _fields(*names: str, optional: tuple[str, ...] = ()) -> Schema:
    """A body of a few named fields (organisations, environments, tokens)."""
    fields = {name: {"type": "string"} for name in (*names, *optional)}
    return {
        "required": True,
        "content": {
            negotiation.JSON: {"schema": {"type": "object", "properties": fields, "required": list(names)}},
            negotiation.YAML: {"schema": {"type": "string"}},
        },
    }


@dataclass(frozen=True, slots=True)
class Answers:
    """What one route answers: success statuses with their schemas (``None``: no body), its refusals, and
    the body it reads."""

    success: dict[int, Schema | None]
    refusals: tuple[int, ...] = (400, 401, 403, 404)
    body: Schema | None = None
    media: tuple[str, ...] = (negotiation.JSON, negotiation.YAML)
    descriptions: dict[int, str] = field(default_factory=dict)


_READ = (400, 401, 403, 404)
_WRITE = (400, 401, 403, 404, 409, 413)
_ARTIFACT = ref("Artifact")
_ARTIFACTS = array(_ARTIFACT)
_GATEWAY = ref("Gateway")
_NUMBER: Schema = {"type": "number", "description": "A share, from 0 to 1."}
_SHARE_OR_NULL: Schema = {
    "type": ["number", "null"],
    "description": "A share, from 0 to 1; null when nothing was measured and ?unmeasured=null asked so.",
}
_METRIC: Schema = {"description": "A metric's value (a number, or counts by status code), or all of them."}

ANSWERS: dict[str, Answers] = {
    "healthz": Answers(
        {200: ref("Health"), 503: ref("Health")},
        (),
        media=(negotiation.JSON,),
        descriptions={503: "The store does not answer."},
    ),
    "list_organisations": Answers({200: array(ref("Organisation"))}, (400, 401)),
    "create_organisation": Answers({201: ref("Organisation")}, _WRITE, _fields("name")),
    "read_organisation": Answers({200: ref("Organisation")}),
    "delete_organisation": Answers({204: None}, (400, 401, 403, 404, 409)),
    "list_environments": Answers({200: array(ref("Environment"))}),
    "create_environment": Answers({201: ref("Environment")}, _WRITE, _fields("name")),
    "read_environment": Answers({200: ref("Environment")}),
    "delete_environment": Answers({204: None}, (400, 401, 403, 404, 409)),
    "list_tokens": Answers({200: array(ref("Token"))}, (400, 401, 403)),
    "create_token": Answers(
        {201: ref("Token")}, _WRITE, _fields("name", "role", "scope", optional=("expires",))
    ),
    "own_token": Answers({200: ref("Token")}, (400, 401)),
    "metrics": Answers(
        {200: {"type": "string", "description": "Prometheus' text exposition format."}},
        (400, 401),
        media=(monitoring.CONTENT_TYPE,),
    ),
    "revoke_token": Answers({204: None}, _READ),
    "read_info": Answers(
        {200: ref("Info"), 500: ref("Info")}, descriptions={500: "A part of the server is failing."}
    ),
    "preview_routing": Answers({200: array(ref("RoutingPreview"))}),
    "read_config": Answers({200: {"type": "object", "description": "`vamp.*` keys, nested or flat."}}),
    "read_config_key": Answers({200: {"description": "The key's value, or the keys under it."}}),
    "routing_plan": Answers(
        {200: ref("RoutingPlan"), 304: None},
        media=(negotiation.JSON,),
        descriptions={304: "The plan did not change within `wait`."},
    ),
    "query_events": Answers(
        {200: {"anyOf": [array(ref("Event")), ref("Aggregate")]}},
        (400, 401, 403, 404, 413),
        _body("event", required=False),
    ),
    "publish_event": Answers({201: ref("Event")}, _WRITE, _body("event")),
    "stream_events": Answers({200: {"type": "string"}}, media=("text/event-stream",)),
    "gateway_metrics": Answers({200: _METRIC}),
    "cluster_metrics": Answers({200: _METRIC}),
    "service_metrics": Answers({200: _METRIC}),
    "gateway_health": Answers({200: _SHARE_OR_NULL}),
    "deployment_health": Answers({200: _SHARE_OR_NULL}),
    "cluster_health": Answers({200: _SHARE_OR_NULL}),
    "service_health": Answers({200: _SHARE_OR_NULL}),
    "instance_health": Answers({200: _NUMBER}),
    "list_gateways": Answers({200: array(_GATEWAY)}),
    "create_gateways": Answers({202: one_or_many(_ARTIFACT)}, _WRITE, _body("gateway")),
    "update_gateways": Answers({202: _ARTIFACTS}, _WRITE, _body("gateway", required=False)),
    "delete_gateways": Answers({202: _ARTIFACTS}, _WRITE, _body("gateway", required=False)),
    "read_gateway": Answers({200: _GATEWAY}),
    "update_gateway": Answers({202: _GATEWAY}, _WRITE, _body("gateway")),
    "delete_gateway": Answers({202: None}, (400, 401, 403, 404, 409)),
    "list_deployments": Answers({200: _ARTIFACTS}),
    "deploy": Answers({202: _ARTIFACTS}, _WRITE, _body("blueprint")),
    "deploy_all": Answers({202: _ARTIFACTS}, _WRITE, _body("blueprint", required=False)),
    "slice_all": Answers({202: _ARTIFACTS}, _WRITE, _body("blueprint", required=False)),
    "read_deployment": Answers({200: _ARTIFACT}),
    "merge": Answers({202: _ARTIFACTS}, _WRITE, _body("blueprint")),
    "slice": Answers({202: _ARTIFACTS}, _WRITE, _body("blueprint", required=False)),
    "read_scale": Answers({200: ref("Scale")}),
    "update_scale": Answers({202: ref("Scale")}, _WRITE, _body()),
    "read_sla": Answers({200: {"anyOf": [ref("Sla"), ref("Reference")]}}),
    "create_sla": Answers({202: ref("Sla")}, _WRITE, _body()),
    "update_sla": Answers({202: ref("Sla")}, _WRITE, _body()),
    "delete_sla": Answers({204: None}, (400, 401, 403, 404, 409)),
    "create_all": Answers({202: _ARTIFACTS}, _WRITE, _body("breed", "blueprint", "gateway", required=False)),
    "update_all": Answers({202: _ARTIFACTS}, _WRITE, _body("breed", "blueprint", "gateway", required=False)),
    "delete_all": Answers({202: _ARTIFACTS}, _WRITE, _body("breed", "blueprint", "gateway", required=False)),
    "list_releases": Answers({200: array(ref("Release"))}),
    "read_release": Answers({200: ref("Release")}),
    "read_release_status": Answers({200: ref("ReleaseStatus")}),
    "set_release_status": Answers(
        {202: ref("Release")},
        _WRITE,
        releases.BODY["requestBody"],
        media=(negotiation.JSON, negotiation.YAML),
        descriptions={202: "The release, the request recorded in its status as `requested`."},
    ),
    "read_workflow_status": Answers({200: ref("WorkflowStatus")}),
    "set_workflow_status": Answers(
        {202: ref("Workflow")},
        _WRITE,
        workflows.STATUS_BODY["requestBody"],
        descriptions={202: "The workflow with its new status; the workflow controller acts on it."},
    ),
    "read_workflow_executions": Answers(
        {200: array(ref("Execution")), 503: ref("Error")},
        descriptions={
            200: "The workflow's last executions (and last failed ones), newest first.",
            503: "This server runs no workflows.",
        },
    ),
    "list_artifacts": Answers({200: _ARTIFACTS}),
    "create_artifacts": Answers(
        {201: one_or_many(_ARTIFACT), 202: one_or_many(_ARTIFACT)},
        _WRITE,
        _body("breed", "blueprint"),
        descriptions={202: "Several documents, or a workflow (a background kind)."},
    ),
    "update_artifacts": Answers({202: _ARTIFACTS}, _WRITE, _body("breed", "blueprint", required=False)),
    "delete_artifacts": Answers({202: _ARTIFACTS}, _WRITE, _body("breed", "blueprint", required=False)),
    "read_artifact": Answers({200: _ARTIFACT}),
    "update_artifact": Answers(
        {200: one_or_many(_ARTIFACT), 202: one_or_many(_ARTIFACT)},
        _WRITE,
        _body("breed", "blueprint"),
        descriptions={202: "A workflow (a background kind)."},
    ),
    "delete_artifact": Answers(
        {204: None, 202: _ARTIFACTS},
        (400, 401, 403, 404, 409),
        descriptions={202: "A workflow: stopped (status `stopping`), deleted when its runs are gone."},
    ),
}
"""What each route answers, by route name."""

_STATUS_TEXT = {200: "OK", 201: "Created", 202: "Accepted", 204: "No content", 304: "Not modified"}

NAMESPACE_PARAMETER: Schema = {
    "name": namespaces.PARAMETER,
    "in": "path",
    "required": True,
    "description": (
        "The namespace, `<organisation>-<environment>` (lower-case letters and digits each, one dash); "
        "plain `/api/v1/...` is the server's default namespace. It must be an environment the token covers."
    ),
    "schema": {"type": "string", "pattern": namespaces.PATTERN.pattern},
    "example": "acme-prod",
}


def _content(schema: Schema | None, media: Iterable[str]) -> Schema:
    return {name: {"schema": schema if schema is not None else {}} for name in media}


def _responses(answers: Answers) -> Schema:
    found: Schema = {}
    for status, schema in sorted(answers.success.items()):
        text = answers.descriptions.get(status, _STATUS_TEXT.get(status, "OK"))
        found[str(status)] = {"description": text}
        if schema is not None:
            found[str(status)]["content"] = _content(schema, answers.media)
    for status in answers.refusals:
        found[str(status)] = {
            "description": REFUSALS[status],
            "content": _content(ref("Error"), (negotiation.JSON, negotiation.YAML)),
        }
    return found


PARAMETERS: dict[str, Schema] = {
    "kind": {
        "description": "An artifact kind (gateways and deployments have routes of their own).",
        "schema": {"type": "string", "enum": list(artifacts.STORED_KINDS)},
    },
}
"""Path parameters described further than their routes' signatures do, by name."""


def _parameters(operation: Schema) -> None:
    for parameter in operation.get("parameters", []):
        extra = PARAMETERS.get(parameter.get("name", ""))
        if extra is not None and parameter.get("in") == "path":
            parameter.update(copy.deepcopy(extra))


def _route_name(path: str, method: str, operation: Schema) -> str:
    """The name of the route behind an operation: FastAPI's ids are ``<name><path>_<method>``, with every
    character that is not a word character made ``_``."""
    operation_id = str(operation.get("operationId", ""))
    return next(
        (name for name in ANSWERS if re.sub(r"\W", "_", f"{name}{path}") + f"_{method}" == operation_id),
        "",
    )


def _namespaced(path: str) -> bool:
    return path.startswith(PREFIX) and not any(path.startswith(server) for server in SERVER_ROUTES)


def complete(document: Schema) -> Schema:
    """``document`` (FastAPI's) with the answers, bodies, schemas and namespaced paths of this module."""
    paths: dict[str, Schema] = document.get("paths", {})
    for path, operations in paths.items():
        for method, operation in operations.items():
            answers = ANSWERS.get(_route_name(path, method, operation))
            if answers is None:
                continue
            operation["responses"] = _responses(answers)
            _parameters(operation)
            if answers.body is not None:
                operation["requestBody"] = answers.body
            else:
                operation.pop("requestBody", None)
    namespaced: dict[str, Schema] = {}
    for path, operations in paths.items():
        if not _namespaced(path):
            continue
        copied = copy.deepcopy(operations)
        for operation in copied.values():
            operation["operationId"] = f"{operation.get('operationId', '')}_in_namespace"
            operation["parameters"] = [NAMESPACE_PARAMETER, *operation.get("parameters", [])]
        namespaced[namespaces.PREFIX + path] = copied
    paths.update(namespaced)
    components = document.setdefault("components", {})
    components.setdefault("schemas", {}).update(copy.deepcopy(schemas.COMPONENTS))
    for unused in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(unused, None)
    return document


def install(app: FastAPI) -> None:
    """Serve this module's document at ``/openapi.json`` (built once, on the first request)."""
    built: list[Schema] = []

    def openapi() -> Schema:
        if not built:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                tags=app.openapi_tags,
                servers=app.servers,
            )
            built.append(complete(document))
        return built[0]

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to replace it

"""The JSON Schemas of the OpenAPI document: each artifact kind as the API shows it, errors, and the rest.

The artifact schemas describe the representation (``representation.py``: the DSL's canonical data plus
Vamp's output-only fields), not the pydantic models of ``vamp.core.model``: those hold the parsed model
(ports as objects, weights as numbers, references resolved), while the API writes Vamp's DSL (ports as
``"8080/http"``, weights as ``"50%"``, references as names), so a schema generated from the models
would reject every answer. They are hand-written here instead, next to the routes.

What is left permissive, and why:

* no schema forbids extra properties: the DSL accepts fields it ignores, and Vamp's representation gains
  output-only fields over time (another slice makes every always-present field explicit);
* every optional field allows ``null``: Vamp writes an unset field as ``null`` rather than leaving it out;
* nested parts whose shape the DSL lets vary (a deployable as a string or ``{type, definition}``, a
  scale as a reference or inline, routes as a map or a list, ports as a string or a number) are typed
  only as loosely as those forms require;
* request bodies are any JSON object or YAML text: the DSL, not the schema, reads them, and answers
  a bad one with 400 and its ``issues`` (document, path, line, column), which a schema could not give.

Only ``name`` (and ``kind`` where the API always writes it) is required of an artifact.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

REF = "#/components/schemas/"


def ref(name: str) -> Schema:
    """A reference to the component schema ``name``."""
    return {"$ref": REF + name}


def _nullable(*types: str) -> Schema:
    return {"type": [*types, "null"]}


_TEXT = _nullable("string")
_MAP = _nullable("object")
_LIST = _nullable("array")
_PORT = _nullable("string", "integer")
_ANY: Schema = {}


def _object(description: str, properties: dict[str, Schema], required: tuple[str, ...] = ()) -> Schema:
    schema: Schema = {"type": "object", "description": description, "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def _artifact(kind: str, description: str, properties: dict[str, Schema], *, named: bool = True) -> Schema:
    """An artifact of ``kind``; ``named``: it always has a name (an inline scale or SLA need not)."""
    return _object(
        description,
        {
            "name": {"type": "string"} if named else _TEXT,
            "kind": {"type": "string", "enum": [kind]},
            "metadata": _MAP,
            **properties,
        },
        ("name",) if named else (),
    )


_ROUTE_PROPERTIES: dict[str, Schema] = {
    "lookup_name": _TEXT,
    "weight": _nullable("string", "number"),
    "balance": _TEXT,
    "condition": _nullable("object", "string"),
    "condition_strength": _nullable("string", "number"),
    "rewrites": _LIST,
    "selector": _TEXT,
    "targets": {"type": ["array", "null"], "items": {"type": "object"}},
    "note": _TEXT,
    "reference": _TEXT,
}

ARTIFACTS: dict[str, Schema] = {
    "Breed": _artifact(
        "breeds",
        "A deployable service version (vamp.md §1.3).",
        {
            "deployable": _nullable("string", "object"),
            "ports": _MAP,
            "environment_variables": _MAP,
            "constants": _MAP,
            "arguments": _nullable("array", "object"),
            "dependencies": _MAP,
            "health_checks": _LIST,
        },
    ),
    "Blueprint": _artifact(
        "blueprints",
        "Clusters of services and their gateways (vamp.md §1.4).",
        {
            "gateways": _MAP,
            "clusters": _MAP,
            "environment_variables": _MAP,
            "dialects": _MAP,
        },
    ),
    "Scale": _artifact(
        "scales",
        "CPU, memory and instances of a service (vamp.md §1.5).",
        {"cpu": _nullable("number", "string"), "memory": _TEXT, "instances": _nullable("integer", "string")},
        named=False,
    ),
    "Deployment": _artifact(
        "deployments",
        "Deployed clusters of services, their status and instances (vamp.md §1.6).",
        {
            "lookup_name": _TEXT,
            "clusters": _MAP,
            "gateways": _MAP,
            "ports": _MAP,
            "environment_variables": _MAP,
            "hosts": _MAP,
            "dialects": _MAP,
        },
    ),
    "Gateway": _artifact(
        "gateways",
        "A gateway: a port and its weighted, conditional routes (vamp.md §1.9, §2.4).",
        {
            "lookup_name": _TEXT,
            "internal": _nullable("boolean"),
            "deployed": _nullable("boolean"),
            "refused": _TEXT,
            "service": {
                "type": ["object", "null"],
                "properties": {"host": {"type": "string"}, "port": _PORT},
            },
            "port": _PORT,
            "sticky": _TEXT,
            "virtual_hosts": _nullable("array", "string"),
            "selector": _TEXT,
            "routes": _nullable("object", "array", "string"),
        },
    ),
    "Route": _artifact("routes", "A stored route (vamp.md §1.9).", _ROUTE_PROPERTIES),
    "Condition": _artifact(
        "conditions", "A stored condition (vamp.md §1.11).", {"condition": _TEXT, "note": _TEXT}
    ),
    "Rewrite": _artifact("rewrites", "A stored path rewrite (vamp.md §1.9).", {"path": _TEXT}),
    "Sla": _artifact(
        "slas",
        "A service level agreement and its escalations (vamp.md §1.13).",
        {"type": _TEXT, "parameters": _MAP, "escalations": _LIST},
        named=False,
    ),
    "Escalation": _artifact(
        "escalations",
        "What an SLA does when broken (vamp.md §1.14).",
        {"type": _TEXT, "parameters": _MAP, "escalations": _LIST},
    ),
    "Template": _artifact("templates", "A reusable DSL fragment.", {}),
    "Workflow": _artifact(
        "workflows",
        "A scheduled script (vamp.md §1.15).",
        {
            "breed": _nullable("string", "object"),
            "schedule": _nullable("string", "object"),
            "status": _TEXT,
            "scale": _nullable("string", "object"),
            "environment_variables": _MAP,
            "arguments": _nullable("array", "object"),
            "network": _TEXT,
            "health_checks": _LIST,
            "dialects": _MAP,
        },
    ),
    "Release": _artifact(
        "releases",
        "A release policy (issue 11): from one route of a gateway to another, by canary, blue-green or ab; "
        "shown with its `status` (`ReleaseStatus`).",
        {
            "gateway": _TEXT,
            "from": _TEXT,
            "to": _TEXT,
            "strategy": _TEXT,
            "steps": _LIST,
            "interval": _TEXT,
            "samples": _nullable("integer"),
            "timeout": _TEXT,
            "checks": _MAP,
            "confidence": _TEXT,
            "on_failure": _TEXT,
            "on_success": _TEXT,
            "undeploy": _nullable("boolean"),
            "preview": _TEXT,
            "rollback_window": _TEXT,
            "condition": _TEXT,
            "condition_strength": _TEXT,
            "webhooks": _LIST,
            "status": {"anyOf": [{"$ref": REF + "ReleaseStatus"}, {"type": "null"}]},
        },
    ),
}
"""The artifact kinds' schemas, by component name."""

KIND_SCHEMAS: dict[str, str] = {
    "breeds": "Breed",
    "blueprints": "Blueprint",
    "scales": "Scale",
    "deployments": "Deployment",
    "gateways": "Gateway",
    "routes": "Route",
    "conditions": "Condition",
    "rewrites": "Rewrite",
    "slas": "Sla",
    "escalations": "Escalation",
    "templates": "Template",
    "workflows": "Workflow",
    "releases": "Release",
}
"""Each artifact kind's component schema."""

OTHERS: dict[str, Schema] = {
    "Artifact": {
        "description": "An artifact of any kind (its `kind` says which).",
        "anyOf": [ref(name) for name in ARTIFACTS],
    },
    "Reference": _object("An artifact by name.", {"reference": {"type": "string"}}, ("reference",)),
    "Error": _object(
        "Why a request was refused. A DSL error also lists its `issues`, each with where it is.",
        {
            "message": {"type": "string"},
            "issues": {
                "type": "array",
                "items": _object(
                    "One problem in a document.",
                    {
                        "document": _nullable("integer"),
                        "path": _TEXT,
                        "line": _nullable("integer"),
                        "column": _nullable("integer"),
                        "message": {"type": "string"},
                    },
                    ("message",),
                ),
            },
        },
        ("message",),
    ),
    "Event": _object(
        "An event (vamp.md §1.16).",
        {
            "id": _nullable("string", "integer"),
            "tags": {"type": "array", "items": {"type": "string"}},
            "value": _ANY,
            "timestamp": _TEXT,
            "type": _TEXT,
            "version": _TEXT,
            "digest": _TEXT,
        },
        ("tags",),
    ),
    "ReleaseStatus": _object(
        "Where a release is, as its controller last wrote it, and the decisions it recorded (newest last).",
        {
            "phase": {
                "type": "string",
                "enum": [
                    "Pending",
                    "Progressing",
                    "Waiting",
                    "Paused",
                    "Promoted",
                    "RolledBack",
                    "Aborted",
                    "Failed",
                ],
            },
            "step": _nullable("integer"),
            "weights": {"type": "object", "additionalProperties": {"type": "string"}},
            "since": {"type": "string"},
            "reason": _TEXT,
            "requested": _TEXT,
            "policy_revision": _nullable("integer"),
            "started": _TEXT,
            "gateway": _TEXT,
            "baseline": _TEXT,
            "candidate": _TEXT,
            "decisions": {
                "type": "array",
                "items": _object(
                    "One decision: what the controller did, why, and the findings it judged by.",
                    {
                        "at": {"type": "string"},
                        "step": _nullable("integer"),
                        "action": {"type": "string"},
                        "reason": _TEXT,
                        "weights": _MAP,
                        "findings": {"type": "array", "items": {"type": "object"}},
                    },
                    ("at", "action"),
                ),
            },
            "dropped": {"type": "integer"},
        },
        ("phase", "since", "decisions"),
    ),
    "WorkflowStatus": {
        "type": "string",
        "description": "A workflow's status (vamp.md §7.1): the workflow controller schedules a `starting`, "
        "`running` or `restarting` workflow and unschedules a `suspending`, `suspended` or `stopping` one "
        "(and then deletes it).",
        "enum": ["starting", "running", "stopping", "suspended", "suspending", "restarting"],
    },
    "Execution": _object(
        "One run of a workflow, with the last lines it wrote.",
        {
            "id": {"type": "string"},
            "trigger": {"type": "string", "description": "`daemon`, `time`, or `event:<id>`."},
            "started": {"type": "string"},
            "finished": _TEXT,
            "status": {"type": "string", "enum": ["running", "succeeded", "failed", "timed_out", "stopped"]},
            "exit_code": _nullable("integer"),
            "reason": _TEXT,
            "output": {
                "type": "array",
                "items": _object(
                    "One line of output.",
                    {"stream": {"type": "string", "enum": ["stdout", "stderr"]}, "text": {"type": "string"}},
                    ("stream", "text"),
                ),
            },
        },
        ("id", "trigger", "started", "status", "output"),
    ),
    "Aggregate": _object("An aggregator's result over the events found.", {"value": _ANY}, ("value",)),
    "Health": _object(
        "Whether the server and its store answer.",
        {"status": {"type": "string", "enum": ["ok", "unavailable"]}, "message": {"type": "string"}},
        ("status",),
    ),
    "Info": _object(
        "The server's version, id, uptime and the state of its parts (`?on=` picks sections).",
        {"version": _TEXT, "uuid": _TEXT, "running_since": _TEXT, "message": _TEXT},
    ),
    "RoutingPreview": _object(
        "A route a gateway selector finds, and its targets.",
        {
            "route": {"type": "string"},
            "groups": {"type": "array"},
            "targets": {"type": "array", "items": {"type": "object"}},
        },
        ("route", "targets"),
    ),
    "RoutingPlan": _object(
        "The routing plan the gateway agents serve.",
        {"version": {"type": "string"}, "listeners": {"type": "array"}, "clusters": {"type": "array"}},
        ("version",),
    ),
    "Organisation": _object(
        "An organisation, and the environments the caller sees in it.",
        {"name": {"type": "string"}, "environments": {"type": "array", "items": {"type": "string"}}},
        ("name",),
    ),
    "Environment": _object(
        "An environment, the namespace `<organisation>-<environment>`.",
        {"name": {"type": "string"}, "organisation": _TEXT, "namespace": _TEXT},
        ("name",),
    ),
    "Token": _object(
        "An API token (its secret, `token`, only in the answer that creates it).",
        {
            "name": {"type": "string"},
            "role": {"type": "string"},
            "scope": {"type": "string"},
            "created": _TEXT,
            "expires": _TEXT,
            "last_used": _TEXT,
            "created_by": _TEXT,
            "token": {"type": "string"},
        },
        ("name", "role", "scope"),
    ),
}
"""The other schemas of the document, by component name."""

COMPONENTS: dict[str, Schema] = {**ARTIFACTS, **OTHERS}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def one_or_many(items: Schema) -> Schema:
    """One item as itself, several (or none) as an array: how a write answers (``bodies.reply``)."""
    return {"anyOf": [items, array(items)]}

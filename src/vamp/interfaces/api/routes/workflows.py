"""``/api/v1/workflows/{name}/status`` and ``/executions``: a workflow's status read and set, and its runs.

Workflows are stored, read and stopped by the generic routes of the stored kinds (``artifacts.py``; a
``DELETE`` stops the workflow); the routes here are matched before those. As in Vamp (vamp.md §2.2,
§7.1):

* ``GET /workflows/{name}/status`` answers the status word (``"running"``);
* ``PUT /workflows/{name}/status`` sets it — ``running``, ``suspended``, ``restarting``, ``stopping``
  (and ``starting``, ``suspending``) — from a body that is the word as plain text, a JSON string or
  ``{"status": word}``, and answers 202 with the workflow; the workflow controller acts on it;
* ``GET /workflows/{name}/executions`` answers its last runs, newest first, each with its output lines
  (``?failed=true``: only those that failed or timed out); 503 on a server that runs no workflows.

Reading needs the namespace's read permission, setting the status its write permission (their methods').
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from vamp import errors
from vamp.core.workflows import rules, runs
from vamp.interfaces.api import negotiation, representation
from vamp.interfaces.api.context import Wired
from vamp.interfaces.api.namespaces import Namespace
from vamp.interfaces.api.routes import bodies

router = APIRouter(tags=["workflows"], dependencies=[Depends(negotiation.check_accept)])

STATUS_BODY = {
    "requestBody": {
        "required": True,
        "description": f"The status: one of {', '.join(rules.STATUSES)}, as plain text, a JSON string or "
        '`{"status": ...}`.',
        "content": {
            "text/plain": {"schema": {"type": "string", "enum": list(rules.STATUSES)}},
            negotiation.JSON: {
                "schema": {"anyOf": [{"type": "string"}, {"type": "object"}]},
                "example": {"status": "suspended"},
            },
        },
    }
}


@router.get("/workflows/{name}/status", summary="Read a workflow's status")
async def read_workflow_status(
    request: Request, name: str, namespace: Namespace, services: Wired
) -> Response:
    status = await services.workflows.status(namespace, name)
    return negotiation.render(request, status.value)


@router.put(
    "/workflows/{name}/status",
    summary="Run, suspend, restart or stop a workflow",
    openapi_extra=STATUS_BODY,
)
async def set_workflow_status(
    request: Request, name: str, namespace: Namespace, services: Wired, validate_only: bool = False
) -> Response:
    word, shown_body = bodies.status_word(await request.body())
    if word is None:
        raise errors.RequestError(
            f"{rules.illegal_status(shown_body)} Send it in the body of PUT /api/v1/workflows/{name}/status "
            'as plain text, a JSON string or {"status": ...}.'
        )
    workflow = await services.workflows.set_status(namespace, name, word, validate_only=validate_only)
    return negotiation.render(request, representation.artifact(workflow), 202)


@router.get("/workflows/{name}/executions", summary="Read a workflow's last executions and their output")
async def read_workflow_executions(
    request: Request, name: str, namespace: Namespace, services: Wired, failed: bool = False
) -> Response:
    found = await services.workflows.executions(namespace, name, failed=failed)
    return negotiation.render(request, [execution_data(execution) for execution in found])


def execution_data(execution: runs.Execution) -> dict[str, Any]:
    """One execution as the API shows it: times in ISO-8601, output as ``[{stream, text}]``."""
    return {
        "id": execution.id,
        "trigger": execution.trigger,
        "started": execution.started.isoformat(),
        "finished": None if execution.finished is None else execution.finished.isoformat(),
        "status": execution.status.value,
        "exit_code": execution.exit_code,
        "reason": execution.reason,
        "output": [{"stream": line.stream, "text": line.text} for line in execution.output],
    }

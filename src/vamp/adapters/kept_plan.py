"""The last good routing plan a data plane keeps (``plan.json``), shared by Envoy's and HAProxy's.

A data plane keeps a plan only once its proxy reports it active, and starts from it after a restart of the
agent. ``write`` puts it in place in one rename (synced, the folder too), so a crash leaves the old plan
or the new one, never half of one; ``read`` gives it back, ``None`` when none was kept yet.
"""

from __future__ import annotations

import json
from pathlib import Path

from vamp import errors
from vamp.adapters import private_files
from vamp.core.routing import plan as routing_plan


def read(path: Path) -> routing_plan.RoutingPlan | None:
    """The plan kept at ``path``; ``None`` when there is none.

    Raises:
        errors.RoutingError: the file is not JSON, or not a plan.
    """
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise errors.RoutingError([f"The kept plan {path} is not JSON: {exc}."]) from exc
    return routing_plan.RoutingPlan.from_data(data)


def write(path: Path, plan: routing_plan.RoutingPlan) -> None:
    """Keep ``plan`` at ``path``, in one rename from a file beside it."""
    content = json.dumps(plan.to_data(), separators=(",", ":")).encode()
    private_files.write_atomically(path, content, path.parent)

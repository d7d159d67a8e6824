"""deploy/kubernetes's kustomize components, rendered by ``kubectl kustomize`` (no cluster needed): the
HAProxy component switches the gateway agents to ``--proxy haproxy`` and changes nothing else.

``tests/k8s/test_rbac.py`` applies the same kustomization, with and without the component, to a real API
server (a server-side dry run).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

DEPLOY = Path(__file__).parents[2] / "deploy" / "kubernetes"
AGENT = ("Deployment", "vamp-gateway-agent")

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")


def with_tokens(folder: Path, *components: str) -> Path:
    """A copy of deploy/kubernetes in ``folder`` with the token files README.md says to write, and
    ``components`` added to its kustomization as README.md says."""
    copy = folder / "kubernetes"
    shutil.copytree(DEPLOY, copy)
    for name in ("admin-token", "agent-token"):
        (copy / name).write_text(f"vamp_{name}\n")
    if components:
        kustomization = yaml.safe_load((copy / "kustomization.yaml").read_text())
        kustomization["components"] = list(components)
        (copy / "kustomization.yaml").write_text(yaml.safe_dump(kustomization))
    return copy


def rendered(folder: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """What ``kubectl kustomize`` makes of ``folder``, by kind and name."""
    built = subprocess.run(
        ["kubectl", "kustomize", str(folder)], capture_output=True, text=True, timeout=60, check=False
    )
    assert built.returncode == 0, built.stderr
    return {(doc["kind"], doc["metadata"]["name"]): doc for doc in yaml.safe_load_all(built.stdout) if doc}


def agent_container(objects: dict[tuple[str, str], dict[str, Any]]) -> dict[str, Any]:
    container: dict[str, Any] = objects[AGENT]["spec"]["template"]["spec"]["containers"][0]
    return container


def test_the_haproxy_component_runs_the_agents_with_proxy_haproxy_and_changes_nothing_else(tmp_path: Path):
    on_envoy = rendered(with_tokens(tmp_path / "envoy"))
    on_haproxy = rendered(with_tokens(tmp_path / "haproxy", "components/haproxy"))

    assert "--proxy" not in agent_container(on_envoy)["args"]  # Envoy, the agent's default
    assert agent_container(on_haproxy)["args"] == [*agent_container(on_envoy)["args"], "--proxy", "haproxy"]
    labels = on_haproxy[AGENT]["spec"]["template"]["metadata"]["labels"]
    assert labels == {**on_envoy[AGENT]["spec"]["template"]["metadata"]["labels"], "io.vamp/proxy": "haproxy"}
    # The Services still select the agents, and the Deployment's selector is unchanged.
    assert on_haproxy[AGENT]["spec"]["selector"] == on_envoy[AGENT]["spec"]["selector"]
    unchanged = {key: doc for key, doc in on_haproxy.items() if key != AGENT}
    assert unchanged == {key: doc for key, doc in on_envoy.items() if key != AGENT}

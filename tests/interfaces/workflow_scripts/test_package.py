"""vamp-node-client as the package ships it: a Node package without dependencies that ``require`` finds
through ``NODE_PATH=NODE_MODULES`` alone, whose every file the wheel carries, and whose failures a script
cannot miss. Against a real server it is tested in ``tests/e2e/test_node_client.py``.

The scripts here run the real ``node`` (``make`` installs it) with a deadline; a request goes to a port
that nothing listens on, so the refusal is the kernel's, not a fake's.
"""

from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.e2e.backends import free_port
from vamp.interfaces import workflow_scripts
from vamp.interfaces.workflow_scripts import CLIENT, NODE_MODULES

NODE_SECONDS = 30.0
ROOT = Path(__file__).resolve().parents[3]


def node(script: str, tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """``node`` running ``script`` with only ``NODE_PATH`` (and ``variables``) set, from an empty folder."""
    executable = shutil.which("node")
    if executable is None:
        pytest.fail("node is not installed: `make node` installs Debian's")
    return subprocess.run(
        (executable, "-e", script),
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "NODE_PATH": str(NODE_MODULES), **variables},
        capture_output=True,
        text=True,
        timeout=NODE_SECONDS,
        check=False,
    )


def test_node_modules_holds_the_client_as_a_package_without_dependencies() -> None:
    manifest = json.loads((CLIENT / "package.json").read_text())

    assert Path(workflow_scripts.__file__).parent / "node_modules" == NODE_MODULES
    assert manifest["name"] == "vamp-node-client" == CLIENT.name
    assert (CLIENT / manifest["main"]).is_file()
    assert not manifest.get("dependencies")


def test_require_finds_it_through_node_path_with_vamps_names(tmp_path: Path) -> None:
    ran = node(
        "const vamp = require('vamp-node-client');"
        "console.log(JSON.stringify(Object.keys(vamp).sort()));"
        "const api = new vamp.Api();"
        "console.log(api.url, api instanceof vamp.Api, vamp.Api() instanceof vamp.Api);",
        tmp_path,
        VAMP_URL="http://127.0.0.1:9999/",
        VAMP_NAMESPACE="acme-prod",
    )

    assert ran.returncode == 0, ran.stderr
    names, made = ran.stdout.splitlines()
    assert json.loads(names) == ["Api", "ElasticsearchMetrics", "Http", "Log", "Metrics", "Results"]
    assert made == "http://127.0.0.1:9999/acme-prod/api/v1 true true"


def test_highland_is_a_stand_in_for_what_vamps_scripts_did_with_it_and_says_what_it_lacks(
    tmp_path: Path,
) -> None:
    ran = node(
        "const _ = require('highland');"
        "_([1, 2, 3]).map((x) => x * 2).reduce1((a, b) => a + b).each((sum) => _.log('sum', sum));"
        "_(Promise.resolve([1, 2])).each((one) => _.log('one', JSON.stringify(one)));"
        "try { _.zip([1], [2]); } catch (error) { console.error(error.message); }",
        tmp_path,
    )

    assert ran.returncode == 0, ran.stderr
    assert sorted(ran.stdout.splitlines()) == ["one [1,2]", "sum 12"]
    assert "_.zip is not in vamp-node-client's stand-in for Highland" in ran.stderr
    assert "npm install highland" in ran.stderr


def test_a_failed_request_that_nothing_handles_fails_the_script_saying_where_it_went(tmp_path: Path) -> None:
    port = free_port()
    ran = node(
        "const vamp = require('vamp-node-client');"
        "new vamp.Api({log: false}).get('gateways').each((gateway) => console.log(gateway.name));",
        tmp_path,
        VAMP_URL=f"http://127.0.0.1:{port}",
    )

    assert ran.returncode != 0
    assert ran.stdout == ""
    assert f"GET http://127.0.0.1:{port}/api/v1/gateways?page=1&per_page=30: " in ran.stderr


def test_the_token_is_sent_but_never_shown(tmp_path: Path) -> None:
    ran = node(
        "const vamp = require('vamp-node-client');"
        "const api = new vamp.Api();"
        "console.log(JSON.stringify(api), JSON.stringify(api.options), api.headers().Authorization);",
        tmp_path,
        VAMP_API_TOKEN="secret-token",
    )

    assert ran.returncode == 0, ran.stderr
    client, options, header = ran.stdout.strip().split(" ", 2)
    assert "secret-token" not in client + options
    assert header == "Bearer secret-token"


def test_the_wheel_carries_every_file_of_node_modules() -> None:
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["vamp"]
    package = ROOT / "src" / "vamp"
    files = [path.relative_to(package).as_posix() for path in NODE_MODULES.rglob("*") if path.is_file()]

    assert {
        "interfaces/workflow_scripts/node_modules/vamp-node-client/index.js",
        "interfaces/workflow_scripts/node_modules/highland/index.js",
    } <= set(files)
    for name in files:
        assert any(
            fnmatch.fnmatch(name, glob) and "/" not in name[len(glob.rstrip("*")) :] for glob in globs
        ), f"{name} is in no package-data glob of pyproject.toml"

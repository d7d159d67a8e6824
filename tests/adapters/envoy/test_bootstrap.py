"""The bootstrap and the config sources that tie resources to their files (pure; golden file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vamp import errors
from vamp.adapters.envoy import bootstrap, layout

GOLDEN = Path(__file__).parent / "golden"
XDS = layout.Layout(Path("/var/lib/vamp/xds"))
ADMIN = Path("/var/lib/vamp/admin.sock")


def test_bootstrap_matches_the_golden_file():
    rendered = {
        "bootstrap": bootstrap.bootstrap(XDS, node_id="agent-1", admin_socket=ADMIN),
        "rds": bootstrap.rds(XDS, "gateway-9050"),
        "eds_cluster_config": bootstrap.eds_cluster_config(XDS, "sava-1-0"),
    }

    assert rendered == json.loads((GOLDEN / "bootstrap.json").read_text())


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (XDS.listeners, "/var/lib/vamp/xds/lds/listeners.json"),
        (XDS.clusters, "/var/lib/vamp/xds/cds/clusters.json"),
        (XDS.route("gateway-9050"), "/var/lib/vamp/xds/rds/gateway-9050.json"),
        (XDS.endpoints("sava_1-0"), "/var/lib/vamp/xds/eds/sava_1-0.json"),
        (XDS.staging, "/var/lib/vamp/xds/staging"),
    ],
)
def test_every_resource_type_has_its_own_watched_directory(path: Path, expected: str):
    assert str(path) == expected


@pytest.mark.parametrize("name", ["", "sava.1", "../etc", "-x", "a/b", "x" * 201])
def test_a_name_that_cannot_name_a_file_or_a_stat_is_refused(name: str):
    with pytest.raises(errors.PublishError) as raised:
        XDS.route(name)

    assert str(raised.value) == (
        f"Envoy resource name {name!r} is not valid: "
        "use 1 to 200 letters, digits, '_' or '-', not starting with '-'."
    )

"""Hitless delivery over ADS, measured like delivery through files (``test_envoy_hitless``).

The same load (400 requests/s over 4 keep-alive connections) and the same flips between two backends,
published through the ADS server: no request may fail, no client connection may be reopened, and the
ADS stream itself must stay the one it was. Printed (run with -s): the time from the start of a publish
to the first response from the newly weighted backend, and to ``publish`` returning (every type
acknowledged); and, in one run, the same for files and ADS side by side.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.backends import Backends
from tests.e2e.conftest import AdsEnvoy, Envoy, start_ads_envoy, start_envoy
from tests.e2e.flips import CONNECTIONS, Flips
from tests.e2e.test_envoy_hitless import flip, through_rds, with_or_without_c
from vamp.adapters.envoy import bootstrap

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]


async def streams_opened(envoy: Envoy) -> int:
    """How many connections Envoy has opened to the ADS server."""
    stats = await envoy.admin.stats(rf"^cluster\.{bootstrap.XDS_CLUSTER}\.upstream_cx_total$")
    return int(stats["stats"][0]["value"])


def assert_hitless(flips: Flips) -> None:
    assert flips.seen.failures == []
    assert flips.seen.connections == CONNECTIONS
    assert flips.missed == 0
    assert flips.seen.total / flips.seconds >= 200


async def test_a_hundred_weight_changes_over_ads_drop_no_request_and_open_no_connection(
    ads_envoy: AdsEnvoy, backends: Backends
):
    flips = await flip(ads_envoy, backends, through_rds, 100, wait=2.0)

    print(flips.report("ADS weight change"))
    assert_hitless(flips)
    assert await streams_opened(ads_envoy) == 1


async def test_adding_and_removing_a_cluster_with_its_route_over_ads_drops_no_request(
    ads_envoy: AdsEnvoy, backends: Backends
):
    flips = await flip(ads_envoy, backends, with_or_without_c, 20, wait=2.0, new_backend={"b": "c"})

    print(flips.report("ADS cluster added and removed"))
    assert_hitless(flips)
    assert await streams_opened(ads_envoy) == 1


async def test_weight_changes_through_files_and_over_ads_side_by_side(tmp_path: Path, backends: Backends):
    """One run, same machine, same load: files first, then ADS (the report says which is faster)."""
    through_files = await start_envoy(tmp_path / "files")
    try:
        by_files = await flip(through_files, backends, through_rds, 50, wait=2.0)
    finally:
        await through_files.stop()
    over_ads = await start_ads_envoy(tmp_path / "ads")
    try:
        by_ads = await flip(over_ads, backends, through_rds, 50, wait=2.0)
    finally:
        await over_ads.stop()

    print(by_files.report("files, weight change"))
    print(by_ads.report("ADS, weight change"))
    assert_hitless(by_files)
    assert_hitless(by_ads)

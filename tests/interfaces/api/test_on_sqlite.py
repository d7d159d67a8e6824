"""A representative part of the API tests again, over the SQL store on SQLite instead of memory.

The tests are the other modules' own, imported: only the ``api`` fixture differs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.interfaces.api import harness
from tests.interfaces.api.test_artifacts import (
    test_a_blueprint_stores_its_inline_breeds_and_refers_to_them,
    test_a_static_kind_answers_201_200_and_204,
    test_every_write_leaves_an_archive_event_with_the_source,
    test_validate_only_checks_everything_and_stores_nothing,
)
from tests.interfaces.api.test_bulk import test_one_bad_document_stores_nothing_and_names_its_document
from tests.interfaces.api.test_deployments import (
    test_a_service_scale_reads_and_changes,
    test_the_sava_canary_from_deploy_to_slice,
)
from tests.interfaces.api.test_events import (
    test_an_aggregator_answers_one_value,
    test_events_are_queried_by_tags_and_type_newest_first,
)
from tests.interfaces.api.test_gateways import (
    test_a_port_held_by_another_gateway_is_refused,
    test_moving_canary_weights_updates_the_deployment_and_the_gateway,
)
from tests.interfaces.api.test_namespaces import test_artifacts_of_one_namespace_are_invisible_from_another
from tests.interfaces.api.test_pagination import test_pages_of_30_with_links
from tests.interfaces.api.test_releases import (
    test_the_controller_s_decisions_are_stored_compared_and_set_and_published,
    test_the_status_survives_a_put_of_the_policy_and_goes_with_a_delete,
)
from vamp.adapters.store import sql

pytestmark = pytest.mark.anyio

__all__ = [
    "test_a_blueprint_stores_its_inline_breeds_and_refers_to_them",
    "test_a_port_held_by_another_gateway_is_refused",
    "test_a_service_scale_reads_and_changes",
    "test_a_static_kind_answers_201_200_and_204",
    "test_an_aggregator_answers_one_value",
    "test_artifacts_of_one_namespace_are_invisible_from_another",
    "test_events_are_queried_by_tags_and_type_newest_first",
    "test_every_write_leaves_an_archive_event_with_the_source",
    "test_moving_canary_weights_updates_the_deployment_and_the_gateway",
    "test_one_bad_document_stores_nothing_and_names_its_document",
    "test_pages_of_30_with_links",
    "test_the_controller_s_decisions_are_stored_compared_and_set_and_published",
    "test_the_sava_canary_from_deploy_to_slice",
    "test_the_status_survives_a_put_of_the_policy_and_goes_with_a_delete",
    "test_validate_only_checks_everything_and_stores_nothing",
]


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[harness.Harness]:
    store = await sql.SqlStore.open(f"sqlite:///{tmp_path / 'vamp.db'}", clock=lambda: harness.NOW)
    found = harness.build(store)
    async with found.client:
        yield found
    await store.close()

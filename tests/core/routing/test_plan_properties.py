"""Properties of compiled plans over generated gateways: whole weights, every gateway served or reported."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from vamp.core import model
from vamp.core.routing import plan
from vamp.core.routing.compile import compile_plan
from vamp.core.units import Percentage

CONDITIONS = [None, "user-agent == Firefox", "has cookie beta", "true", "false", "", "not (", "< raw acl >"]

routes = st.lists(
    st.builds(
        model.Route,
        weight=st.none() | st.integers(0, plan.FULL).map(Percentage),
        condition=st.sampled_from(CONDITIONS).map(
            lambda text: None if text is None else model.Condition(definition=text)
        ),
        condition_strength=st.none() | st.integers(0, plan.FULL).map(Percentage),
    ),
    max_size=5,
)
gateways = st.lists(routes, min_size=1, max_size=4).map(
    lambda gateways: [
        model.Gateway(
            name=f"g{number}",
            port=model.GatewayPort(number=9000 + number),
            routes={f"[10.0.{number}.{index}:80]": route for index, route in enumerate(route_list)},
        )
        for number, route_list in enumerate(gateways)
    ]
)


@settings(max_examples=200, deadline=None)
@given(gateways)
def test_every_route_sends_all_or_nothing_and_every_gateway_is_served_or_reported(generated):
    compiled = compile_plan(generated, [])

    for listener in compiled.listeners:
        for host in listener.virtual_hosts:
            assert host.routes[-1].match is None
            assert host.routes[-1].fraction == plan.FULL
            for route in host.routes:
                assert sum(cluster.weight for cluster in route.clusters) in (0, plan.FULL)
                assert 0 < route.fraction <= plan.FULL
    served = {listener.name for listener in compiled.listeners}
    for item in generated:
        reported = any(problem.startswith(f"gateway '{item.name}'") for problem in compiled.problems)
        assert (item.name in served) != reported
    assert compile_plan(reversed(generated), []) == compiled
    assert plan.RoutingPlan.from_data(json.loads(json.dumps(compiled.to_data()))) == compiled

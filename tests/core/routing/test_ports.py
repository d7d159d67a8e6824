"""Gateway ports: assignment from the 40000–45000 range, and gateways that claim the same port."""

import pytest

from tests.core.routing.build import gateway
from vamp import errors
from vamp.core.routing import ports


@pytest.mark.parametrize(
    ("gateways", "taken", "expected"),
    [
        ([gateway("b"), gateway("a")], [], {"a": 40000, "b": 40001}),
        ([gateway("a"), gateway("b", 40000)], [], {"a": 40001}),
        ([gateway("a"), gateway("b")], [40000, 40001, 40003], {"a": 40002, "b": 40004}),
        ([gateway("a", 9050), gateway("b", "0/tcp")], [], {"b": 40000}),
        ([], [40000], {}),
    ],
)
def test_gateways_without_a_port_get_the_next_free_ones_by_name(gateways, taken, expected):
    assert ports.assign_ports(gateways, taken) == expected


def test_the_range_can_run_out():
    with pytest.raises(errors.RoutingError) as raised:
        ports.assign_ports([gateway("a"), gateway("b"), gateway("c")], [41], first=40, last=42)
    assert str(raised.value) == (
        "No port available in the range [40-42]. "
        "Remove unused gateways or widen the range with --gateway-ports."
    )


@pytest.mark.parametrize(
    ("gateways", "expected"),
    [
        ([gateway("shop/9050", 9050), gateway("sava/9051", 9051)], []),
        ([gateway("shop/9050", 9050), gateway("shop/9050", 9050)], []),
        ([gateway("shop/web/port"), gateway("sava/web/port")], []),
        (
            [gateway("shop/9050", 9050), gateway("sava/9050", 9050), gateway("other", 9050)],
            [
                "Gateway port '9050' is/was in use by deployment: 'shop/9050'. "
                "Remove 'shop/9050' gateway first or use different port.",
                "Gateway port '9050' is/was in use by deployment: 'shop/9050'. "
                "Remove 'shop/9050' gateway first or use different port.",
            ],
        ),
    ],
)
def test_two_gateways_cannot_share_a_port(gateways, expected):
    assert ports.port_clashes(gateways) == expected

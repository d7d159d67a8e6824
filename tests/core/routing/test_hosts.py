"""Virtual host names: automatic ones from the gateway name, plus the gateway's own."""

import pytest

from tests.core.routing.build import gateway
from vamp.core.routing import hosts


@pytest.mark.parametrize(
    ("name", "host"),
    [
        ("sava", "sava.vamp"),
        ("sava:1.0/9050", "9050.sava-1-0.vamp"),
        ("sava/sava/webport", "webport.sava.sava.vamp"),
        ("Shop_Front/Web.Cluster/port", "port.web-cluster.shop-front.vamp"),
        ("a/b/c/d", None),
    ],
)
def test_automatic_hosts_follow_the_gateway_name(name, host):
    assert hosts.automatic_host(name) == host


@pytest.mark.parametrize(
    ("given", "automatic", "expected"),
    [
        ((), True, ("9050.sava.vamp",)),
        ((), False, ()),
        (("Foo.Bar.com", "a.example"), True, ("9050.sava.vamp", "a.example", "foo.bar.com")),
        (("a.example", "A.EXAMPLE", " "), False, ("a.example",)),
        (("9050.sava.vamp",), True, ("9050.sava.vamp",)),
    ],
)
def test_virtual_hosts_are_the_given_and_automatic_names_sorted(given, automatic, expected):
    assert (
        hosts.virtual_hosts(gateway("sava/9050", 9050, virtual_hosts=given), automatic=automatic) == expected
    )

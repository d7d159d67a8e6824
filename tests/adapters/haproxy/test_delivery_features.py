"""What the renderer's newest features take to deliver (``delivery.change``): an instance added to a
``sticky: instance`` gateway is a server line with a cookie, so a reload (the runtime API would add it
without one); a changed TLS certificate or key, at the same path, is a reload too (HAProxy reads PEM files
only when it loads a configuration)."""

from __future__ import annotations

import dataclasses

from tests.adapters.haproxy.test_delivery import OPTIONS
from tests.adapters.haproxy.test_render import INSTANCES
from tests.core.routing.build import gateway, instance
from vamp.adapters.haproxy.delivery import change
from vamp.adapters.haproxy.render import Rendering, render
from vamp.core import model
from vamp.core.routing.compile import compile_plan

CERTIFICATE = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = b"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
TLS = {"certificate": "/etc/vamp/shop.pem", "private_key": "/etc/vamp/shop.key"}


def sticky(instances: list[model.ObservedInstance]) -> Rendering:
    routes = {"shop/web/a/http": {"weight": "100%"}}
    plan = compile_plan([gateway("shop", 9050, routes, sticky="instance")], instances, shared_port=None)
    return render(plan, options=OPTIONS)


def secure(key: bytes) -> Rendering:
    plan = compile_plan([gateway("shop", 9050, ["shop/web/a/http"], tls=TLS)], INSTANCES, shared_port=None)
    options = dataclasses.replace(OPTIONS, files_directory="/run/vamp/tls")
    return render(plan, options=options, tls_files={TLS["certificate"]: CERTIFICATE, TLS["private_key"]: key})


def test_an_instance_added_to_a_sticky_instance_gateway_needs_a_reload_for_its_cookie() -> None:
    more = [*INSTANCES, instance("a-3", "10.0.1.9", {"http": 8080}, service="shop/web/a")]
    before, after = sticky(INSTANCES), sticky(more)

    [added] = [line.split() for line in after.text.splitlines() if "10.0.1.9:8080" in line]
    assert added[3] == "cookie"
    assert change(before, after).reload


def test_a_tls_key_changed_at_the_same_path_needs_a_reload_and_the_same_key_nothing() -> None:
    before = secure(KEY)

    assert change(before, secure(KEY.replace(b"MIIE", b"MIIF"))).reload
    assert change(before, secure(KEY)).nothing

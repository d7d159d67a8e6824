"""Which routes a gateway selector would find now (``/api/v1/scheduler/routing?selector=``, vamp.md §1.10).

The selector is parsed by the core's selector language and run over every instance the runtime driver
sees, exactly as the gateway synchroniser runs a gateway's selector: one route per group of matched
values (``(1.0.3)``), each with its targets. Nothing is stored.
"""

from __future__ import annotations

from vamp.core import selector
from vamp.ports import runtime


class RoutingPreview:
    def __init__(self, driver: runtime.RuntimeDriver) -> None:
        self._driver = driver

    async def routes(self, namespace: str, text: str) -> list[selector.Selection]:
        """The routes ``text`` would give a gateway of ``namespace``, by route name.

        Raises:
            errors.SelectorSyntaxError: the selector cannot be parsed (with a caret under the place).
            errors.DriverError: the driver cannot list its instances.
        """
        parsed = selector.parse(text)
        instances = await self._driver.instances()
        return list(selector.select(parsed, selector.Index(instances), namespace=namespace).values())

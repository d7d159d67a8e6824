"""The gateway selector language (vamp.md §1.10): parse, match, select routes, merge them into a gateway.

Import the package and qualify (``from vamp.core import selector`` … ``selector.parse(text)``)::

    wanted = selector.parse("label(app)(foo) && label(version)((.*))")
    found = selector.select(wanted, selector.Index(instances), namespace="default")
    routes = selector.merge_routes(gateway.routes, found)

The modules, in the order data flows: ``tokens`` (tokenizer), ``parser`` (recursive-descent parser),
``syntax`` (the tree), ``selector`` (a parsed selector and its ``match``), ``evaluate`` (what a tree
matches), ``index`` (narrowing the instances to evaluate), ``selection`` (routes and targets) and
``merge`` (existing routes plus selected ones). Everything here is pure: no I/O, no clock.
"""

from vamp.core.selector import syntax
from vamp.core.selector.index import Index
from vamp.core.selector.merge import merge_routes
from vamp.core.selector.parser import MAX_DEPTH, parse
from vamp.core.selector.selection import Selection, Target, route_name, select
from vamp.core.selector.selector import Selector, and_

__all__ = [
    "MAX_DEPTH",
    "Index",
    "Selection",
    "Selector",
    "Target",
    "and_",
    "merge_routes",
    "parse",
    "route_name",
    "select",
    "syntax",
]

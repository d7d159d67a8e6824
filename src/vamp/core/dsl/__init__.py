"""Vamp's DSL (vamp.md §1): reading YAML and JSON into artifact models, and writing them back.

Import the package and qualify (``from vamp.core import dsl`` … ``dsl.read(text, kind="blueprints")``).
``read`` accepts every form Vamp accepts (shorthands, references, inline artifacts, imports, several
documents or a list) and raises one ``errors.DslError`` with every issue, each placed at its path,
line and column; ``write`` and ``to_data`` give the canonical form, which reads back to the same model.

The modules: ``source`` (text → plain data with places), ``cursor`` (reading a value where it is),
``artifact`` (kinds, names, references), one reader per kind family (``breeds``, ``blueprints``,
``gateways``, ``routes``, ``slas``, ``deployments``, ``workflows``, ``releases``, ``imports`` with
templates, ``events``), ``traits`` (what those share), ``reading`` (dispatch and validation) and ``writing``.
"""

from vamp.core.dsl.blueprints import short_cluster_gateway
from vamp.core.dsl.events import event_to_data, read_events
from vamp.core.dsl.imports import Lookup
from vamp.core.dsl.reading import read, read_data, read_one
from vamp.core.dsl.writing import to_data, write

__all__ = [
    "Lookup",
    "event_to_data",
    "read",
    "read_data",
    "read_events",
    "read_one",
    "short_cluster_gateway",
    "to_data",
    "write",
]

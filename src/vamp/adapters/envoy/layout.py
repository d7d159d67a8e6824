"""Where each xDS resource lives on disk, so that every change touches as little as possible.

Envoy reads its dynamic resources from files (filesystem subscriptions). What we found by experiment
(``docs/envoy.md`` §1): a file read by an RDS or EDS subscription must hold exactly one
resource, the one named by that subscription, or the whole update is rejected; LDS and CDS files hold any
number. Each type has its own watched directory, and Envoy re-reads every file of that type whenever
anything is renamed into the directory, so a file is only ever renamed there once it is complete.
Temporary files are written to ``staging``, beside the watched directories and on the same file system.

Layout under ``root``::

    lds/listeners.json          every Listener
    cds/clusters.json           every Cluster
    rds/<route config>.json     one RouteConfiguration each
    eds/<cluster>.json          one ClusterLoadAssignment each
    staging/                    files being written

This module only computes paths; it touches no file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from vamp import errors

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\-]{0,199}")


class ResourceType(StrEnum):
    """The four kinds of dynamic resource, each with its own directory."""

    LISTENERS = "lds"
    CLUSTERS = "cds"
    ROUTES = "rds"
    ENDPOINTS = "eds"


@dataclass(frozen=True, slots=True)
class Layout:
    """The xDS files of one Envoy, all under ``root`` (an absolute path)."""

    root: Path

    def directory(self, kind: ResourceType) -> Path:
        """The watched directory of one resource type."""
        return self.root / kind.value

    @property
    def staging(self) -> Path:
        """Where files are written before they are renamed into a watched directory."""
        return self.root / "staging"

    @property
    def listeners(self) -> Path:
        return self.directory(ResourceType.LISTENERS) / "listeners.json"

    @property
    def clusters(self) -> Path:
        return self.directory(ResourceType.CLUSTERS) / "clusters.json"

    def route(self, name: str) -> Path:
        """The file of the RouteConfiguration ``name``."""
        return self.directory(ResourceType.ROUTES) / _file_name(name)

    def endpoints(self, cluster: str) -> Path:
        """The file of the ClusterLoadAssignment of ``cluster``."""
        return self.directory(ResourceType.ENDPOINTS) / _file_name(cluster)


def check_name(name: str) -> str:
    """Return ``name`` if it can name a file and an Envoy stat unambiguously.

    Names become file names and the middle of stat names (``cluster.<name>.upstream_rq_2xx``), where a
    dot would make them ambiguous.

    Raises:
        errors.PublishError: for any other name.
    """
    if not _NAME.fullmatch(name):
        raise errors.PublishError(
            f"Envoy resource name {name!r} is not valid: use 1 to 200 letters, digits, '_' or '-', "
            "not starting with '-'."
        )
    return name


def _file_name(name: str) -> str:
    return f"{check_name(name)}.json"

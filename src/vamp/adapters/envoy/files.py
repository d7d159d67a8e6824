"""Delivers snapshots of xDS resources to Envoy through files, and checks which versions it accepted.

A ``Snapshot`` is a complete, consistent set of listeners, clusters, route configurations and cluster
load assignments with one version. ``publish`` makes Envoy serve it without dropping a request: it
writes only the files whose resources changed, each atomically (temporary file, fsync, rename into the
watched directory), in stages that never let a reference dangle, and waits after each stage until Envoy
reports the new versions through its admin endpoint (set, verify, advance):

1. endpoints, then clusters (new ones added, removed ones kept for now): a route may only name a cluster
   that Envoy has already warmed;
2. route configurations: weights and matches change here, without draining a listener;
3. listeners, which now find their route configurations in place;
4. clusters no longer named by anything are removed, and files no longer needed are deleted.

If Envoy does not accept a stage in time, the files are put back as they were, so that Envoy, and an
Envoy restarted from these files, keeps serving the last good configuration; then ``PublishError`` says
what was not accepted and why.

Envoy reports versions unevenly, so ``accepted`` reads them from two places: listeners, clusters and
route configurations from ``/config_dump`` (a route configuration keeps the version at which its
content last changed, which is why unchanged resources are never rewritten), and cluster load
assignments from the ``cluster.<name>.version_text`` stats (the config dump carries no version for them).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vamp import errors
from vamp.adapters import private_files
from vamp.adapters.envoy import admin as admin_endpoint
from vamp.adapters.envoy import layout
from vamp.adapters.envoy.layout import ResourceType

JsonObject = dict[str, Any]
Versions = dict[str, str]
"""Version per resource key: ``lds``, ``cds``, ``rds/<route config>``, ``eds/<cluster>``."""

TYPE_URLS = {
    ResourceType.LISTENERS: "type.googleapis.com/envoy.config.listener.v3.Listener",
    ResourceType.CLUSTERS: "type.googleapis.com/envoy.config.cluster.v3.Cluster",
    ResourceType.ROUTES: "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
    ResourceType.ENDPOINTS: "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment",
}
_POLL_SECONDS = 0.02


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything one Envoy should serve, as Envoy v3 resources (JSON-able dictionaries without ``@type``).

    Listeners, clusters and route configurations are named by ``name``, load assignments by
    ``cluster_name``; every name must satisfy ``layout.check_name``.
    """

    version: str
    listeners: tuple[JsonObject, ...] = ()
    clusters: tuple[JsonObject, ...] = ()
    routes: tuple[JsonObject, ...] = ()
    endpoints: tuple[JsonObject, ...] = ()


def initialise(files: layout.Layout) -> None:
    """Create the directories, and empty listener and cluster files if there are none yet.

    Envoy refuses to start when a file its bootstrap names does not exist.
    """
    for directory in (*map(files.directory, ResourceType), files.staging):
        directory.mkdir(parents=True, exist_ok=True)
    for path, kind in ((files.listeners, ResourceType.LISTENERS), (files.clusters, ResourceType.CLUSTERS)):
        if not path.exists():
            _replace(files, path, _document(kind, "", ()))


async def publish(
    files: layout.Layout,
    snapshot: Snapshot,
    admin: admin_endpoint.Admin,
    *,
    timeout: float = 5.0,
    log: Path | None = None,
) -> Versions:
    """Make Envoy serve ``snapshot``, stage by stage, and return the versions it now reports.

    Args:
        log: Envoy's log file; when given, a refusal quotes the reasons Envoy logged for it (the admin
            endpoint gives reasons for listeners and clusters only).

    Raises:
        errors.PublishError: Envoy refused a stage (as its log says) or did not accept it within
            ``timeout`` seconds; the files are back as they were.
        errors.DataPlaneError: Envoy's admin endpoint stopped answering; the files are back as they were.
    """
    for resource in (*snapshot.listeners, *snapshot.clusters, *snapshot.routes):
        layout.check_name(str(resource.get("name", "")))
    for assignment in snapshot.endpoints:
        layout.check_name(str(assignment.get("cluster_name", "")))
    backup = {path: path.read_bytes() for path in _existing_files(files)}
    logged = _LogReasons(log)
    expected: Versions = {}
    try:
        for stage in _stages(files, snapshot):
            changed, expected = stage.write(files, snapshot.version)
            if changed:
                await _await_versions(admin, expected, timeout, logged)
    # An Envoy that stops answering may have died of this very snapshot: its successor must not read it.
    except (errors.PublishError, errors.DataPlaneError):
        _restore(files, backup)
        raise
    return expected


async def accepted(admin: admin_endpoint.Admin, *, wildcards_only: bool = False) -> Versions:
    """The version of each resource Envoy has accepted; resources it has not subscribed to are absent.
    With ``wildcards_only``, only ``lds`` and ``cds``: at 10,000 clusters the others are most of the answer.

    Read from the ``version_text`` stats, one small answer (the config dump took several times as long
    to make and to parse, on every plan applied): ``listener_manager.lds`` and ``cluster_manager.cds``,
    ``http.<prefix>.rds.<route configuration>`` and ``cluster.<cluster>`` (its endpoints); a route
    configuration whose version is still empty was never accepted, and is absent (as from the dump).
    Only text readouts are read, which these are: at 10,000 clusters Envoy's main thread, which also
    takes xDS updates, then answers an order of magnitude sooner than when it matches every stat.
    """
    wanted = (
        r"^(listener_manager\.lds|cluster_manager\.cds)\.version_text$"
        if wildcards_only
        else r"version_text$"
    )
    stats = await admin.stats(wanted, kind="TextReadouts")
    versions: Versions = {}
    for stat in stats.get("stats", []):
        name, value = str(stat["name"]).removesuffix(".version_text"), str(stat.get("value", ""))
        if name == "listener_manager.lds":
            versions["lds"] = value
        elif name == "cluster_manager.cds":
            versions["cds"] = value
        elif name.startswith("http.") and ".rds." in name:
            if value:
                versions[f"rds/{name.partition('.rds.')[2]}"] = value
        elif name.startswith("cluster.") and name.count(".") == 1:
            versions[f"eds/{name.removeprefix('cluster.')}"] = value
    return versions


async def rejections(admin: admin_endpoint.Admin) -> list[str]:
    """What Envoy says about listeners and clusters it last refused (``error_state`` in the config dump)."""
    dump = await admin.config_dump()
    found = []
    for config in dump.get("configs", []):
        for entry in (*config.get("dynamic_listeners", []), *config.get("dynamic_active_clusters", [])):
            state = entry.get("error_state")
            if state:
                name = entry.get("name") or state.get("failed_configuration", {}).get("name", "?")
                found.append(f"{name}: {state.get('details', '').strip()}")
    return found


@dataclass(frozen=True, slots=True)
class _Stage:
    """Files to put in place, files to delete, and which versions Envoy must then report."""

    files: tuple[tuple[Path, ResourceType, tuple[JsonObject, ...]], ...]
    delete: tuple[Path, ...]
    checked: tuple[str, ...]
    """Keys whose version must match after this stage (others may not be subscribed yet)."""

    def write(self, files: layout.Layout, version: str) -> tuple[bool, Versions]:
        """Write what changed; return whether anything did, and the versions to expect."""
        changed = False
        for path, kind, resources in self.files:
            if _resources_on_disk(path) != _canonical(kind, resources):
                _replace(files, path, _document(kind, version, resources))
                changed = True
        for path in self.delete:
            path.unlink(missing_ok=True)
        on_disk = _versions_on_disk(files)
        return changed, {key: on_disk[key] for key in self.checked if key in on_disk}


def _stages(files: layout.Layout, snapshot: Snapshot) -> Iterator[_Stage]:
    old_clusters = _resources(files.clusters)
    old_listeners = _resources(files.listeners)
    new_names = {cluster["name"] for cluster in snapshot.clusters}
    leftover = tuple(cluster for cluster in old_clusters if cluster["name"] not in new_names)
    kept_clusters = (*snapshot.clusters, *leftover)
    yield _Stage(
        files=(
            *(
                (files.endpoints(cla["cluster_name"]), ResourceType.ENDPOINTS, (cla,))
                for cla in snapshot.endpoints
            ),
            (files.clusters, ResourceType.CLUSTERS, kept_clusters),
        ),
        delete=(),
        checked=("cds", *_keys("eds", referenced(kept_clusters, "service_name"))),
    )
    routes_now = referenced(old_listeners, "route_config_name")
    yield _Stage(
        files=tuple((files.route(route["name"]), ResourceType.ROUTES, (route,)) for route in snapshot.routes),
        delete=(),
        checked=tuple(_keys("rds", routes_now & {route["name"] for route in snapshot.routes})),
    )
    yield _Stage(
        files=((files.listeners, ResourceType.LISTENERS, snapshot.listeners),),
        delete=(),
        checked=("lds", *_keys("rds", referenced(snapshot.listeners, "route_config_name"))),
    )
    wanted = {files.route(route["name"]) for route in snapshot.routes} | {
        files.endpoints(cla["cluster_name"]) for cla in snapshot.endpoints
    }
    stale = (
        path
        for kind in (ResourceType.ROUTES, ResourceType.ENDPOINTS)
        for path in sorted(files.directory(kind).glob("*.json"))
        if path not in wanted
    )
    yield _Stage(
        files=((files.clusters, ResourceType.CLUSTERS, snapshot.clusters),),
        delete=tuple(stale),
        checked=(
            "lds",
            "cds",
            *_keys("rds", referenced(snapshot.listeners, "route_config_name")),
            *_keys("eds", referenced(snapshot.clusters, "service_name")),
        ),
    )


class _LogReasons:
    """The reasons Envoy logs for refusing a file, from the point the log had reached at creation."""

    _MARK = "config update rejected: "

    def __init__(self, log: Path | None) -> None:
        self._log = log
        self._start = log.stat().st_size if log is not None and log.exists() else 0

    def read(self) -> list[str]:
        if self._log is None or not self._log.exists():
            return []
        with self._log.open("rb") as stream:
            stream.seek(self._start)
            lines = stream.read().decode(errors="replace").splitlines()
        return list(dict.fromkeys(line.partition(self._MARK)[2] for line in lines if self._MARK in line))


async def _await_versions(
    admin: admin_endpoint.Admin, expected: Versions, timeout: float, logged: _LogReasons
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        behind = _behind(expected, await accepted(admin))
        if not behind:
            return
        # A refusal in the log ends the wait at once: Envoy will not change its mind.
        refused_in_log = logged.read()
        if refused_in_log or loop.time() >= deadline:
            refused = [*await rejections(admin), *refused_in_log]
            reason = f" Envoy reports: {'; '.join(refused)}" if refused else " See Envoy's log for why."
            raise errors.PublishError(
                f"Envoy did not accept the new configuration: {', '.join(behind)}.{reason}"
            )
        await asyncio.sleep(_POLL_SECONDS)


def _behind(expected: Mapping[str, str], accepted: Mapping[str, str]) -> list[str]:
    return [
        f"{key} is at version {accepted.get(key, 'none')!r}, not {version!r}"
        for key, version in sorted(expected.items())
        if accepted.get(key) != version
    ]


def referenced(resources: Iterable[JsonObject], key: str) -> set[str]:
    """Every string under ``key`` anywhere inside ``resources``: the route configurations
    (``route_config_name``) or EDS services (``service_name``) they name."""
    found: set[str] = set()
    stack: list[Any] = list(resources)
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get(key), str):
                found.add(item[key])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _keys(prefix: str, names: Iterable[str]) -> list[str]:
    return [f"{prefix}/{name}" for name in sorted(names)]


def _document(kind: ResourceType, version: str, resources: Iterable[JsonObject]) -> JsonObject:
    return {"version_info": version, "resources": [{"@type": TYPE_URLS[kind], **r} for r in resources]}


def _canonical(kind: ResourceType, resources: Iterable[JsonObject]) -> str:
    return _unordered(_document(kind, "", resources)["resources"])


def _unordered(resources: Iterable[JsonObject]) -> str:
    """Resources compared as a set: Envoy keeps the old version of a file whose resources were only
    reordered, so such a file must not be rewritten."""
    return json.dumps(sorted(json.dumps(resource, sort_keys=True) for resource in resources))


def _read(path: Path) -> JsonObject | None:
    try:
        document = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    return document if isinstance(document, dict) else None


def _resources(path: Path) -> tuple[JsonObject, ...]:
    document = _read(path) or {}
    return tuple({k: v for k, v in r.items() if k != "@type"} for r in document.get("resources", []))


def _resources_on_disk(path: Path) -> str | None:
    document = _read(path)
    return None if document is None else _unordered(document.get("resources", []))


def _versions_on_disk(files: layout.Layout) -> Versions:
    versions: Versions = {}
    for key, path in (("lds", files.listeners), ("cds", files.clusters)):
        document = _read(path)
        if document is not None:
            versions[key] = document.get("version_info", "")
    for prefix, kind in (("rds", ResourceType.ROUTES), ("eds", ResourceType.ENDPOINTS)):
        for path in files.directory(kind).glob("*.json"):
            document = _read(path)
            if document is not None:
                versions[f"{prefix}/{path.stem}"] = document.get("version_info", "")
    return versions


def _existing_files(files: layout.Layout) -> list[Path]:
    return [path for kind in ResourceType for path in files.directory(kind).glob("*.json")]


def _restore(files: layout.Layout, backup: Mapping[Path, bytes]) -> None:
    for path in _existing_files(files):
        if path not in backup:
            path.unlink()
    for path, content in backup.items():
        if not path.exists() or path.read_bytes() != content:
            private_files.write_atomically(path, content, files.staging)


def _replace(files: layout.Layout, path: Path, document: JsonObject) -> None:
    private_files.write_atomically(
        path, json.dumps(document, indent=1, sort_keys=True).encode(), files.staging
    )

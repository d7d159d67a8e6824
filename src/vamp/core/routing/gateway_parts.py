"""One gateway's part of a routing plan, and exactly what it is compiled from, so a part can be reused.

A busy namespace changes one gateway or one instance at a time; recompiling the other gateways gives
the parts it had. ``compile.compile_build`` therefore keeps each gateway's ``GatewayPart`` (its compiled
routes and clusters, its own listener, the host names it asks for on the shared listener, and the
canonical texts of its nodes for the plan's version) and reuses it while what it is compiled from is
unchanged:

* the gateway itself (its routes, weights, selector, port, TLS, sticky, virtual hosts);
* its ``dependencies`` in the ``Snapshot`` compiled against: the stored routes, conditions and rewrites
  its routes refer to (or their absence); the instances its gateway selector or route selectors may
  match (``selector.Index.candidates``: what selecting reads); what each route path resolves to
  (``targets.Targets``: the ready instances of a service, a chained gateway's port);
* the ``Context`` every gateway of the plan is compiled in (namespace, global selector, automatic hosts).

When a build's ``Basis`` (instances, stored artifacts, gateway ports, context) equals the previous
one's, only a gateway itself can have changed, so no dependency needs resolving. The selector index and
route targets are made only when some gateway needs them; the index (which reads every instance) is
handed on to the next build while the instances stay the same, unless the caller drops it
(``PlanBuild.without_index``: an index per namespace kept would grow with namespaces × instances).

Pure: what is kept is a value of the previous build, handed back in.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

from vamp import errors
from vamp.core import model, selector
from vamp.core.routing import hosts, paths, plan
from vamp.core.routing.gateway_routes import CompiledGateway, GatewayCompiler, Stored
from vamp.core.routing.targets import Targets


@dataclass(frozen=True, slots=True)
class Context:
    """What every gateway of one plan is compiled in."""

    namespace: str | None
    global_selector: str
    automatic_hosts: bool


@dataclass(frozen=True, slots=True)
class Basis:
    """What a plan is compiled against besides its gateways' own models: what a build keeps to tell
    whether the next one is compiled against the same (then only the gateways can have changed)."""

    context: Context
    ports: Mapping[str, int | None]
    """Each gateway's port: what a route to a gateway resolves to."""
    instances: tuple[model.ObservedInstance, ...]
    stored: Stored


class Snapshot:
    """A ``Basis`` and the gateways, with the selector index and route targets made on first use (a
    build that reuses every part needs neither).
    """

    __slots__ = ("_compiler", "_index", "_targets", "basis", "gateways")

    def __init__(
        self, basis: Basis, gateways: Mapping[str, model.Gateway], index: selector.Index | None = None
    ) -> None:
        self.basis = basis
        self.gateways = gateways
        self._index = index
        self._targets: Targets | None = None
        self._compiler: GatewayCompiler | None = None

    @property
    def context(self) -> Context:
        return self.basis.context

    @property
    def stored(self) -> Stored:
        return self.basis.stored

    def index(self) -> selector.Index:
        """The selector index of the instances (given, when made for the same instances before)."""
        if self._index is None:
            self._index = selector.Index.of(self.basis.instances)
        return self._index

    @property
    def made_index(self) -> selector.Index | None:
        """The index, if it was asked for (or given)."""
        return self._index

    @property
    def targets(self) -> Targets:
        if self._targets is None:
            self._targets = Targets(self.gateways, self.basis.instances)
        return self._targets

    @property
    def compiler(self) -> GatewayCompiler:
        if self._compiler is None:
            self._compiler = GatewayCompiler(
                self.targets,
                self.index,
                self.stored,
                namespace=self.context.namespace,
                global_selector=self.context.global_selector,
            )
        return self._compiler


@dataclass(frozen=True, slots=True)
class GatewayPart:
    """One gateway compiled, or left out with the reasons why, with what it was compiled from.

    ``problems`` are those the plan lists for the gateway, in order; ``listener`` is its own (for a
    gateway with a port) and ``hosts`` the host names it asks for on the shared listener. The texts are
    ``plan.node_text`` of its clusters and listener, for the plan's version.
    """

    gateway: model.Gateway
    dependencies: tuple[object, ...]
    compiled: CompiledGateway | None
    problems: tuple[str, ...]
    cluster_texts: tuple[str, ...] = ()
    listener: plan.Listener | None = None
    listener_text: str = ""
    hosts: tuple[str, ...] = ()


def reusable(part: GatewayPart | None, gateway: model.Gateway, snapshot: Snapshot, same: bool) -> bool:
    """Whether ``part`` is what compiling ``gateway`` against ``snapshot`` gives: same gateway and, unless
    the snapshot has the ``same`` basis as the part's build, the same dependencies."""
    if part is None or (part.gateway is not gateway and part.gateway != gateway):
        return False
    return same or part.dependencies == dependencies(gateway, snapshot)


def compile_part(
    name: str, gateway: model.Gateway, snapshot: Snapshot, previous: GatewayPart | None
) -> GatewayPart:
    """``gateway`` compiled against ``snapshot``; the texts of clusters equal to ``previous``'s are kept."""
    found = dependencies(gateway, snapshot)
    try:
        compiled = snapshot.compiler.compile(name, gateway)
    except errors.RoutingError as exc:
        return GatewayPart(gateway, found, None, tuple(left_out(problem) for problem in exc.problems))
    return GatewayPart(
        gateway,
        found,
        compiled,
        compiled.problems,
        cluster_texts=_cluster_texts(compiled, previous),
        listener=(listener := _listener(compiled)),
        listener_text="" if listener is None else plan.node_text(listener),
        hosts=hosts.virtual_hosts(gateway, automatic=snapshot.context.automatic_hosts)
        if gateway.port.protocol is model.Protocol.HTTP
        else (),
    )


def left_out(problem: str) -> str:
    """A problem that keeps a gateway out of the plan, saying so."""
    return f"{problem.rstrip('.')}; the gateway is left out of the plan"


def dependencies(gateway: model.Gateway, snapshot: Snapshot) -> tuple[object, ...]:
    """What compiling ``gateway`` reads from ``snapshot`` besides the gateway: equal dependencies (with
    an equal gateway and context) compile to an equal part."""
    context = snapshot.context
    selected = None if gateway.selector is None else _candidates(gateway.selector, snapshot)
    return (
        selected,
        tuple(
            _route_dependencies(gateway.name or "", path, route, snapshot, selected=selected is not None)
            for path, route in gateway.routes.items()
        ),
        context,
    )


def _route_dependencies(
    gateway: str, path: str, given: model.Route | model.Ref, snapshot: Snapshot, *, selected: bool
) -> tuple[object, ...]:
    stored = snapshot.stored
    route = given if isinstance(given, model.Route) else stored.routes.get(given.name)
    if route is None:
        return (path, None)
    condition = (
        stored.conditions.get(route.condition.name) if isinstance(route.condition, model.Ref) else None
    )
    rewrites = tuple(stored.rewrites.get(item.name) for item in route.rewrites if isinstance(item, model.Ref))
    target: object
    if selected:  # a gateway selector's selections give every route its targets
        target = None
    elif route.selector is not None:
        target = _candidates(route.selector, snapshot)
    else:
        target = _path_target(gateway, path, snapshot)
    return (path, route if isinstance(given, model.Ref) else None, condition, rewrites, target)


def _path_target(gateway: str, path: str, snapshot: Snapshot) -> object:
    """What a route path resolves from: nothing for an external target (or a path that does not parse),
    a gateway's port, or a service's ready instances (as endpoints)."""
    match _parsed(path):
        case paths.ExternalPath() | str():
            return None
        case paths.GatewayPath(name):
            return (name, name in snapshot.gateways, snapshot.basis.ports.get(name))
        case parsed:
            return snapshot.targets.resolve(gateway, parsed)


def _candidates(text: str, snapshot: Snapshot) -> tuple[model.ObservedInstance, ...] | str:
    """The instances a selector may match (all that selecting reads), or why it does not parse."""
    combined = _combined(text, snapshot.context.global_selector)
    if isinstance(combined, str):
        return combined
    return snapshot.index().candidates(combined.root, snapshot.context.namespace)


@functools.lru_cache(maxsize=4096)
def _combined(text: str, global_text: str) -> selector.Selector | str:
    try:
        return selector.and_(selector.parse(text), selector.parse(global_text))
    except errors.VampError as exc:
        return f"unparsable: {exc}"


@functools.lru_cache(maxsize=65536)
def _parsed(path: str) -> paths.RoutePath | str:
    try:
        return paths.parse(path)
    except errors.RoutingError as exc:
        return f"unparsable: {exc}"


def _cluster_texts(compiled: CompiledGateway, previous: GatewayPart | None) -> tuple[str, ...]:
    """The text of each cluster; a cluster equal to one of the previous part's keeps its text (a weight
    change leaves every cluster as it was)."""
    if previous is None or previous.compiled is None:
        return tuple(plan.node_text(cluster) for cluster in compiled.clusters)
    before = dict(zip(previous.compiled.clusters, previous.cluster_texts, strict=True))
    return tuple(before.get(cluster) or plan.node_text(cluster) for cluster in compiled.clusters)


def _listener(compiled: CompiledGateway) -> plan.Listener | None:
    """The gateway's own listener on its port, serving any host; ``None`` without a port."""
    gateway = compiled.gateway
    if not gateway.port.number:
        return None
    any_host = plan.VirtualHost(compiled.name, compiled.name, ("*",), compiled.routes, gateway.sticky)
    tls = plan.Tls(gateway.tls.certificate, gateway.tls.private_key) if gateway.tls else None
    return plan.Listener(compiled.name, gateway.port.number, gateway.port.protocol, (any_host,), tls)

"""Hypothesis strategies that build valid artifacts of every kind: valid by the reader's forms and by
the validation rules, so that writing one and reading it back must give it again."""

from __future__ import annotations

import string
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from vamp.core import model
from vamp.core.units import Cpu, Duration, Memory, Percentage

STRICT = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(string.ascii_letters),
        st.text(string.ascii_letters + string.digits + "_-", max_size=5),
    ),
)
NAME = st.builds("".join, st.tuples(STRICT.map(str.lower), st.sampled_from(["", ":1.0", ":1.0.0", ":2.10"])))
TRICKY = (
    "",
    "true",
    "no",
    "~",
    "null",
    "1200",
    "0.5",
    "1:30",
    "2024-01-31",
    "a: b",
    "- x",
    "#c",
    "'q'",
    "ü é",
)
"""Strings YAML would read as something else unless written with care."""
TEXT = st.sampled_from(TRICKY) | st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="$\ufeff"),
    max_size=5,
)
WORD = st.sampled_from(["app", "version", "io.vamp/x", "a b", "9050", "true"]) | st.text(
    string.ascii_letters + string.digits + "-_.:/ ", min_size=1, max_size=5
).filter(str.strip)
CONDITIONS = ("user-agent == Firefox", "has cookie group", "host == www.example.com", "method == GET")
REWRITES = ("/api%[path] if { path_beg /v1 }", "/v2 if path == /v1")
SELECTORS = ("label(app)(foo) && label(version)((.*))", "image(magneticio/sava:.*)", "namespace(default)")
PERIODS = ("PT1M", "P1D", "PT1H30M", "P2W")

scalars = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), TEXT, st.floats(-1e6, 1e6))
plain: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(WORD, inner, max_size=2),
    max_leaves=4,
)
documents = st.dictionaries(WORD, plain, max_size=2)
"""Free-form data: metadata of artifacts, dialects, template definitions."""
maps: st.SearchStrategy[dict[str, Any]] = st.just({}) | st.dictionaries(WORD, scalars, max_size=1)
"""Metadata of nested values: small, to keep generating fast."""
percentages = st.integers(0, 10_000).map(Percentage)
durations = st.integers(0, 100_000).map(Duration)
offsets = st.integers(-12, 12).map(lambda hours: timezone(timedelta(hours=hours)))
times = st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)) | st.datetimes(
    datetime(2000, 1, 1), datetime(2100, 1, 1), timezones=offsets
)


def unique(strategy: st.SearchStrategy[str], max_size: int = 2) -> st.SearchStrategy[list[str]]:
    return st.lists(strategy, max_size=max_size, unique=True)


@st.composite
def ports(draw: st.DrawFn) -> tuple[model.Port, ...]:
    return tuple(
        model.Port(
            name=name,
            number=draw(st.none() | st.integers(1, 65535)),
            protocol=draw(st.sampled_from(model.Protocol)),
        )
        for name in draw(unique(STRICT))
    )


@st.composite
def health_checks(draw: st.DrawFn, port_names: list[str]) -> tuple[model.HealthCheck, ...] | None:
    if not port_names:
        return draw(st.none() | st.just(()))
    checks = st.builds(
        model.HealthCheck,
        path=st.sampled_from(["/", "/health", "/status"]),
        port=st.sampled_from(port_names),
        initial_delay=durations,
        timeout=durations,
        interval=durations,
        failures=st.integers(0, 20),
        protocol=st.sampled_from(["HTTP", "HTTPS"]),
    )
    return draw(st.none() | st.lists(checks, max_size=1).map(tuple))


arguments = st.lists(
    st.one_of(
        st.builds(model.Argument, key=st.just("privileged"), value=st.sampled_from(["true", "false"])),
        st.builds(model.Argument, key=STRICT.filter(lambda key: key != "privileged"), value=TEXT),
    ),
    max_size=2,
).map(tuple)


@st.composite
def breeds(
    draw: st.DrawFn, name: str | None = None, *, placeholders: bool = True, depth: int = 1
) -> model.Breed:
    name = name or draw(NAME)
    found_ports = draw(ports())
    variables = tuple(
        model.EnvironmentVariable(
            name=variable,
            alias=draw(st.none() | STRICT),
            value=draw((st.none() | TEXT) if placeholders else TEXT),
        )
        for variable in draw(unique(STRICT))
    )
    dependencies: dict[str, model.Breed | model.Ref] = {}
    for index, alias in enumerate(draw(unique(STRICT, 2))):
        dependency_name = f"{name}-dependency-{index}"
        inline = breeds(dependency_name, depth=depth - 1) if depth > 0 else st.nothing()
        dependencies[alias] = draw(st.builds(model.Ref, name=st.just(dependency_name)) | inline)
    return model.Breed(
        name=name,
        deployable=model.Deployable(
            type=draw(st.sampled_from([model.DEFAULT_DEPLOYABLE_TYPE, "command", "application/javascript"])),
            definition=draw(WORD),
        ),
        ports=found_ports,
        environment_variables=variables,
        constants=tuple(model.Constant(name=key, value=draw(TEXT)) for key in draw(unique(STRICT))),
        arguments=draw(arguments),
        dependencies=dependencies,
        health_checks=draw(health_checks([port.name for port in found_ports])),
        labels=draw(st.dictionaries(WORD, TEXT, max_size=2)),
        metadata=draw(maps),
    )


scales = st.builds(
    model.Scale,
    name=st.none(),
    cpu=st.integers(0, 10_000).map(Cpu),
    memory=st.integers(0, 10**7).map(Memory),
    instances=st.integers(0, 10),
    metadata=maps,
)
stored_scales = scales.flatmap(lambda scale: NAME.map(lambda name: scale.model_copy(update={"name": name})))
references = st.builds(model.Ref, name=NAME)
conditions = st.builds(model.Condition, definition=st.sampled_from(CONDITIONS), metadata=maps)
rewrites = st.builds(model.Rewrite, path=st.sampled_from(REWRITES), metadata=maps)


@st.composite
def routes(draw: st.DrawFn, *, http: bool = True, selector: bool = False) -> model.Route:
    condition = draw(st.none() | conditions | references) if http else None
    applies = Percentage.FULL if condition is not None else 0  # the same as none: read back as none
    return model.Route(
        condition=condition,
        condition_strength=draw(st.none() | percentages.filter(lambda given: given.hundredths != applies)),
        balance=draw(st.none() | st.sampled_from(["roundrobin", "leastconn", "first"])),
        rewrites=tuple(draw(st.lists(rewrites | references, max_size=2))),
        selector=draw(st.none() | st.sampled_from(SELECTORS)) if selector else None,
        metadata=draw(maps),
    )


@st.composite
def weights(draw: st.DrawFn, count: int, *, exact: bool) -> list[Percentage | None]:
    """``count`` weights that total at most 100 %, or (``exact``) 0 % or 100 % once missing ones share."""
    if count == 0:
        return []
    if draw(st.booleans()):
        return [None] * count
    cuts = sorted(draw(st.lists(st.integers(0, 10_000), min_size=count - 1, max_size=count - 1)))
    parts = [end - start for start, end in zip([0, *cuts], [*cuts, 10_000], strict=True)]
    if not exact:
        parts = [part // 2 for part in parts]
    if exact and draw(st.booleans()):
        parts = [0] * count
    return [Percentage(part) for part in parts]


def route_path(segments: int) -> st.SearchStrategy[str]:
    return st.lists(NAME, min_size=segments, max_size=segments).map("/".join)


route_paths = st.integers(1, 4).flatmap(route_path) | st.from_regex(
    r"\[10\.0\.0\.[0-9]{1,2}:[1-9][0-9]{1,3}\]", fullmatch=True
)


@st.composite
def gateways(draw: st.DrawFn, *, name: bool = True) -> model.Gateway:
    port = draw(
        st.just(model.GatewayPort())
        | st.builds(
            model.GatewayPort,
            number=st.none() | st.integers(1, 65535),
            protocol=st.sampled_from(model.Protocol),
        )
    )
    http = port.protocol is model.Protocol.HTTP
    paths = draw(st.lists(route_paths, max_size=3, unique=True))
    found: dict[str, model.Route | model.Ref] = {}
    for path, weight in zip(paths, draw(weights(len(paths), exact=True)), strict=True):
        selector = "/" not in path and not path.startswith("[")
        found[path] = draw(routes(http=http, selector=selector)).model_copy(update={"weight": weight})
    return model.Gateway(
        name="/".join(draw(st.lists(NAME, min_size=1, max_size=3))) if name else None,
        port=port,
        sticky=draw(st.none() | st.sampled_from(model.Sticky)) if http else None,
        virtual_hosts=tuple(
            draw(st.lists(st.sampled_from(["a.example", "b.example", "foo.bar.com"]), max_size=2))
        ),
        selector=draw(st.none() | st.sampled_from(SELECTORS)),
        routes=found,
        tls=draw(st.none() | st.builds(model.GatewayTls, certificate=WORD, private_key=WORD)),
        metadata=draw(maps),
    )


@st.composite
def escalations(draw: st.DrawFn, targets: list[str], depth: int = 1) -> model.Escalation:
    scale = st.builds(
        model.ScaleEscalation,
        type=st.sampled_from(["scale_instances", "scale_cpu", "scale_memory"]),
        target=st.none() | st.sampled_from(targets) if targets else st.none(),
        minimum=st.integers(0, 5).map(float),
        maximum=st.floats(0, 10, allow_nan=False),
        scale_by=st.sampled_from([1.0, 0.5, 2.0]),
        metadata=maps,
    )
    generic = st.builds(
        model.GenericEscalation,
        type=st.sampled_from(["notify", "page"]),
        parameters=st.dictionaries(st.sampled_from(["channel", "level", "url"]), plain, max_size=2),
    )
    if depth > 0:
        inner = st.lists(escalations(targets, depth - 1) | references, max_size=2).map(tuple)
        group = st.builds(
            model.GroupEscalation, type=st.sampled_from(["to_one", "to_all"]), escalations=inner
        )
        return draw(scale | generic | group)
    return draw(scale | generic)


@st.composite
def slas(draw: st.DrawFn, targets: list[str], *, name: bool = False, depth: int = 1) -> model.Sla:
    kind = draw(st.sampled_from(["response_time_sliding_window", "escalation_only", "custom"]))
    found = draw(st.lists(escalations(targets, depth) | references, max_size=2).map(tuple))
    values: dict[str, Any] = {}
    if kind == "response_time_sliding_window":
        values["threshold"] = model.Threshold(
            upper=draw(st.integers(0, 5000)), lower=draw(st.integers(0, 5000))
        )
        values["window"] = model.Window(interval=draw(durations), cooldown=draw(durations))
    elif kind == "custom":
        values["parameters"] = draw(st.dictionaries(st.sampled_from(["query", "limit"]), plain, max_size=2))
    return model.Sla(
        name=draw(NAME) if name else None, type=kind, escalations=found, metadata=draw(maps), **values
    )


dialects: st.SearchStrategy[dict[str, Any]] = st.just({}) | st.dictionaries(
    st.sampled_from(["kubernetes", "marathon", "docker"]), documents, max_size=1
)
networks = st.none() | st.sampled_from(["BRIDGE", "HOST", "USER"])


@st.composite
def clusters(draw: st.DrawFn, names: list[str], breed_names: list[str]) -> dict[str, model.Cluster]:
    """Clusters ``names`` over the breeds ``breed_names``, each breed once, every rule kept."""
    found: dict[str, model.Cluster] = {}
    position = 0
    for index, cluster in enumerate(names):
        count = draw(st.integers(1, 2)) if index < len(names) - 1 else len(breed_names) - position
        members = breed_names[position : position + count]
        position += count
        services = tuple(draw(services_of(member)) for member in members)
        found[cluster] = draw(cluster_of(services, names))
    return found


@st.composite
def services_of(draw: st.DrawFn, breed_name: str) -> model.Service:
    breed = draw(st.just(model.Ref(name=breed_name)) | breeds(breed_name, placeholders=False, depth=0))
    if isinstance(breed, model.Breed):
        breed = breed.model_copy(update={"dependencies": {}})
        known = [var.name for var in breed.environment_variables]
        variables = (
            {key: draw(TEXT) for key in draw(st.lists(st.sampled_from(known), unique=True))} if known else {}
        )
        checks = draw(health_checks([port.name for port in breed.ports]))
    else:
        variables = draw(st.dictionaries(STRICT, TEXT, max_size=2))
        checks = draw(health_checks(draw(unique(STRICT, 2))))
    return model.Service(
        breed=breed,
        scale=draw(st.none() | scales | references),
        environment_variables=variables,
        arguments=draw(arguments),
        health_checks=checks,
        network=draw(networks),
        dialects=draw(dialects),
    )


def _ports(
    services: tuple[model.Service, ...] | tuple[model.DeploymentService, ...],
) -> dict[str, bool] | None:
    """Port name → whether it is HTTP in every breed; ``None`` if a breed is a reference."""
    if not all(isinstance(service.breed, model.Breed) for service in services):
        return None
    return _protocols(services)


def _protocols(services: tuple[model.Service, ...] | tuple[model.DeploymentService, ...]) -> dict[str, bool]:
    """Port name → whether it is HTTP in every breed given inline."""
    found: dict[str, bool] = {}
    for service in services:
        for port in service.breed.ports if isinstance(service.breed, model.Breed) else ():
            found[port.name] = found.get(port.name, True) and port.protocol is model.Protocol.HTTP
    return found


@st.composite
def cluster_gateways(
    draw: st.DrawFn, services: tuple[model.Service, ...] | tuple[model.DeploymentService, ...], deployed: bool
) -> dict[str, model.Gateway]:
    known = _ports(services)
    names = list(known) if known is not None else draw(unique(STRICT, 2))
    found: dict[str, model.Gateway] = {}
    protocols = _protocols(services)
    for port in draw(st.lists(st.sampled_from(names), unique=True)) if names else []:
        http = protocols.get(port, True)
        members = draw(st.lists(st.sampled_from([service.breed.name for service in services]), unique=True))
        given = draw(weights(len(members), exact=False))
        gateway_routes: dict[str, model.Route | model.Ref] = {
            member: draw(routes(http=http)).model_copy(update={"weight": weight})
            for member, weight in zip(members, given, strict=True)
        }
        number = draw(st.none() | st.integers(40000, 45000)) if deployed else None
        found[port] = model.Gateway(
            port=model.GatewayPort(number=number),
            sticky=draw(st.none() | st.sampled_from(model.Sticky)) if http else None,
            virtual_hosts=tuple(draw(st.lists(st.sampled_from(["webport.sava.sava.vamp"]), max_size=1))),
            routes=gateway_routes,
            metadata=draw(maps),
        )
    return found


@st.composite
def cluster_of(draw: st.DrawFn, services: tuple[model.Service, ...], names: list[str]) -> model.Cluster:
    known = _ports(services)
    port_names = list(known) if known is not None else draw(unique(STRICT, 2))
    sla = draw(
        st.none()
        | references
        | st.builds(
            model.SlaReference, name=NAME, escalations=st.lists(escalations(names, 0), max_size=1).map(tuple)
        )
        | slas(names, depth=0)
    )
    return model.Cluster(
        services=services,
        gateways=draw(cluster_gateways(services, deployed=False)),
        health_checks=draw(health_checks(port_names)) if known is not None else None,
        network=draw(networks),
        sla=sla,
        dialects=draw(dialects),
        metadata=draw(maps),
    )


@st.composite
def external_gateways(
    draw: st.DrawFn, found: dict[str, model.Cluster] | dict[str, model.DeploymentCluster], *, deployed: bool
) -> dict[str, model.Gateway]:
    targets: list[str] = []
    for name, cluster in found.items():
        known = _ports(cluster.services)
        targets += [f"{name}/{port}" for port in (known if known is not None else draw(unique(STRICT, 1)))]
    if deployed:
        targets = [f"deployment/{target}" for target in targets]
    result: dict[str, model.Gateway] = {}
    for number in draw(st.lists(st.integers(1, 65535), unique=True, max_size=2)):
        protocol = draw(st.sampled_from(model.Protocol))
        http = protocol is model.Protocol.HTTP
        members = draw(st.lists(st.sampled_from(targets), unique=True)) if targets else []
        given = draw(weights(len(members), exact=True))
        result[str(number)] = model.Gateway(
            port=model.GatewayPort(number=number, protocol=protocol),
            sticky=draw(st.none() | st.sampled_from(model.Sticky)) if http else None,
            virtual_hosts=tuple(draw(st.lists(st.sampled_from(["a.example", "b.example"]), max_size=1))),
            routes={
                member: draw(routes(http=http)).model_copy(update={"weight": weight})
                for member, weight in zip(members, given, strict=True)
            },
            metadata=draw(maps),
        )
    return result


@st.composite
def blueprints(draw: st.DrawFn) -> model.Blueprint:
    names = draw(st.lists(STRICT.map(str.lower), min_size=1, max_size=2, unique=True))
    breed_names = draw(st.lists(NAME, min_size=len(names), max_size=len(names) + 1, unique=True))
    found = draw(clusters(names, breed_names))
    environment: dict[str, str | None] = {}
    for name, cluster in found.items():
        traits = [
            var.name
            for service in cluster.services
            if isinstance(service.breed, model.Breed)
            for var in service.breed.environment_variables
        ]
        if all(isinstance(service.breed, model.Breed) for service in cluster.services):
            keys = draw(st.lists(st.sampled_from(traits), unique=True, max_size=2)) if traits else []
        else:
            keys = draw(unique(STRICT, 2))
        environment |= {f"{name}.{key}": draw(TEXT) for key in keys}
    return model.Blueprint(
        name=draw(NAME),
        clusters=found,
        gateways=draw(external_gateways(found, deployed=False)),
        environment_variables=environment,
        dialects=draw(dialects),
        metadata=draw(documents),
    )


@st.composite
def deployment_services(draw: st.DrawFn, breed_name: str, clusters_: list[str]) -> model.DeploymentService:
    breed = draw(breeds(breed_name, placeholders=False, depth=0)).model_copy(update={"dependencies": {}})
    known = [var.name for var in breed.environment_variables]
    port_names = [port.name for port in breed.ports]
    instances = st.builds(
        model.Instance,
        name=NAME,
        host=st.sampled_from(["10.0.0.1", "127.0.0.1", "sava-1"]),
        ports=st.dictionaries(st.sampled_from(port_names), st.integers(1, 65535))
        if port_names
        else st.just({}),
        deployed=st.booleans(),
    )
    phase = st.builds(
        model.Phase, name=st.sampled_from(model.PhaseName), since=times, notification=st.none() | TEXT
    )
    return model.DeploymentService(
        breed=breed,
        scale=draw(scales | stored_scales),
        status=draw(
            st.builds(
                model.ServiceStatus, intention=st.sampled_from(model.Intention), since=times, phase=phase
            )
        ),
        environment_variables={key: draw(TEXT) for key in draw(st.lists(st.sampled_from(known), unique=True))}
        if known
        else {},
        arguments=draw(arguments),
        health_checks=draw(health_checks(port_names)),
        network=draw(networks),
        dialects=draw(dialects),
        instances=tuple(draw(st.lists(instances, max_size=2))),
        dependencies=draw(st.dictionaries(STRICT, st.sampled_from(clusters_), max_size=2)),
    )


@st.composite
def deployments(draw: st.DrawFn) -> model.Deployment:
    names = draw(st.lists(STRICT.map(str.lower), min_size=1, max_size=2, unique=True))
    breed_names = iter(draw(st.lists(NAME, min_size=4, max_size=4, unique=True)))
    found: dict[str, model.DeploymentCluster] = {}
    for name in names:
        services = tuple(
            draw(deployment_services(next(breed_names), names)) for _ in range(draw(st.integers(0, 2)))
        )
        found[name] = model.DeploymentCluster(
            services=services,
            gateways=draw(cluster_gateways(services, deployed=True)),
            health_checks=None,
            network=draw(networks),
            sla=draw(st.none() | references | slas(names, depth=0)),
            dialects=draw(dialects),
            metadata=draw(maps),
        )
    return model.Deployment(
        name=draw(NAME),
        clusters=found,
        gateways=draw(external_gateways(found, deployed=True)),
        ports=draw(
            st.dictionaries(st.sampled_from([f"{name}.webport" for name in names]), st.integers(1, 65535))
        ),
        environment_variables=draw(
            st.dictionaries(st.sampled_from([f"{name}.DEBUG" for name in names]), TEXT)
        ),
        hosts=draw(
            st.dictionaries(st.sampled_from(names), st.sampled_from(["10.0.0.5", "vamp-gateway-agent"]))
        ),
        dialects=draw(dialects),
        metadata=draw(documents),
    )


schedules = st.one_of(
    st.builds(model.DaemonSchedule),
    st.builds(model.EventSchedule, tags=st.lists(WORD, min_size=1, max_size=3).map(tuple)),
    st.builds(
        model.TimeSchedule,
        period=st.sampled_from(PERIODS),
        start=st.none() | times,
        repeat=st.none() | st.integers(1, 100),
    ),
)

workflows = st.builds(
    model.Workflow,
    name=NAME,
    breed=references | breeds(depth=0),
    schedule=schedules,
    status=st.sampled_from(model.WorkflowStatus),
    scale=st.none() | scales | references,
    environment_variables=st.dictionaries(STRICT, TEXT, max_size=2),
    arguments=arguments,
    network=networks,
    health_checks=st.none() | st.just(()),
    dialects=dialects,
    metadata=documents,
)

templates = st.builds(model.Template, name=NAME, definition=documents, metadata=documents)


positive_durations = st.integers(1, 100_000).map(Duration)


@st.composite
def releases(draw: st.DrawFn) -> model.Release:
    """A valid release of any strategy, with the fields only that strategy takes."""
    strategy = draw(st.sampled_from(model.Strategy))
    interval = draw(positive_durations)
    extra: dict[str, Any] = {}
    if strategy is model.Strategy.CANARY:
        weights = draw(st.lists(st.integers(1, 10_000), min_size=1, max_size=5, unique=True))
        extra["steps"] = tuple(Percentage(weight) for weight in sorted(weights))
    elif strategy is model.Strategy.BLUE_GREEN:
        extra["preview"] = draw(st.sampled_from(CONDITIONS))
        extra["rollback_window"] = draw(st.none() | positive_durations)
    else:
        extra["condition"] = draw(st.sampled_from(CONDITIONS))
        extra["condition_strength"] = draw(st.none() | percentages)
    latency = st.builds(
        model.LatencyCheck,
        percentile=st.sampled_from([50.0, 90.0, 99.0, 99.9]),
        max_increase=st.none() | percentages,
        max=st.none() | st.sampled_from([0.5, 250.0, 1500.0]),
    )
    errors = st.builds(model.ErrorsCheck, max_increase=st.none() | percentages, max=st.none() | percentages)
    return model.Release(
        name=draw(NAME),
        gateway=draw(NAME),
        from_="a:1.0",
        to=draw(st.sampled_from(["b:1.1", "(2.0.1)"])),
        strategy=strategy,
        interval=interval,
        samples=draw(st.integers(1, 10_000)),
        timeout=draw(st.none() | st.integers(interval.seconds, 200_000).map(Duration)),
        checks=model.Checks(errors=draw(st.none() | errors), latency=draw(st.none() | latency)),
        confidence=Percentage(draw(st.integers(5001, 9999))),
        on_failure=draw(st.sampled_from(model.OnFailure)),
        on_success=draw(st.sampled_from(model.OnSuccess)),
        undeploy=draw(st.booleans()),
        webhooks=draw(
            st.lists(
                st.builds(
                    model.Webhook,
                    name=st.sampled_from(["smoke", "load", "gate"]),
                    url=st.sampled_from(["http://127.0.0.1:9000/ok", "https://gate.example/x?y=1"]),
                    on=st.sampled_from(model.WebhookMoment),
                    timeout=positive_durations,
                ),
                max_size=3,
                unique_by=lambda hook: hook.name,
            ).map(tuple)
        ),
        metadata=draw(documents),
        **extra,
    )


def named(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Stored artifacts carry a name."""
    return st.tuples(strategy, NAME).map(lambda pair: pair[0].model_copy(update={"name": pair[1]}))


artifacts: st.SearchStrategy[model.Artifact] = st.one_of(
    breeds(),
    blueprints(),
    blueprints(),
    stored_scales,
    slas([], name=True),
    named(escalations([])),
    named(conditions),
    named(
        st.builds(
            lambda route, weight: route.model_copy(update={"weight": weight}),
            routes(),
            st.none() | percentages,
        )
    ),
    named(rewrites),
    templates,
    gateways(),
    gateways(),
    deployments(),
    deployments(),
    workflows,
    releases(),
)
"""Every kind; blueprints, gateways and deployments, the richest, twice as often."""

"""Breeds (vamp.md §1.3): every form of their fields, and the messages for what is not one."""

from __future__ import annotations

import pytest

from tests.core.dsl.outcomes import located, messages, one
from vamp.core import model
from vamp.core.units import Duration

BASE = "name: sava:1.0.0\ndeployable: magneticio/sava:1.0.0\n"


def breed(extra: str = "", base: str = BASE) -> model.Breed:
    found = one(base + extra, "breeds")
    assert isinstance(found, model.Breed)
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("deployable: magneticio/sava:1.0.0", model.Deployable(definition="magneticio/sava:1.0.0")),
        (
            "deployable: {type: command, definition: python3 -m http.server $PORT}",
            model.Deployable(type="command", definition="python3 -m http.server $PORT"),
        ),
        (
            "deployable: {definition: magneticio/sava:1.0.0}",
            model.Deployable(definition="magneticio/sava:1.0.0"),
        ),
    ],
)
def test_a_deployable_is_an_image_or_a_type_and_definition(text: str, expected: model.Deployable) -> None:
    assert breed(text, base="name: sava:1.0.0\n").deployable == expected


def test_ports_take_every_form() -> None:
    found = breed(
        """\
ports:
  webport: 8080/http
  admin: 9023/tcp
  plain: '8080'
  number: 8081
  shouting: 8082/HTTP
  later: ~
  later_tcp: /tcp
"""
    )
    assert found.ports == (
        model.Port(name="webport", number=8080),
        model.Port(name="admin", number=9023, protocol=model.Protocol.TCP),
        model.Port(name="plain", number=8080),
        model.Port(name="number", number=8081),
        model.Port(name="shouting", number=8082),
        model.Port(name="later"),
        model.Port(name="later_tcp", protocol=model.Protocol.TCP),
    )


@pytest.mark.parametrize("key", ["environment_variables", "env"])
def test_environment_variables_take_aliases_placeholders_and_scalars(key: str) -> None:
    found = breed(
        f"""\
{key}:
  DEBUG[SAVA_DEBUG]: true
  HEAP: 1200
  RATIO: 0.5
  DB_PASSWORD: ~
  BACKEND: http://$backend.host:$backend.ports.port
dependencies:
  backend: sava-backend:1.0.0
"""
    )
    assert found.environment_variables == (
        model.EnvironmentVariable(name="DEBUG", alias="SAVA_DEBUG", value="true"),
        model.EnvironmentVariable(name="HEAP", value="1200"),
        model.EnvironmentVariable(name="RATIO", value="0.5"),
        model.EnvironmentVariable(name="DB_PASSWORD"),
        model.EnvironmentVariable(name="BACKEND", value="http://$backend.host:$backend.ports.port"),
    )
    assert found.environment_variables[0].injected_name == "SAVA_DEBUG"


def test_constants_and_labels_become_strings() -> None:
    found = breed("constants: {SCHEMA: customers, VERSION: 2}\nlabels: {team: shop, tier: 1}\n")
    assert found.constants == (
        model.Constant(name="SCHEMA", value="customers"),
        model.Constant(name="VERSION", value="2"),
    )
    assert found.labels == {"team": "shop", "tier": "1"}


@pytest.mark.parametrize(
    "text",
    [
        "arguments: [{privileged: true}, {label: web}]",
        "arguments: {privileged: true, label: web}",
        "arguments: [{privileged: 'TRUE'}, {label: web}]",
    ],
)
def test_arguments_are_a_list_of_single_key_maps_or_one_map(text: str) -> None:
    assert breed(text).arguments == (
        model.Argument(key="privileged", value="true"),
        model.Argument(key="label", value="web"),
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("backend: sava-backend:1.0.0", model.Ref(name="sava-backend:1.0.0")),
        ("backend: mysql:1.*", model.Ref(name="mysql:1.*")),
        ("backend: {reference: sava-backend:1.0.0}", model.Ref(name="sava-backend:1.0.0")),
        ("backend: {ref: sava-backend:1.0.0}", model.Ref(name="sava-backend:1.0.0")),
        ("backend: {breed: sava-backend:1.0.0}", model.Ref(name="sava-backend:1.0.0")),
        ("backend: {breed: {ref: sava-backend:1.0.0}}", model.Ref(name="sava-backend:1.0.0")),
        (
            "backend: {name: sava-backend:1.0.0, deployable: magneticio/sava-backend:1.0.0}",
            model.Breed(
                name="sava-backend:1.0.0",
                deployable=model.Deployable(definition="magneticio/sava-backend:1.0.0"),
            ),
        ),
        (
            "backend: {breed: {name: sava-backend:1.0.0, deployable: magneticio/sava-backend:1.0.0}}",
            model.Breed(
                name="sava-backend:1.0.0",
                deployable=model.Deployable(definition="magneticio/sava-backend:1.0.0"),
            ),
        ),
    ],
)
def test_a_dependency_is_a_breed_by_name_by_reference_or_inline(text: str, expected: object) -> None:
    assert breed(f"dependencies:\n  {text}\n").dependencies == {"backend": expected}


CHECK = model.HealthCheck(
    port="webport", initial_delay=Duration(10), timeout=Duration(5), interval=Duration(60), failures=3
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "health_checks: {port: webport, initial_delay: 10s, timeout: 5, interval: 1m, failures: 3}",
            (CHECK,),
        ),
        (
            "health_checks:\n- {path: /health, port: webport, initial_delay: 10sec, timeout: 5s, interval: "
            "1minute, "
            "failures: 3, protocol: HTTPS}",
            (CHECK.model_copy(update={"path": "/health", "protocol": "HTTPS"}),),
        ),
        ("health_checks: []", ()),
        ("", None),
    ],
)
def test_health_checks_are_one_map_or_a_list(text: str, expected: object) -> None:
    assert breed("ports: {webport: 8080}\n" + text + "\n").health_checks == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "ports: {webport: 8080/udp}",
            [
                (
                    "ports.webport",
                    "Unsupported value '8080/udp' for port 'webport'; write a number with an optional type: "
                    "8080, "
                    "'8080/http' or '8080/tcp' (1-65535).",
                )
            ],
        ),
        (
            "ports: {webport: 0}",
            [
                (
                    "ports.webport",
                    "Unsupported value 0 for port 'webport'; write a number with an optional type: 8080, "
                    "'8080/http' or '8080/tcp' (1-65535).",
                )
            ],
        ),
        (
            "ports: {web.port: 8080}",
            [
                (
                    "ports['web.port']",
                    "Illegal strict name - white space characters, '/', '[', ']' and '.' are not allowed: "
                    "'web.port'.",
                )
            ],
        ),
        (
            "ports: {webport: {number: 8080}}",
            [
                (
                    "ports.webport",
                    "Malformed entry for port 'webport': expected a string, a number, a boolean or null, "
                    "not a map.",
                )
            ],
        ),
        ("ports: [8080]", [("ports", "Expected a map of port names to port values, not a list.")]),
        (
            "env: {HOSTS: [a, b]}",
            [
                (
                    "environment_variables.HOSTS",
                    "Malformed entry for environment variable 'HOSTS': expected a string, a number, a "
                    "boolean or "
                    "null, not a list.",
                )
            ],
        ),
        (
            "env: {A: 1}\nenvironment_variables: {B: 2}",
            [("env", "Give either 'environment_variables' or 'env' in breed, not both.")],
        ),
        (
            "constants: {SCHEMA: ~}",
            [
                (
                    "constants.SCHEMA",
                    "Missing constant value for 'SCHEMA' and breed 'sava:1.0.0 -> magneticio/sava:1.0.0'; "
                    "a constant needs a value.",
                )
            ],
        ),
        (
            "arguments: [privileged]",
            [
                (
                    "arguments[0]",
                    "Invalid argument - argument must be in form of 'key: value', not the string "
                    "'privileged'.",
                )
            ],
        ),
        (
            "arguments: [{a: 1, b: 2}]",
            [("arguments[0]", "Invalid argument - argument must be in form of 'key: value', not a map.")],
        ),
        (
            "arguments: [{privileged: maybe}]",
            [("arguments[0]", "Argument privileged has an invalid value: maybe; use true or false.")],
        ),
        (
            "arguments: privileged",
            [
                (
                    "arguments",
                    "Invalid argument - argument must be in form of 'key: value'; give a list of such maps, "
                    "not "
                    "the string 'privileged'.",
                )
            ],
        ),
        (
            "dependencies: {backend: {ref: a, deployable: b}}",
            [
                (
                    "dependencies.backend.deployable",
                    "Unexpected key 'deployable' in reference; valid keys are: ref, reference.",
                )
            ],
        ),
        (
            "dependencies: {backend: {deployable: b}}",
            [("dependencies.backend.name", "Missing required key 'name' in breed.")],
        ),
        (
            "health_checks: {port: webport, timeout: soon}",
            [
                ("health_checks[0].initial_delay", "Missing required key 'initial_delay' in health check."),
                ("health_checks[0].interval", "Missing required key 'interval' in health check."),
                ("health_checks[0].failures", "Missing required key 'failures' in health check."),
                (
                    "health_checks[0].timeout",
                    "Expected a time such as 10, '10s', '5m', '5min' or '1h', not 'soon'.",
                ),
            ],
        ),
        (
            "health_checks: [{port: webport, initial_delay: 1, timeout: 1, interval: 1, failures: 1, "
            "protocol: TCP}]",
            [("health_checks[0].protocol", "Unsupported health check protocol 'TCP'; use HTTP or HTTPS.")],
        ),
        ("labels: {team: {a: b}}", [("labels.team", "Expected a string label value, not a map.")]),
        (
            "image: x",
            [
                (
                    "image",
                    "Unexpected key 'image' in breed; valid keys are: arguments, constants, dependencies, "
                    "deployable, env, environment_variables, health_checks, labels, metadata, name, ports.",
                )
            ],
        ),
    ],
)
def test_what_is_not_a_breed_field_is_an_issue(text: str, expected: list[tuple[str, str]]) -> None:
    assert messages(BASE + text + "\n", "breeds") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "deployable: ''",
            [
                (
                    "deployable",
                    "Undefined deployable - give an image name, a command or a script, not an empty string.",
                )
            ],
        ),
        ("deployable: [a]", [("deployable", "Expected a map of deployable fields, not a list.")]),
        (
            "deployable: {type: command}",
            [("deployable.definition", "Missing required key 'definition' in deployable.")],
        ),
        ("ports: {}", [("deployable", "Missing required key 'deployable' in breed.")]),
    ],
)
def test_a_deployable_is_required_and_never_empty(text: str, expected: list[tuple[str, str]]) -> None:
    assert messages("name: sava:1.0.0\n" + text + "\n", "breeds") == expected


def test_breed_rules_are_checked_on_read() -> None:
    text = """\
        name: sava:1.0.0
        deployable: magneticio/sava:1.0.0
        ports: {webport: 8080}
        environment_variables:
          BACKEND: http://$backend.host:$backend.ports.admin
          CACHE: ${cache.host}
          PRICE: $$5 and ${config://vamp.gateway-driver.host}
        dependencies:
          backend:
            name: sava-backend:1.0.0
            deployable: magneticio/sava-backend:1.0.0
            ports: {port: 8080}
            dependencies:
              frontend: sava:1.0.0
        health_checks:
          - {port: metrics, initial_delay: 1s, timeout: 1s, interval: 1s, failures: -2}
        """
    assert located(text, "breeds") == [
        "5:12 environment_variables.BACKEND: Unresolved reference 'backend.ports.admin' in breed "
        "'sava:1.0.0 -> magneticio/sava:1.0.0'. Check if breed dependency is declared.",
        "6:10 environment_variables.CACHE: Unresolved reference 'cache.host' in breed "
        "'sava:1.0.0 -> magneticio/sava:1.0.0'. Check if breed dependency is declared.",
        "9:3 dependencies: Recursive (cyclic) dependency detected for breed 'sava:1.0.0': "
        "sava:1.0.0 -> sava-backend:1.0.0 -> sava:1.0.0.",
        "16:12 health_checks[0].port: Unresolved port reference: metrics. The ports are: 'webport'.",
        "16:77 health_checks[0].failures: Failures can not be negative: -2.",
    ]

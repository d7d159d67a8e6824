"""Readers of the pieces breeds, services, clusters and workflows share (vamp.md §1.3, §1.5, §1.12, §1.17).

Ports (``webport: 8080/http``), environment variables with ``NAME[ALIAS]`` keys and ``~`` placeholders,
constants, arguments, health checks, dialects, labels, scales and durations, and ``service_settings``:
what a service, a deployment service and a workflow are all run with. Scalar values of variables become
strings the way Vamp makes them (``true`` → ``"true"``, ``1200`` → ``"1200"``); maps and lists there
are errors.
"""

from __future__ import annotations

import re
from typing import Any

from vamp.core import model, units
from vamp.core.dsl import artifact
from vamp.core.dsl.cursor import Cursor, Fields, describe, each, scalar_text

_PORT = re.compile(r"^\s*(\d*)\s*(?:/\s*([a-zA-Z]+)\s*)?$")
_ALIASED = re.compile(r"^([^\[\]]+)\[([^\[\]\s]+)\]$")
PORT_FORMS = "a number with an optional type: 8080, '8080/http' or '8080/tcp'"


def port_value(value: object) -> tuple[int | None, model.Protocol | None] | None:
    """``8080``, ``"8080/http"``, ``"8080/tcp"`` or ``"/tcp"`` as number and protocol (``None`` where not
    given); ``None`` when the value is none of these."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value, None
    if not isinstance(value, str):
        return None
    match = _PORT.match(value)
    if match is None:
        return None
    number, protocol = match.groups()
    if protocol is not None and protocol.lower() not in ("http", "tcp"):
        return None
    return (int(number) if number else None), (model.Protocol(protocol.lower()) if protocol else None)


def ports(cursor: Cursor) -> tuple[model.Port, ...]:
    found: list[model.Port] = []
    for key, item in cursor.items("a map of port names to port values"):
        port_name = cursor.key(key).name(strict=True)
        if isinstance(item.value, dict | list):
            item.error(_malformed("port", key, item.value))
            continue
        parsed = (None, None) if item.value is None else port_value(item.value)
        if parsed is None or (parsed[0] is not None and not 1 <= parsed[0] <= 65535):
            item.error(f"Unsupported value {item.value!r} for port {key!r}; write {PORT_FORMS} (1-65535).")
            continue
        if port_name is not None:
            number, protocol = parsed
            found.append(model.Port(name=port_name, number=number, protocol=protocol or model.Protocol.HTTP))
    return tuple(found)


def _malformed(what: str, key: str, value: object) -> str:
    return (
        f"Malformed entry for {what} {key!r}: expected a string, a number, a boolean or null, "
        f"not {describe(value)}."
    )


def environment_variables(cursor: Cursor) -> tuple[model.EnvironmentVariable, ...]:
    """A breed's variables: ``NAME: value``, ``NAME[ALIAS]: value``, ``NAME: ~`` (a placeholder)."""
    found: list[model.EnvironmentVariable] = []
    for key, item in cursor.items("a map of environment variable names to values"):
        aliased = _ALIASED.match(key)
        variable, alias = aliased.groups() if aliased else (key, None)
        problem = model.name_problem(variable, strict=True)
        if problem is not None:
            cursor.key(key).error(problem)
        if isinstance(item.value, dict | list):
            item.error(_malformed("environment variable", key, item.value))
            continue
        if problem is None:
            found.append(model.EnvironmentVariable(name=variable, alias=alias, value=item.text()))
    return tuple(found)


def variables(cursor: Cursor) -> dict[str, str | None]:
    """Variables of a scope (service, cluster, workflow): names as written, values as strings."""
    found: dict[str, str | None] = {}
    for key, item in cursor.items("a map of environment variable names to values"):
        if isinstance(item.value, dict | list):
            item.error(_malformed("environment variable", key, item.value))
            continue
        found[key] = item.text()
    return found


def constants(cursor: Cursor, breed: str) -> tuple[model.Constant, ...]:
    found: list[model.Constant] = []
    for key, item in cursor.items("a map of constant names to values"):
        checked = cursor.key(key).name(strict=True)
        if isinstance(item.value, dict | list):
            item.error(_malformed("constant", key, item.value))
            continue
        value = item.text()
        if value is None:
            item.error(f"Missing constant value for {key!r} and breed {breed!r}; a constant needs a value.")
            continue
        if checked is not None:
            found.append(model.Constant(name=checked, value=value))
    return tuple(found)


def labels(cursor: Cursor) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, item in cursor.items("a map of label names to values"):
        if item.value is None or isinstance(item.value, dict | list):
            item.expected("a string label value")
            continue
        found[key] = scalar_text(item.value)
    return found


_ARGUMENT_FORM = "Invalid argument - argument must be in form of 'key: value'"


def arguments(cursor: Cursor) -> tuple[model.Argument, ...]:
    """``[{privileged: true}, {label: x}]``, or one map of several arguments."""
    if isinstance(cursor.value, dict):
        items = [
            cursor.child(index, {key: value}, key) for index, (key, value) in enumerate(cursor.value.items())
        ]
    elif isinstance(cursor.value, list):
        items = list(cursor.elements())
    else:
        cursor.error(f"{_ARGUMENT_FORM}; give a list of such maps, not {describe(cursor.value)}.")
        return ()
    return each(items, _argument)


def _argument(item: Cursor) -> model.Argument | None:
    value = item.value
    if not isinstance(value, dict) or len(value) != 1:
        item.error(f"{_ARGUMENT_FORM}, not {describe(value)}.")
        return None
    ((key, given),) = value.items()
    if given is None or isinstance(given, dict | list):
        item.error(f"{_ARGUMENT_FORM}; the value of {key!r} is {describe(given)}.")
        return None
    text = scalar_text(given)
    if key == "privileged" and text.lower() not in ("true", "false"):
        item.error(f"Argument privileged has an invalid value: {text}; use true or false.")
        return None
    return model.Argument(key=key, value=text.lower() if key == "privileged" else text)


def health_checks(cursor: Cursor) -> tuple[model.HealthCheck, ...] | None:
    """One health check map, or a list of them; an empty list switches checks off."""
    if cursor.value is None:
        return None
    items = (
        [cursor.moved(0)] if isinstance(cursor.value, dict) else cursor.elements("a list of health checks")
    )
    return each(items, _health_check)


def _health_check(cursor: Cursor) -> model.HealthCheck | None:
    fields = cursor.fields("health check")
    if fields is None:
        return None
    return fields.build(
        model.HealthCheck,
        path=fields.read("path", Cursor.string, "/"),
        port=fields.read_required("port", Cursor.string),
        **{key: fields.read_required(key, duration) for key in ("initial_delay", "timeout", "interval")},
        failures=fields.read_required("failures", Cursor.integer),
        protocol=fields.read("protocol", _protocol, "HTTP"),
    )


def duration(cursor: Cursor) -> units.Duration | None:
    """A time in seconds (``10``, ``10s``, ``5min``)."""
    return cursor.unit(units.Duration.parse)


def _protocol(cursor: Cursor) -> str | None:
    text = cursor.string()
    if text is not None and text.upper() in ("HTTP", "HTTPS"):
        return text.upper()
    if text is not None:
        cursor.error(f"Unsupported health check protocol {text!r}; use HTTP or HTTPS.")
    return None


def dialects(fields: Fields) -> dict[str, Any]:
    return fields.read("dialects", Cursor.mapping, alias="dialect") or {}


def network(fields: Fields) -> str | None:
    return fields.read("network", Cursor.string)


def service_settings(fields: Fields) -> dict[str, Any]:
    """What a service, a deployment service and a workflow are run with, by model field."""
    return {
        "environment_variables": fields.read("environment_variables", variables, {}, alias="env"),
        "arguments": fields.read("arguments", arguments, ()),
        "health_checks": fields.read("health_checks", health_checks),
        "network": network(fields),
        "dialects": dialects(fields),
    }


def scale(cursor: Cursor) -> model.Scale | model.Ref | None:
    """A service's scale: a name, ``{reference: name}`` or ``{cpu, memory, instances}``."""
    return artifact.weak(cursor, "scale", lambda inline: scale_fields(inline, named=False))


def scale_fields(cursor: Cursor, *, named: bool) -> model.Scale | None:
    fields = cursor.fields("scale")
    if fields is None:
        return None
    metadata = artifact.common(fields, "scales")
    scale_name = artifact.name(fields) if named else None
    return fields.build(
        model.Scale,
        name=scale_name,
        cpu=fields.read_required("cpu", _cpu),
        memory=fields.read_required("memory", _memory),
        instances=fields.read("instances", _instances, 1),
        metadata=metadata,
    )


def _cpu(cursor: Cursor) -> units.Cpu | None:
    return cursor.unit(units.Cpu.parse)


def _memory(cursor: Cursor) -> units.Memory | None:
    return cursor.unit(units.Memory.parse)


def _instances(cursor: Cursor) -> int | None:
    return cursor.integer(minimum=0)

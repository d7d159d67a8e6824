"""Reading and writing releases (issue 11): the policy that moves a gateway's traffic to a new route.

```yaml
kind: releases
name: sava-1.1
gateway: sava/sava/webport
from: sava:1.0.0                  # the baseline route
to: sava:1.1.0                    # the candidate route
strategy: canary                  # canary | blue-green | ab
steps: [5%, 10%, 25%, 50%, 100%]  # canary only; or step: 10%, max: 50% (10, 20, ... 50)
interval: 30s
samples: 200
timeout: 10m                      # default 10 × interval, at least 5 minutes
checks:
  errors:  {max_increase: 1%, max: 5%}
  latency: {percentile: 99, max_increase: 20%, max: 500ms}
confidence: 95%
on_failure: rollback              # rollback | pause
on_success: promote               # promote | hold
undeploy: false
preview: header X-Preview == true # blue-green only (required there); rollback_window: 10m too
condition: user-agent == Firefox  # ab only (required there); condition_strength: 50% too
webhooks: [{name: smoke, url: "http://127.0.0.1:9000/ok", on: pre-step, timeout: 10s}]
```

Percentages are numbers (``5``) or text ending in ``%`` (``"5%"``); times are those of the rest of the
DSL (``30``, ``30s``, ``5m``); latencies are milliseconds (``500``, ``500ms``, ``0.5s``). Every wrong field
is reported at its place with what would be valid. The ``status`` the API shows with a release is its
controller's, not the policy's: sent back with the policy, it is accepted and ignored. ``release_data``
writes a release back in the canonical form (steps always as a list), which reads back to the same model.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from vamp.core import model, units
from vamp.core.dsl import artifact, routes, traits
from vamp.core.dsl.cursor import Cursor, Fields, describe

MINIMUM_CONFIDENCE = units.Percentage.of(50)
MAXIMUM_CONFIDENCE = units.Percentage.of("99.99")
_LATENCY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)


def release(cursor: Cursor) -> model.Release | None:
    fields = cursor.fields("release")
    if fields is None:
        return None
    metadata = artifact.common(fields, "releases")
    fields.ignore("status")
    strategy = fields.read("strategy", _strategy, model.Strategy.CANARY)
    baseline = fields.read_required("from", _route_name)
    candidate = fields.read_required("to", _route_name)
    if baseline is not None and baseline == candidate:
        found = fields.get("to")
        if found is not None:
            found.error(f"A release goes from one route to another: 'from' and 'to' are both {baseline!r}.")
    interval = fields.read("interval", _positive_duration, model.release.DEFAULT_INTERVAL)
    timeout = fields.read("timeout", _positive_duration)
    if timeout is not None and interval is not None and timeout < interval:
        _at(fields, "timeout").error(
            f"A release's timeout ({timeout}) must be at least its interval ({interval}): a step lasts "
            "at least one interval."
        )
    values: dict[str, Any] = {
        "steps": _steps(fields, strategy),
        "preview": _only(fields, strategy, model.Strategy.BLUE_GREEN, "preview", routes.definition),
        "rollback_window": _only(
            fields, strategy, model.Strategy.BLUE_GREEN, "rollback_window", _positive_duration
        ),
        "condition": _only(fields, strategy, model.Strategy.AB, "condition", routes.definition),
        "condition_strength": _only(fields, strategy, model.Strategy.AB, "condition_strength", percentage),
    }
    return fields.build(
        model.Release,
        name=artifact.name(fields),
        gateway=fields.read_required("gateway", lambda found: found.name(allow_slash=True)),
        from_=baseline,
        to=candidate,
        strategy=strategy,
        interval=interval,
        samples=fields.read("samples", lambda found: found.integer(minimum=1), model.release.DEFAULT_SAMPLES),
        timeout=timeout,
        checks=fields.read("checks", _checks, model.Checks()),
        confidence=fields.read("confidence", _confidence, model.release.DEFAULT_CONFIDENCE),
        on_failure=fields.read("on_failure", _on_failure, model.OnFailure.ROLLBACK),
        on_success=fields.read("on_success", _on_success, model.OnSuccess.PROMOTE),
        undeploy=fields.read("undeploy", Cursor.boolean, False),
        webhooks=fields.read("webhooks", _webhooks, ()),
        metadata=metadata,
        **{key: value for key, value in values.items() if value is not None},
    )


def _at(fields: Fields, key: str) -> Cursor:
    return fields.cursor.child(key, fields.values.get(key))


def _choice(
    cursor: Cursor, what: str, choices: type[model.Strategy | model.OnFailure | model.OnSuccess]
) -> Any:
    valid = [choice.value for choice in choices]
    if isinstance(cursor.value, str) and cursor.value in valid:
        return choices(cursor.value)
    cursor.error(f"Unknown {what} {describe(cursor.value)}; valid values are: {', '.join(valid)}.")
    return None


def _strategy(cursor: Cursor) -> model.Strategy | None:
    found: model.Strategy | None = _choice(cursor, "release strategy", model.Strategy)
    return found


def _on_failure(cursor: Cursor) -> model.OnFailure | None:
    found: model.OnFailure | None = _choice(cursor, "on_failure", model.OnFailure)
    return found


def _on_success(cursor: Cursor) -> model.OnSuccess | None:
    found: model.OnSuccess | None = _choice(cursor, "on_success", model.OnSuccess)
    return found


def _route_name(cursor: Cursor) -> str | None:
    """A route of the gateway: its name, a service's name, or a selector route (``(1.0.3)``)."""
    text = cursor.string()
    if text is None:
        return None
    problem = model.unsafe_name_problem(text)
    if not text.strip():
        problem = "Expected a route: a route name, a service name or a selector route such as '(1.0.3)'."
    if problem is not None:
        cursor.error(problem)
        return None
    return text


def percentage(cursor: Cursor) -> units.Percentage | None:
    """``5`` or ``"5%"``; text without ``%`` (``"5"``) is refused, as it may mean a fraction."""
    value = cursor.value
    if isinstance(value, str) and not value.strip().endswith("%"):
        cursor.error(f"Expected a percentage such as '5%' (or the number 5), not {value!r}: add the '%'.")
        return None
    return cursor.unit(units.Percentage.parse)


def _positive_duration(cursor: Cursor) -> units.Duration | None:
    found = traits.duration(cursor)
    if found is not None and found.seconds == 0:
        cursor.error("Expected a time longer than zero, such as '30s' or '5m', not 0.")
        return None
    return found


def _steps(fields: Fields, strategy: model.Strategy | None) -> tuple[units.Percentage, ...] | None:
    """``steps: [...]``, or ``step`` and ``max`` expanded to ``step, 2 × step, ... max``; canary only."""
    given = [key for key in ("steps", "step", "max") if fields.has(key)]
    fields.asked.update(("steps", "step", "max"))
    if not given:
        return None
    if strategy is not None and strategy is not model.Strategy.CANARY:
        _at(fields, given[0]).error(
            f"'{given[0]}' applies only to canary releases; a {strategy} release sets no steps "
            "(remove it, or use strategy: canary)."
        )
        return None
    if "steps" in given:
        if len(given) > 1:
            _at(fields, given[1]).error("Give either 'steps' or 'step' and 'max', not both.")
            return None
        return _step_list(_at(fields, "steps"))
    if given != ["step", "max"]:
        missing = "max" if "step" in given else "step"
        fields.missing(missing, f" (with {given[0]!r}, e.g. step: 10%, max: 50%)")
        return None
    step, last = percentage(_at(fields, "step")), percentage(_at(fields, "max"))
    if step is None or last is None:
        return None
    if step.hundredths == 0 or step > last:
        _at(fields, "step").error(f"A step must be more than 0% and at most max ({last}), not {step}.")
        return None
    weights = list(range(step.hundredths, last.hundredths + 1, step.hundredths))
    if weights[-1] != last.hundredths:
        weights.append(last.hundredths)
    return tuple(units.Percentage(weight) for weight in weights)


def _step_list(cursor: Cursor) -> tuple[units.Percentage, ...] | None:
    if not isinstance(cursor.value, list) or not cursor.value:
        cursor.expected("a list of the candidate's weights, such as [5%, 10%, 25%, 50%, 100%]")
        return None
    start = len(cursor.context.issues)
    found = cursor.list_of(percentage)
    if len(cursor.context.issues) > start:
        return None
    previous = units.Percentage(0)
    for index, weight in enumerate(found):
        if weight <= previous:
            after = "more than 0%" if index == 0 else f"more than the step before ({previous})"
            cursor.child(index, cursor.value[index]).error(
                f"The steps must increase: step {index + 1} ({weight}) must be {after}."
            )
            return None
        previous = weight
    return found


def _only(fields: Fields, strategy: model.Strategy | None, owner: model.Strategy, key: str, read: Any) -> Any:
    """The value of ``key``, which only a release of ``owner`` strategy may give (and, for its deciding
    key, must)."""
    found = fields.get(key)
    required = key == {model.Strategy.BLUE_GREEN: "preview", model.Strategy.AB: "condition"}.get(owner)
    if found is None:
        if required and strategy is owner:
            fields.missing(key, f": a {owner} release sends the candidate only the requests it matches")
        return None
    if strategy is not None and strategy is not owner:
        found.error(f"'{key}' applies only to {owner} releases, not to a {strategy} release.")
        return None
    return read(found)


def _confidence(cursor: Cursor) -> units.Percentage | None:
    found = percentage(cursor)
    if found is not None and not MINIMUM_CONFIDENCE < found <= MAXIMUM_CONFIDENCE:
        cursor.error(
            f"A release's confidence must be more than {MINIMUM_CONFIDENCE} and at most "
            f"{MAXIMUM_CONFIDENCE}, not {found}."
        )
        return None
    return found


def _checks(cursor: Cursor) -> model.Checks | None:
    fields = cursor.fields("release checks", "a map of checks: errors and latency")
    if fields is None:
        return None
    return fields.build(
        model.Checks, errors=fields.read("errors", _errors), latency=fields.read("latency", _latency)
    )


def _errors(cursor: Cursor) -> model.ErrorsCheck | None:
    fields = cursor.fields("errors check", "a map such as {max_increase: 1%, max: 5%}")
    if fields is None:
        return None
    return fields.build(
        model.ErrorsCheck,
        max_increase=fields.read("max_increase", percentage),
        max=fields.read("max", percentage),
    )


def _latency(cursor: Cursor) -> model.LatencyCheck | None:
    fields = cursor.fields("latency check", "a map such as {percentile: 99, max_increase: 20%}")
    if fields is None:
        return None
    return fields.build(
        model.LatencyCheck,
        percentile=fields.read("percentile", _percentile, 99.0),
        max_increase=fields.read("max_increase", percentage),
        max=fields.read("max", milliseconds),
    )


def _percentile(cursor: Cursor) -> float | None:
    found = cursor.number()
    if found is not None and not 0 < found < 100:
        cursor.error(
            f"A percentile is more than 0 and less than 100 (such as 50, 99 or 99.9), not {found:g}."
        )
        return None
    return found


def milliseconds(cursor: Cursor) -> float | None:
    """A latency in milliseconds: ``500``, ``'500ms'`` or ``'0.5s'``."""
    value = cursor.value
    text = str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
    match = _LATENCY.match(text) if isinstance(text, str) else None
    if match is None:
        cursor.error(
            f"Expected a latency such as 500 (milliseconds), '500ms' or '0.5s', not {describe(value)}."
        )
        return None
    number = Decimal(match.group(1)) * (1000 if match.group(2) == "s" else 1)
    if number <= 0:
        cursor.error(f"Expected a latency longer than zero, not {describe(value)}.")
        return None
    return float(number)


def _webhooks(cursor: Cursor) -> tuple[model.Webhook, ...]:
    found = cursor.list_of(_webhook, "a list of webhooks: {name, url, on, timeout}")
    names = [hook.name for hook in found]
    for index, hook in enumerate(found):
        if names.index(hook.name) != index:
            cursor.child(index, None).error(f"Two webhooks are named {hook.name!r}; give each its own name.")
    return found


def _webhook(cursor: Cursor) -> model.Webhook | None:
    fields = cursor.fields("webhook", "a map such as {name: smoke, url: 'http://...', on: pre-step}")
    if fields is None:
        return None
    return fields.build(
        model.Webhook,
        name=fields.read_required("name", Cursor.name),
        url=fields.read_required("url", _url),
        on=fields.read_required("on", _moment),
        timeout=fields.read("timeout", _positive_duration, model.release.DEFAULT_WEBHOOK_TIMEOUT),
    )


def _url(cursor: Cursor) -> str | None:
    text = cursor.string()
    if text is not None and not _URL.match(text):
        cursor.error(
            f"Expected an http:// or https:// URL such as 'http://127.0.0.1:9000/gate', not {text!r}."
        )
        return None
    return text


def _moment(cursor: Cursor) -> model.WebhookMoment | None:
    valid = [moment.value for moment in model.WebhookMoment]
    if isinstance(cursor.value, str) and cursor.value in valid:
        return model.WebhookMoment(cursor.value)
    cursor.error(f"Unknown webhook moment {describe(cursor.value)}; valid values are: {', '.join(valid)}.")
    return None


Data = dict[str, Any]


def release_data(found: model.Release) -> Data:
    """A release's fields (without ``name``, ``kind`` and ``metadata``) in canonical form."""
    data: Data = {
        "gateway": found.gateway,
        "from": found.from_,
        "to": found.to,
        "strategy": found.strategy.value,
    }
    if found.strategy is model.Strategy.CANARY:
        data["steps"] = [str(weight) for weight in found.steps]
    data["interval"] = str(found.interval)
    data["samples"] = found.samples
    if found.timeout is not None:
        data["timeout"] = str(found.timeout)
    data["checks"] = _checks_data(found.checks)
    data["confidence"] = str(found.confidence)
    data["on_failure"] = found.on_failure.value
    data["on_success"] = found.on_success.value
    if found.undeploy:
        data["undeploy"] = True
    optional = {
        "preview": found.preview,
        "rollback_window": None if found.rollback_window is None else str(found.rollback_window),
        "condition": found.condition,
        "condition_strength": None if found.condition_strength is None else str(found.condition_strength),
    }
    data |= {key: value for key, value in optional.items() if value is not None}
    if found.webhooks:
        data["webhooks"] = [
            {"name": hook.name, "url": hook.url, "on": hook.on.value, "timeout": str(hook.timeout)}
            for hook in found.webhooks
        ]
    return data


def _checks_data(checks: model.Checks) -> Data:
    data: Data = {}
    if checks.errors is not None:
        data["errors"] = _limits(checks.errors.max_increase, checks.errors.max)
    if checks.latency is not None:
        latency: Data = {"percentile": _number(checks.latency.percentile)}
        latency |= _limits(checks.latency.max_increase, checks.latency.max)
        if checks.latency.max is not None:
            latency["max"] = f"{_number(checks.latency.max)}ms"
        data["latency"] = latency
    return data


def _limits(increase: units.Percentage | None, top: units.Percentage | float | None) -> Data:
    data: Data = {}
    if increase is not None:
        data["max_increase"] = str(increase)
    if isinstance(top, units.Percentage):
        data["max"] = str(top)
    return data


def _number(value: float) -> float | int:
    return int(value) if value.is_integer() else value

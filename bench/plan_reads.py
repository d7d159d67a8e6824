"""What reading a routing plan costs the gateway agent at 1,000 gateways × 10 routes: from the bytes its
source reads (the server's answer) to the ``RoutingPlan``, three ways side by side in one process.

* whole: ``json.loads`` and ``RoutingPlan.from_data``, every node decoded and written again for the
  version;
* from data: ``json.loads``, then ``plan_reading.PlanReader.read`` (nodes looked up by the canonical
  text of their data): how the agent read plans before it read their text;
* from text: ``plan_reading.PlanReader.read_text``, which decodes only where the text differs from the
  last one read, as the agent reads plans now;

for the first plan, a weight change on one gateway and a weight change on every gateway (the same plans
as ``bench/agent_steps.py``; the median of ``--rounds`` rounds each), in milliseconds, with the ratio
whole / from text. Nothing but the reading is timed: no files, no Envoy.

Run: ``.venv/bin/python -m bench.plan_reads`` (``--gateways``, ``--routes``, ``--rounds``).
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable

from bench.agent_steps import texts, timed
from vamp.core.routing import plan as routing_plan
from vamp.services import plan_reading

Read = Callable[[bytes], routing_plan.RoutingPlan]


def whole() -> Read:
    return lambda text: routing_plan.RoutingPlan.from_data(json.loads(text))


def from_data() -> Read:
    reader = plan_reading.PlanReader()
    return lambda text: reader.read(json.loads(text))


def from_text() -> Read:
    return plan_reading.PlanReader().read_text


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gateways", type=int, default=1_000)
    parser.add_argument("--routes", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=9)
    options = parser.parse_args()
    plans = texts(options.gateways, options.routes, options.rounds)
    size = len(plans["first plan"][0])
    ways = {"whole": whole(), "from data": from_data(), "from text": from_text()}
    seconds: dict[str, dict[str, float]] = {name: {} for name in plans}
    for way, read in ways.items():
        for plan, versions in plans.items():
            seconds[plan][way] = statistics.median(timed(read, text) for text in versions)
    print(
        f"\nReading a routing plan, {options.gateways:,} × {options.routes} ({size / 1e6:.1f} MB of JSON), "
        "from its bytes to the plan, ms:"
    )
    print(f"  {'plan':<26} {'whole':>9} {'from data':>10} {'from text':>10} {'whole/text':>11}")
    for plan, measured in seconds.items():
        ratio = measured["whole"] / measured["from text"]
        print(
            f"  {plan:<26} {measured['whole'] * 1e3:>9.1f} {measured['from data'] * 1e3:>10.1f} "
            f"{measured['from text'] * 1e3:>10.1f} {ratio:>10.1f}×"
        )


if __name__ == "__main__":
    main()

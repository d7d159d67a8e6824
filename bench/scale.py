"""Benchmark of bulk gateway writes: one ``POST /api/v1/gateways`` of 100, 1,000 and 10,000 gateways.

For each store (SQLite, and PostgreSQL from a throwaway server: ``tests/postgres.py``) and each size it
starts a new ``vamp server`` (a subprocess on 127.0.0.1, local driver, its own home and store; for
PostgreSQL its own new database), and times:

* ``POST``: one ``POST /api/v1/gateways`` whose body holds N selector gateways
  ``label(app)(appN) && label(version)((.*))``, each on a port of its own, from sending it to the 202;
* ``plan``: from sending it until the routing plan (``GET /api/v1/vga/plan``, long-polled as the agents
  do) has a virtual host for every one of the N gateways.

It prints a table with seconds per size per store, side by side, and the growth ratios 100→1,000 and
1,000→10,000 (ten times the documents: linear is 10×, the target ≤ 12×; the targets are 1,000 < 3 s and
10,000 < 30 s). Every server it starts, and PostgreSQL, is stopped by its PID.

With ``--rounds N`` every size runs N times over, a round of all sizes after another, and the table keeps
the quickest of each: the machine's load, when it comes and goes, then weighs on every size alike.

Run: ``.venv/bin/python -m bench.scale`` (``--sizes 100,1000``, ``--stores sqlite``, ``--rounds 3``;
``--help``).
Benchmarks are never tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from tests import postgres

from bench import vamp_servers

FIRST_PORT = 20000
"""Gateway ports are FIRST_PORT, FIRST_PORT + 1, …: 10,000 of them fit below 65,535."""
STORES = ("sqlite", "postgresql")
SIZES = (100, 1_000, 10_000)
GROWTH_TARGET = 12.0


@dataclass(frozen=True, slots=True)
class Figures:
    """Seconds to the 202 of the POST, and to a plan holding every gateway (``None``: not reached)."""

    post: float | None
    plan: float | None
    note: str = ""


def gateways_body(size: int) -> str:
    """``size`` selector gateways as one multi-document YAML body, each on its own port."""
    return "---\n".join(
        f"name: app{n}\nport: {FIRST_PORT + n}/http\nselector: label(app)(app{n}) && label(version)((.*))\n"
        for n in range(size)
    )


@contextlib.contextmanager
def postgres_server(wanted: bool) -> Iterator[postgres.PostgresServer | None]:
    if not wanted:
        yield None
        return
    server = postgres.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def vamp_server(folder: Path, store: str | None, timeout: float) -> AsyncIterator[httpx.AsyncClient]:
    """``vamp server --driver local`` (its home in ``folder``, ``store`` or SQLite there) and a client for its
    API once it answers; stopped by its PID on exit."""
    options = ["--driver=local", "--max-body=64MiB", *([] if store is None else [f"--store={store}"])]
    async with vamp_servers.vamp_server(folder, options, timeout=timeout) as (_, api):
        yield api


async def plan_gateways(api: httpx.AsyncClient, size: int, started: float, deadline: float) -> float | None:
    """Seconds from ``started`` until the plan has a virtual host for each of the ``size`` gateways."""
    version = ""
    while time.monotonic() < deadline:
        wait = max(0.0, min(30.0, deadline - time.monotonic()))
        answer = await api.get("/api/v1/vga/plan", params={"version": version, "wait": wait})
        if answer.status_code == httpx.codes.NOT_MODIFIED:
            continue
        answer.raise_for_status()
        plan = answer.json()
        version = plan["version"]
        seen = {host["gateway"] for listener in plan["listeners"] for host in listener["virtual_hosts"]}
        if len(seen) >= size:
            return time.monotonic() - started
    return None


async def measure(folder: Path, store: str | None, size: int, timeout: float) -> Figures:
    """One new server, one POST of ``size`` gateways; the seconds to its 202 and to the full plan."""
    body = gateways_body(size)
    async with vamp_server(folder, store, timeout) as api:
        started = time.monotonic()
        posting = asyncio.ensure_future(
            api.post("/api/v1/gateways", content=body, headers={"content-type": "application/x-yaml"})
        )
        planned = asyncio.ensure_future(plan_gateways(api, size, started, started + timeout))
        try:
            answer = await posting
        except httpx.TimeoutException:
            planned.cancel()
            return Figures(None, None, f"no answer within {timeout:.0f} s")
        post = time.monotonic() - started
        if answer.status_code != httpx.codes.ACCEPTED:
            planned.cancel()
            return Figures(None, None, f"answered {answer.status_code}: {answer.text[:200]}")
        return Figures(post, await planned)


def ratio(figures: dict[int, Figures], small: int, large: int, field: str) -> str:
    low, high = getattr(figures.get(small), field, None), getattr(figures.get(large), field, None)
    if not low or high is None:
        return "-"
    return f"{high / low:.1f}x"


def table(results: dict[str, dict[int, Figures]], sizes: list[int]) -> str:
    stores = list(results)
    rows = [["gateways", *(f"{store} {what}" for store in stores for what in ("POST s", "plan s"))]]
    for size in sizes:
        row = [f"{size:,}"]
        for store in stores:
            figures = results[store].get(size)
            for value in (None, None) if figures is None else (figures.post, figures.plan):
                row.append("-" if value is None else f"{value:.2f}")
        rows.append(row)
    for small, large in itertools.pairwise(sizes):
        row = [f"{small:,}→{large:,}"]
        for store in stores:
            row += [ratio(results[store], small, large, "post"), ratio(results[store], small, large, "plan")]
        rows.append(row)
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    notes = [
        f"  {store} {size:,}: {figures.note}"
        for store in stores
        for size, figures in results[store].items()
        if figures.note
    ]
    return "\n".join([*lines, *notes])


def best(one: Figures | None, other: Figures) -> Figures:
    """The quicker of two runs of one size, figure by figure (a figure not reached loses)."""
    if one is None:
        return other

    def quicker(first: float | None, second: float | None) -> float | None:
        return second if first is None else first if second is None else min(first, second)

    return Figures(quicker(one.post, other.post), quicker(one.plan, other.plan), one.note or other.note)


async def run(
    sizes: list[int], stores: list[str], timeout: float, rounds: int = 1
) -> dict[str, dict[int, Figures]]:
    """Each size on each store, ``rounds`` times over (every size in a round before the next round, so a
    change of the machine's load falls on all sizes alike), keeping the quickest of each."""
    results: dict[str, dict[int, Figures]] = {store: {} for store in stores}
    root = Path(tempfile.mkdtemp(prefix="vamp-bench-scale-"))
    try:
        with postgres_server("postgresql" in stores) as database:
            for round_ in range(rounds):
                for size in sizes:
                    for store in stores:
                        address = None
                        if store == "postgresql" and database is not None:
                            address = database.url(database.create_database())
                        folder = root / f"{store}-{size}-{round_}"
                        figures = await measure(folder, address, size, timeout)
                        results[store][size] = best(results[store].get(size), figures)
                        print(
                            f"{store:>10} {size:>6,}: POST {figures.post} s, plan {figures.plan} s "
                            f"{figures.note}"
                        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale",
        description="Times one POST /api/v1/gateways of N selector gateways (each on its own port) on a new "
        "vamp server, on SQLite and on PostgreSQL side by side, and the time until the routing plan holds "
        "all N; prints seconds per size per store and the growth ratio between sizes (target: 1,000 < 3 s, "
        "10,000 < 30 s, 1,000→10,000 ≤ 12x).",
    )
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in SIZES),
        help="comma-separated numbers of gateways, one POST each (default: %(default)s)",
    )
    parser.add_argument(
        "--stores",
        default=",".join(STORES),
        help="comma-separated stores among sqlite,postgresql (default: %(default)s)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="seconds to wait for one POST's answer, and again for its plan (default: %(default)s)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every size on every store this many times over and keep the quickest of each: on a "
        "shared machine, a load that comes and goes then weighs less on the ratios (default: %(default)s)",
    )
    options = parser.parse_args()
    sizes = sorted(int(size) for size in options.sizes.split(","))
    stores = [store for store in options.stores.split(",") if store]
    unknown = set(stores) - set(STORES)
    if unknown or not stores:
        parser.error(f"--stores: choose among {', '.join(STORES)}")
    before = os.getloadavg()
    if options.rounds < 1:
        parser.error("--rounds: give 1 or more")
    results = asyncio.run(run(sizes, stores, options.timeout, options.rounds))
    print()
    print(table(results, sizes))
    after = os.getloadavg()
    print(f"load average (1, 5, 15 min): {before[0]:.1f} {before[1]:.1f} {before[2]:.1f} at the start, "
          f"{after[0]:.1f} {after[1]:.1f} {after[2]:.1f} at the end, on {os.cpu_count()} cores")  # fmt: skip


if __name__ == "__main__":
    main()

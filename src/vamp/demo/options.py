"""The demo service's command line: what it serves, where, and how badly it should behave.

Defaults come from the environment the local driver gives its instances (``$PORT``, ``$VAMP_HOST``,
``$VAMP_INSTANCE``) and from ``$VAMP_DEMO_VERSION``, so a breed can run it as plain
``python -m vamp.demo``. This module parses only; ``server`` serves.
"""

from __future__ import annotations

import argparse
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Options:
    host: str
    port: int
    version: str
    instance: str
    failure_rate: float
    latency_ms: float
    latency_jitter_ms: float
    latency_file: str | None = None


def parse(arguments: Sequence[str], environment: Mapping[str, str]) -> Options:
    """The options of ``arguments`` (without the program name); exits with a usage message when wrong."""
    parser = _parser(environment)
    namespace = parser.parse_args(arguments)
    if not 0 <= namespace.port <= 65535:
        parser.error(
            f"argument --port: {namespace.port} is not a port number (0 to 65535; 0 picks a free one)"
        )
    instance = environment.get("VAMP_INSTANCE") or f"{socket.gethostname()}-{os.getpid()}"
    return Options(
        host=namespace.host,
        port=namespace.port,
        version=namespace.version,
        instance=instance,
        failure_rate=namespace.failure_rate,
        latency_ms=namespace.latency,
        latency_jitter_ms=namespace.latency_jitter,
        latency_file=namespace.latency_file,
    )


def _parser(environment: Mapping[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vamp.demo",
        description=(
            "Vamp's demo service (sava). It answers / with a page showing its version in a colour of its "
            "own, /json (or / with 'Accept: application/json') with its version, instance, address and the "
            "request's path and headers, and /health with 200. Failures and latency can be added to every "
            "answer but /health, to try out canary analysis and automatic rollback. Stops on SIGTERM or "
            "Ctrl-C."
        ),
    )
    parser.add_argument(
        "--port",
        type=int,
        default=_default_port(parser, environment),
        help="the port to listen on; 0 picks a free one (default: $PORT, else 8080)",
    )
    parser.add_argument(
        "--host",
        default=environment.get("VAMP_HOST", "127.0.0.1"),
        help="the address to listen on (default: $VAMP_HOST, else 127.0.0.1)",
    )
    parser.add_argument(
        "--version",
        default=environment.get("VAMP_DEMO_VERSION", "1.0"),
        help="the version to show (default: $VAMP_DEMO_VERSION, else 1.0)",
    )
    parser.add_argument(
        "--failure-rate",
        type=_share,
        default=0.0,
        metavar="SHARE",
        help="the share of requests, from 0.0 to 1.0, answered with 500 (default: 0.0)",
    )
    parser.add_argument(
        "--latency",
        type=_milliseconds,
        default=0.0,
        metavar="MS",
        help="milliseconds added to every answer (default: 0)",
    )
    parser.add_argument(
        "--latency-file",
        metavar="PATH",
        help="a file holding the milliseconds to add instead of --latency, read again whenever it "
        "changes, so the latency can come and go while the demo runs (echo 300 > PATH; echo 0 > PATH); "
        "a missing or empty file means --latency",
    )
    parser.add_argument(
        "--latency-jitter",
        type=_milliseconds,
        default=0.0,
        metavar="MS",
        help="up to this many milliseconds more, at random, on top of --latency (default: 0)",
    )
    return parser


def _default_port(parser: argparse.ArgumentParser, environment: Mapping[str, str]) -> int:
    value = environment.get("PORT", "8080")
    try:
        return int(value)
    except ValueError:
        parser.error(f"$PORT is {value!r}, not a port number: set it to a number or give --port")


def _share(text: str) -> float:
    try:
        share = float(text)
    except ValueError:
        share = -1.0
    if not 0.0 <= share <= 1.0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a share of requests: give 0.0 to 1.0, e.g. 0.2")
    return share


def _milliseconds(text: str) -> float:
    try:
        milliseconds = float(text)
    except ValueError:
        milliseconds = -1.0
    if not 0.0 <= milliseconds < float("inf"):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of milliseconds: give 0 or more, e.g. 150"
        )
    return milliseconds

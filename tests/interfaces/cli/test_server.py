"""``vamp server`` refuses what cannot work with one clear line and exit code 1, before anything runs."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from vamp.interfaces.cli.main import app


@pytest.fixture
def taken() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield holder.getsockname()[1]


def test_a_port_in_use_is_named(tmp_path: Path, taken: int) -> None:
    result = CliRunner().invoke(app, ["server", "--home", str(tmp_path), "--port", str(taken)])

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: Cannot serve the API on 127.0.0.1:{taken}: Address already in use. Stop what uses the "
        "port, or give another with --port."
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ("--namespace", "acme"),
            "error: Invalid namespace 'acme': a namespace is '<organisation>-<environment>', lower-case "
            "letters and digits each, joined by exactly one dash (e.g. 'acme-production').",
        ),
        (
            ("--gateway-ports", "45000"),
            "error: --gateway-ports: '45000' is not a port range: write FIRST-LAST, e.g. 40000-45000.",
        ),
        (
            ("--store", "mysql://vamp@db/vamp"),
            "error: Unsupported store address 'mysql://vamp@db/vamp'. Give a file path (vamp.db), "
            "sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE.",
        ),
        (
            ("--renew-deadline", "16"),
            "error: --retry-period (2 s) < --renew-deadline (16 s) < --lease-duration (15 s) must hold, and "
            "--renew-deadline + --retry-period must be less than --lease-duration (the defaults: 2, 10 and "
            "15 s).",
        ),
        (
            ("--max-body", "lots"),
            "error: --max-body: 'lots' is not a size: write bytes, or a number with KiB, MiB or GiB (4MiB).",
        ),
        (
            ("--max-memory", "lots"),
            "error: --max-memory: Expected memory such as '512MB', '0.5GB', '1024KB' or '128Mi', not 'lots'.",
        ),
        (
            ("--max-cpu", "many"),
            "error: --max-cpu: Expected CPU cores such as 0.2, 2 or '500m', not 'many'.",
        ),
        (
            ("--lease-duration", "6", "--renew-deadline", "4", "--retry-period", "2.5"),
            "error: --retry-period (2.5 s) < --renew-deadline (4 s) < --lease-duration (6 s) must hold, and "
            "--renew-deadline + --retry-period must be less than --lease-duration (the defaults: 2, 10 and "
            "15 s).",
        ),
    ],
)
def test_settings_that_cannot_work_are_refused(
    tmp_path: Path, arguments: tuple[str, ...], message: str
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    result = CliRunner().invoke(app, ["server", "--home", str(tmp_path), "--port", str(port), *arguments])

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [message]

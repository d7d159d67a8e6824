"""``vamp selector test -i FILE``: an instances file that cannot be used is one clear line, exit code 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from vamp.interfaces.cli.main import app


def error_of(instances: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["selector", "test", "label(app)(foo)", "-i", str(instances)])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "error: {path}: no such file.\n"),
        (b"- [1\n", "error: {path}:2:1: not valid YAML: expected ',' or ']', but got '<stream end>'.\n"),
        (
            b"\xff\xfe",
            "error: {path}: cannot be read ('utf-8' codec can't decode byte 0xff in position 0: "
            "invalid start byte).\n",
        ),
        (b"{name: foo-1}\n", "error: {path}: expected a YAML list of instances.\n"),
    ],
    ids=["missing", "not YAML", "not text", "not a list"],
)
def test_an_unusable_instances_file_is_one_line(tmp_path: Path, content: bytes | None, expected: str) -> None:
    path = tmp_path / "instances.yml"
    if content is not None:
        path.write_bytes(content)

    assert error_of(path) == (1, expected.format(path=path))


def test_a_directory_is_not_an_instances_file(tmp_path: Path) -> None:
    assert error_of(tmp_path) == (1, f"error: {tmp_path}: is a directory; give a YAML or JSON file.\n")

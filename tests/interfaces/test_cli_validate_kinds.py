"""``vamp validate`` of documents without ``kind``, as Vamp's are written for the endpoint of their kind:
``--kind KIND``, or the kind the keys tell (said on a line of its own), and broken ones still located."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.interfaces.api import harness
from vamp.interfaces.cli.main import app

runner = CliRunner()

SAVA = harness.SAVA_1_0

CANARY = """\
name: sava                   # reference/vamp.md §1.9, as written there
port: 9050/http
sticky: route
virtual_hosts: [a.example]
selector: label(app)(sava) && label(version)((.*))
routes:
  sava:1.0/sava/webport:
    weight: 90%
    condition: user-agent == Firefox
    condition_strength: 100%
    balance: roundrobin
    rewrites:
      - path: /api/%[path] if { path_beg /v1 }
  "[192.168.99.100:5050]": {weight: 10%}
"""


def _validate(tmp_path: Path, text: str, *options: str) -> tuple[int, str, Path]:
    path = tmp_path / "documents.yml"
    path.write_text(text)
    result = runner.invoke(app, ["validate", "-f", str(path), *options])
    return result.exit_code, result.output, path


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (SAVA, "blueprints sava:1.0: 1 cluster, 1 service, 1 gateway"),
        (CANARY, "gateways sava: port 9050/http, 2 routes"),
    ],
)
def test_vamps_documents_without_kind_pass_and_say_the_kind_taken(
    tmp_path: Path, text: str, said: str
) -> None:
    code, printed, path = _validate(tmp_path, text)

    assert code == 0, printed
    assert f"{path}: {said}" in printed
    kind = said.split()[0]
    assert f"has no kind: read as {kind} (it has '" in printed


@pytest.mark.parametrize(
    ("text", "broken", "where"),
    [
        (SAVA, ("        cpu: 0.2\n", "        cpu: lots\n"), ":13:14: clusters.sava.services[0].scale.cpu:"),
        (CANARY, ("sticky: route\n", "sticky: often\n"), ":3:9: sticky:"),
        (
            CANARY,
            ("    weight: 90%\n", "    weight: 190%\n"),
            ":8:13: routes['sava:1.0/sava/webport'].weight:",
        ),
    ],
)
def test_broken_documents_without_kind_are_still_located(
    tmp_path: Path, text: str, broken: tuple[str, str], where: str
) -> None:
    assert broken[0] in text
    code, printed, path = _validate(tmp_path, text.replace(*broken, 1))

    assert code == 1
    assert f"{path}{where}" in printed, printed


def test_kind_says_what_the_documents_are(tmp_path: Path) -> None:
    code, printed, path = _validate(tmp_path, "name: small\ncpu: 1\nmemory: 1GB\n", "--kind", "scale")

    assert code == 0, printed
    assert f"{path}: scales small" in printed
    assert "has no kind" not in printed
    refused, printed, _ = _validate(tmp_path, "name: small\ncpu: 1\nmemory: 1GB\n", "--kind", "breeds")
    assert refused == 1
    assert "Unexpected key 'cpu' in breed" in printed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: x\nfoo: 1\n", ":1:1: Cannot tell which kind this document is: none of its keys decides it"),
        ("name: x\ndeployable: a\nclusters: {}\n", "'deployable' says breeds, 'clusters' says blueprints"),
    ],
)
def test_a_document_whose_keys_cannot_tell_its_kind_says_which_key_would(
    tmp_path: Path, text: str, message: str
) -> None:
    code, printed, _ = _validate(tmp_path, text)

    assert code == 1
    assert message in printed
    assert "say which with 'kind:'" in printed

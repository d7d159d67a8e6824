"""``vamp validate`` of documents with raw HAProxy conditions ``< … >``: they pass, and the line of each
artifact that holds one says where it runs; one that could break out of HAProxy's configuration is
located and refused."""

from pathlib import Path

from typer.testing import CliRunner

from vamp.interfaces.cli.main import app

runner = CliRunner()

DOCUMENTS = """\
kind: gateways
name: shop
port: 9050/http
routes:
  "[127.0.0.1:8001]": {weight: 100%}
  "[127.0.0.1:8002]": {weight: 0%, condition: "< hdr(x-user) -m str alice >"}
---
kind: gateways
name: plain
port: 9060/http
routes:
  "[127.0.0.1:8001]": {weight: 100%, condition: "has cookie beta"}
---
kind: conditions
name: beta
condition: "not < req.cook(group) -m sub beta >"
"""
WHERE = "raw HAProxy conditions run only on the HAProxy data plane: `vamp agent --proxy haproxy`"


def validate(tmp_path: Path, text: str) -> tuple[int, str, Path]:
    path = tmp_path / "documents.yml"
    path.write_text(text)
    result = runner.invoke(app, ["validate", "-f", str(path)])
    return result.exit_code, result.output, path


def test_artifacts_with_raw_conditions_pass_and_say_where_they_run(tmp_path: Path) -> None:
    code, printed, path = validate(tmp_path, DOCUMENTS)

    assert code == 0, printed
    assert printed.splitlines() == [
        f"{path}: gateways shop: port 9050/http, 2 routes; {WHERE}",
        f"{path}: gateways plain: port 9060/http, 1 route",
        f"{path}: conditions beta; {WHERE}",
    ]


def test_a_raw_condition_that_could_break_out_is_located_and_refused(tmp_path: Path) -> None:
    broken = DOCUMENTS.replace("-m str alice >", "-m str alice # } >")

    code, printed, path = validate(tmp_path, broken)

    assert code == 1
    assert f"{path}:6:" in printed
    assert "a raw HAProxy condition cannot hold '#'" in printed

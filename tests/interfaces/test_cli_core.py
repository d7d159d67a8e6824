"""``vamp validate`` and ``vamp selector test``: what a user sees, and the exit codes scripts rely on."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from vamp.interfaces.cli.main import app

DATA = Path(__file__).parent.parent / "data" / "dsl"
runner = CliRunner()


def test_valid_documents_print_one_line_per_artifact_and_exit_0():
    result = runner.invoke(
        app, ["validate", "-f", str(DATA / "sava-1.0.yml"), "-f", str(DATA / "foo-ingress.yml")]
    )
    assert result.exit_code == 0, result.output
    assert f"{DATA / 'sava-1.0.yml'}: blueprints sava:1.0: 1 cluster, 1 service, 1 gateway" in result.output
    assert (
        "gateways foo-ingress: port assigned on deploy, 0 routes, selector label(app)(foo)" in result.output
    )


def test_every_problem_is_printed_located_and_the_exit_code_is_1():
    bad = DATA / "bad-gateways.yml"
    result = runner.invoke(app, ["validate", "-f", str(bad)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(bad))]
    assert f"{bad}:5:9: sticky: Sticky sessions are not allowed for TCP port: '9050/tcp'." in lines
    assert len(lines) == len((DATA / "bad-gateways.errors").read_text().splitlines())


def test_standard_input_is_read_with_a_dash():
    document = "name: x\nkind: gateways\nport: 9050\nroutes:\n  a: {weight: 50%, weight: 100%}\n"
    result = runner.invoke(app, ["validate", "-f", "-"], input=document)
    assert result.exit_code == 1
    assert "<stdin>:5:20: routes.a.weight: Duplicate key 'weight' (first at line 5)" in result.output


def test_a_missing_file_is_one_clear_line():
    result = runner.invoke(app, ["validate", "-f", "/nonexistent/sava.yml"])
    assert result.exit_code == 1
    assert "error: /nonexistent/sava.yml: no such file." in result.output
    assert "Traceback" not in result.output


def test_templates_may_be_imported_across_files(tmp_path):
    (tmp_path / "templates.yml").write_text(
        "name: small\nkind: templates\ndefinition: {cpu: 0.2, memory: 64MB}\n"
    )
    (tmp_path / "scale.yml").write_text("name: tiny\nkind: scales\nimport: small\ninstances: 3\n")
    result = runner.invoke(
        app, ["validate", "-f", str(tmp_path / "templates.yml"), "-f", str(tmp_path / "scale.yml")]
    )
    assert result.exit_code == 0, result.output
    assert "scales tiny" in result.output


@pytest.fixture
def instances_file(tmp_path):
    path = tmp_path / "instances.yml"
    path.write_text(
        "- {name: foo-1, ip: 127.0.0.1, ports: [8080], labels: {app: foo, version: 1.0.3}}\n"
        "- {name: foo-2, ip: 127.0.0.2, ports: {web: 8081}, labels: {app: foo, version: 2.0.1}}\n"
        "- {name: bar-1, ip: 127.0.0.3, ports: [8082], labels: {app: bar, version: 1.0.0}}\n"
    )
    return path


def test_selector_test_prints_a_route_per_version(instances_file):
    result = runner.invoke(
        app,
        [
            "selector",
            "test",
            "label(app)(foo) && label(version)((.*))",
            "-i",
            str(instances_file),
            "-o",
            "yaml",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        "(1.0.3):\n  groups:\n  - 1.0.3\n  targets:\n  - 127.0.0.1:8080\n"
        "(2.0.1):\n  groups:\n  - 2.0.1\n  targets:\n  - 127.0.0.2:8081\n"
    )


def test_selector_syntax_errors_point_at_the_character(instances_file):
    result = runner.invoke(
        app, ["selector", "test", "label(app)(foo) && lable(v)((.*))", "-i", str(instances_file)]
    )
    assert result.exit_code == 1
    assert "unknown operand 'lable'; did you mean 'label'?" in result.output
    assert "label(app)(foo) && lable(v)((.*))\n                   ^" in result.output


def test_a_bad_instance_names_the_instance_and_field(tmp_path):
    path = tmp_path / "instances.yml"
    path.write_text("- {name: foo-1, ports: [8080]}\n")
    result = runner.invoke(app, ["selector", "test", "true", "-i", str(path)])
    assert result.exit_code == 1
    assert "instance [0]: ip: Field required" in result.output

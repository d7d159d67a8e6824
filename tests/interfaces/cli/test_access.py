"""``vamp organisation``, ``environment``, ``token``, ``login`` and ``logout`` against the real API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.interfaces.api import harness
from tests.interfaces.cli.conftest import Served
from vamp.interfaces.cli.main import app


def test_an_organisation_and_an_environment_are_made_and_used(served: Served) -> None:
    assert served.vamp("organisation", "create", "globex").exit_code == 0
    made = served.vamp("environment", "create", "prod", "--organisation", "globex")
    listed = served.vamp("environment", "list", "-O", "globex")
    created = served.vamp(
        "create",
        "-f",
        "-",
        "--namespace",
        "globex-prod",
        stdin="name: small\nkind: scales\ncpu: 1\nmemory: 1GB\ninstances: 1\n",
    )

    assert made.exit_code == 0, made.output
    assert made.stdout.strip() == "Environment globex-prod created. Use it with --namespace globex-prod."
    assert "globex-prod" in listed.stdout
    assert created.exit_code == 0, created.output
    assert "globex" in served.vamp("organisation", "list").stdout


def test_deleting_an_environment_in_use_is_refused_with_the_reason(served: Served) -> None:
    stored = served.vamp(
        "create", "-f", "-", "--namespace", "acme-test", stdin="kind: blueprints\n" + harness.SAVA_1_0
    )
    deployed = served.vamp("deploy", "sava:1.0", "sava", "--namespace", "acme-test")
    assert (stored.exit_code, deployed.exit_code) == (0, 0), stored.output + deployed.output

    refused = served.vamp("environment", "delete", "test", "-O", "acme")
    forced = served.vamp("environment", "delete", "test", "-O", "acme", "--force")

    assert refused.exit_code == 1
    assert "still holds deployments sava" in refused.output
    assert forced.exit_code == 0, forced.output


def test_a_token_is_created_shown_once_listed_without_secret_and_revoked(served: Served) -> None:
    created = served.vamp("token", "create", "--name", "ci", "--role", "operator", "--scope", "acme-prod")
    secret = created.stdout.strip()
    listed = served.vamp("token", "list", "--output", "json")
    as_ci = CliRunner().invoke(
        app,
        ["list", "scales", "--namespace", "acme-prod"],
        env={"VAMP_HOST": served.url, "VAMP_TOKEN": secret},
    )
    revoked = served.vamp("token", "revoke", "ci", "--scope", "acme-prod")
    after = CliRunner().invoke(
        app,
        ["list", "scales", "--namespace", "acme-prod"],
        env={"VAMP_HOST": served.url, "VAMP_TOKEN": secret},
    )

    assert created.exit_code == 0, created.output
    assert secret.startswith("vamp_")
    assert len(secret) >= 40
    tokens = json.loads(listed.stdout)
    assert {"name": "ci", "role": "operator", "scope": "acme-prod"}.items() <= next(
        t for t in tokens if t["name"] == "ci"
    ).items()
    assert secret not in listed.stdout
    assert as_ci.exit_code == 0, as_ci.output
    assert revoked.exit_code == 0
    assert after.exit_code == 1
    assert "not valid" in after.output


def test_an_operator_token_cannot_make_tokens(served: Served) -> None:
    secret = served.vamp(
        "token", "create", "--name", "ci", "--role", "operator", "--scope", "acme-prod"
    ).stdout.strip()

    refused = CliRunner().invoke(
        app,
        ["token", "create", "--name", "x", "--role", "viewer", "--scope", "acme-prod"],
        env={"VAMP_HOST": served.url, "VAMP_TOKEN": secret},
    )

    assert refused.exit_code == 1
    assert "may not manage tokens" in refused.output


def test_login_keeps_the_token_private_and_commands_send_it(served: Served, tmp_path: Path) -> None:
    env = {"VAMP_HOST": served.url, "XDG_CONFIG_HOME": str(tmp_path), "VAMP_HOME": str(tmp_path / "none")}

    logged = CliRunner().invoke(app, ["login", "--token-file", "-"], input=harness.ADMIN + "\n", env=env)
    listed = CliRunner().invoke(app, ["list", "scales"], env=env)
    bad = CliRunner().invoke(app, ["login", "--token-file", "-"], input="vamp_wrong\n", env=env)
    out = CliRunner().invoke(app, ["logout"], env=env)
    after = CliRunner().invoke(app, ["list", "scales"], env=env)

    assert logged.exit_code == 0, logged.output
    assert "as admin (admin of server)" in logged.stdout
    kept = tmp_path / "vamp" / "credentials.json"
    assert kept.stat().st_mode & 0o777 == 0o600
    assert listed.exit_code == 0, listed.output
    assert bad.exit_code == 1
    assert "not valid" in bad.output
    assert out.exit_code == 0
    assert after.exit_code == 1
    assert "needs a token" in after.output


def test_the_cli_finds_the_admin_token_of_its_home(served: Served, tmp_path: Path) -> None:
    (tmp_path / "admin-token").write_text(harness.ADMIN + "\n")
    (tmp_path / "api-url").write_text(served.url + "\n")
    env = {"VAMP_HOST": served.url, "VAMP_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}

    found = CliRunner().invoke(app, ["list", "scales"], env=env)
    (tmp_path / "api-url").write_text("http://127.0.0.1:1\n")
    other_server = CliRunner().invoke(app, ["list", "scales"], env=env)

    assert found.exit_code == 0, found.output
    assert other_server.exit_code == 1
    assert "needs a token" in other_server.output


@pytest.mark.parametrize("role", ["admin", "root"])
def test_a_bad_role_or_scope_is_one_line(served: Served, role: str) -> None:
    refused = served.vamp("token", "create", "--name", "x", "--role", role, "--scope", "acme-prod")

    assert refused.exit_code == 1
    assert len(refused.output.strip().splitlines()) == 1

"""The web UI's modules hold together: every module a page module imports (``from "./x.js"``) is in the
package, so a page never fails on a missing file, whichever slice of the UI added the import."""

from __future__ import annotations

import re

import pytest

from vamp.interfaces.web import site

IMPORT = re.compile(r"""^\s*import\s[^;]*?from\s+["']\./([^"']+)["']""", re.MULTILINE | re.DOTALL)


def imports(name: str) -> list[str]:
    return IMPORT.findall((site.STATIC / name).read_text())


@pytest.mark.parametrize("module", sorted(path.name for path in site.STATIC.glob("*.js")))
def test_every_module_a_module_imports_is_in_the_package(module: str) -> None:
    missing = [name for name in imports(module) if not (site.STATIC / name).is_file()]
    assert missing == [], f"{module} imports files the package lacks"


def test_the_page_reaches_the_session_and_the_deployment_pages() -> None:
    assert {"session.js", "deployment.js", "deployments.js"} <= set(imports("app.js"))
    assert "deployment_actions.js" in imports("deployment.js")

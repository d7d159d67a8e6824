"""The accessibility checker of the browser tests: axe-core, from ``web/node_modules`` (``make ui`` installs
it from ``web/package-lock.json``), run in the page.

``checked(page)`` loads it into every document the tab opens from then on, as an init script (the page's
Content-Security-Policy refuses inline script; an init script is not bound by it). ``serious_violations``
runs it over the document or the part a selector picks, and lists what it finds of impact serious or
critical, each as one line saying what, why and where.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).parents[2] / "web" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def checked(page: Page) -> None:
    """Have axe-core in every document ``page`` opens from now on."""
    assert AXE.exists(), f"{AXE} is missing: `make ui` installs it"
    page.add_init_script(path=AXE)


def serious_violations(page: Page, selector: str | None = None) -> list[str]:
    """What axe-core finds serious or critical in the document, or in the part ``selector`` picks."""
    if page.evaluate("typeof axe") != "object":
        checked(page)
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[str] = page.evaluate(
        """async ([selector, serious]) => (await axe.run(selector ?? document, {resultTypes: ["violations"]}))
          .violations.filter((violation) => serious.includes(violation.impact))
          .map((violation) => `${violation.impact} ${violation.id}: ${violation.help} at `
            + violation.nodes.slice(0, 5).map((node) => node.target.join(" ")).join(", "))""",
        [selector, list(SERIOUS)],
    )
    return found

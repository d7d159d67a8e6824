"""The gateway page's live charts reach a user who installs the wheel: the page links uPlot's stylesheet
and the charts' own, the server serves the chart modules and uPlot (put into the package by `make ui`),
and the wheel built from this tree holds them, so `pip install vamp` serves the charts with nothing
fetched from the internet."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest

from vamp.interfaces.web import site

ROOT = Path(__file__).resolve().parents[3]
CHART_FILES = (
    "gateway_charts.js",
    "traffic_series.js",
    "gateway_charts.css",
    "vendor/uPlot.esm.js",
    "vendor/uPlot.min.css",
)


@pytest.mark.anyio
async def test_the_page_links_the_charts_styles(anonymous: httpx.AsyncClient) -> None:
    page = (await anonymous.get("/")).text
    assert '<link rel="stylesheet" href="/ui/vendor/uPlot.min.css">' in page
    assert '<link rel="stylesheet" href="/ui/gateway_charts.css">' in page


def test_the_charts_import_uplot_from_the_package() -> None:
    charts = (site.STATIC / "gateway_charts.js").read_text(encoding="utf-8")
    assert 'import uPlot from "./vendor/uPlot.esm.js";' in charts
    assert "export { uPlot as default }" in (site.STATIC / "vendor/uPlot.esm.js").read_text(encoding="utf-8")


@pytest.mark.timeout(180)
def test_the_wheel_holds_the_charts_and_uplot(tmp_path: Path) -> None:
    """Builds the wheel from a copy of the tree (so that no build/ folder is left in the work tree)."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(tmp_path), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=170,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    [wheel] = tmp_path.glob("vamp-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    static = "vamp/interfaces/web/static/"
    missing = {f"{static}{path}" for path in [*CHART_FILES, "index.html", "gateways.js"]} - names
    assert not missing, f"the wheel lacks {sorted(missing)}"

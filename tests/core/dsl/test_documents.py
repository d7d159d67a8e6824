"""The example documents of tests/data/dsl: Vamp's sava examples read cleanly; each bad document reports
every one of its issues, together, each at its path, line and column (the ``.errors`` file beside it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vamp import errors
from vamp.core import dsl, model

DATA = Path(__file__).parents[2] / "data" / "dsl"
GOOD = sorted(path for path in DATA.glob("*.yml") if not path.name.startswith("bad-"))
BAD = sorted(DATA.glob("bad-*.yml"))


@pytest.mark.parametrize("path", GOOD, ids=lambda path: path.stem)
def test_the_examples_read_cleanly(path: Path) -> None:
    assert dsl.read(path.read_text())


@pytest.mark.parametrize("path", BAD, ids=lambda path: path.stem)
def test_a_bad_document_reports_every_issue_where_it_is(path: Path) -> None:
    with pytest.raises(errors.DslError) as caught:
        dsl.read(path.read_text())
    found = "\n".join(issue.located(path.name) for issue in caught.value.issues) + "\n"
    assert found == path.with_suffix(".errors").read_text()


def test_the_sava_blueprint_reads_as_vamp_means_it() -> None:
    (blueprint,) = dsl.read((DATA / "sava-1.0.yml").read_text())
    assert blueprint == model.Blueprint(
        name="sava:1.0",
        gateways={
            "9050": model.Gateway(port=model.GatewayPort(number=9050), routes={"sava/webport": model.Route()})
        },
        clusters={
            "sava": model.Cluster(
                services=(
                    model.Service(
                        breed=model.Breed(
                            name="sava:1.0.0",
                            deployable=model.Deployable(definition="magneticio/sava:1.0.0"),
                            ports=(model.Port(name="webport", number=8080),),
                        ),
                        scale=model.Scale(
                            cpu=model.DEFAULT_SCALE.cpu.__class__(20),
                            memory=model.DEFAULT_SCALE.memory.__class__(6400),
                        ),
                    ),
                )
            )
        },
    )

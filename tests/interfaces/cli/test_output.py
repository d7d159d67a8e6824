"""How a command ends on an error: the error on one line, the details a message carries below it."""

from __future__ import annotations

import pytest
import typer

from vamp.interfaces.cli import output


@pytest.mark.parametrize(
    ("message", "printed"),
    [
        ("There is no deployment 'sava'.", ["error: There is no deployment 'sava'."]),
        (
            "Service 'sava' keeps exiting: instance 1 exited with code 3. The last lines of /v/sava-1.log:\n"
            "cannot start: no database\nbye",
            [
                "error: Service 'sava' keeps exiting: instance 1 exited with code 3. The last lines of "
                "/v/sava-1.log:",
                "cannot start: no database",
                "bye",
            ],
        ),
        ("[red]not markup[/red]", ["error: [red]not markup[/red]"]),
    ],
    ids=["one line", "with details", "markup is text"],
)
def test_an_error_is_its_first_line_then_its_details(
    capsys: pytest.CaptureFixture[str], message: str, printed: list[str]
) -> None:
    with pytest.raises(typer.Exit) as ended:
        output.fail(message)

    assert ended.value.exit_code == 1
    assert capsys.readouterr().err.splitlines() == printed

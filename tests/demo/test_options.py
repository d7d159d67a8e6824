"""The demo's command line: defaults from the environment the local driver gives, and clear refusals."""

from __future__ import annotations

import pytest

from vamp.demo import options


@pytest.mark.parametrize(
    ("arguments", "environment", "expected"),
    [
        ([], {}, options.Options("127.0.0.1", 8080, "1.0", "i", 0.0, 0.0, 0.0)),
        (
            [],
            {"PORT": "20001", "VAMP_HOST": "127.0.0.2", "VAMP_DEMO_VERSION": "1.1"},
            options.Options("127.0.0.2", 20001, "1.1", "i", 0.0, 0.0, 0.0),
        ),
        (
            [
                *("--port", "9", "--host", "0.0.0.0", "--version", "2"),
                *("--failure-rate", "0.25", "--latency", "150", "--latency-jitter", "50.5"),
            ],
            {"PORT": "20001", "VAMP_DEMO_VERSION": "1.1"},
            options.Options("0.0.0.0", 9, "2", "i", 0.25, 150.0, 50.5),
        ),
    ],
)
def test_flags_win_over_the_environment_which_wins_over_the_defaults(arguments, environment, expected):
    assert options.parse(arguments, {"VAMP_INSTANCE": "i", **environment}) == expected


@pytest.mark.parametrize(
    ("arguments", "environment", "message"),
    [
        (
            ["--failure-rate", "1.5"],
            {},
            "argument --failure-rate: '1.5' is not a share of requests: give 0.0 to 1.0, e.g. 0.2",
        ),
        (
            ["--failure-rate", "lots"],
            {},
            "argument --failure-rate: 'lots' is not a share of requests: give 0.0 to 1.0, e.g. 0.2",
        ),
        (
            ["--latency", "-5"],
            {},
            "argument --latency: '-5' is not a number of milliseconds: give 0 or more, e.g. 150",
        ),
        (
            ["--latency-jitter", "nan"],
            {},
            "argument --latency-jitter: 'nan' is not a number of milliseconds: give 0 or more, e.g. 150",
        ),
        (
            ["--port", "70000"],
            {},
            "argument --port: 70000 is not a port number (0 to 65535; 0 picks a free one)",
        ),
        ([], {"PORT": "web"}, "$PORT is 'web', not a port number: set it to a number or give --port"),
    ],
)
def test_wrong_values_are_refused_with_what_would_be_valid(arguments, environment, message, capsys):
    with pytest.raises(SystemExit) as exited:
        options.parse(arguments, environment)

    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"python -m vamp.demo: error: {message}"

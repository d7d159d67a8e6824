"""Route paths: every form of vamp.md §1.9's table, and the errors for the rest."""

import pytest

from vamp import errors
from vamp.core.routing import paths


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[192.168.99.100:5050]", paths.ExternalPath("192.168.99.100", 5050)),
        ("[backend.example.com:443]", paths.ExternalPath("backend.example.com", 443)),
        ("sava", paths.GatewayPath("sava")),
        ("sava/9050", paths.GatewayPath("sava/9050")),
        ("sava/sava/webport", paths.GatewayPath("sava/sava/webport")),
        ("sava/sava/sava:1.0.0/webport", paths.ServicePath("sava", "sava", "sava:1.0.0", "webport")),
    ],
)
def test_route_paths_name_their_target(text, expected):
    assert paths.parse(text) == expected


UNSUPPORTED = (
    "Unsupported route path {!r}. Must be one of: '[host:port]', '$gateway', '$deployment/$port', "
    "'$deployment/$cluster/$port' or '$deployment/$cluster/$service/$port'."
)
EXTERNAL = "Unsupported external route target {!r}. Write it as '[host:port]', e.g. '[10.0.0.1:8080]'."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", UNSUPPORTED),
        ("a/b/c/d/e", UNSUPPORTED),
        ("a//b", UNSUPPORTED),
        ("a/", UNSUPPORTED),
        ("my gateway", UNSUPPORTED),
        ("[10.0.0.1]", EXTERNAL),
        ("[:80]", EXTERNAL),
        ("[10.0.0.1:http]", EXTERNAL),
        ("[10.0.0.1:0]", EXTERNAL),
        ("[10.0.0.1:65536]", EXTERNAL),
        ("[10.0.0.1:²]", EXTERNAL),
        ("[a host:80]", EXTERNAL),
    ],
)
def test_other_paths_are_rejected_with_the_valid_forms(text, message):
    with pytest.raises(errors.RoutingError) as raised:
        paths.parse(text)
    assert str(raised.value) == message.format(text)

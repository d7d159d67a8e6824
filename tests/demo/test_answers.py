"""What the demo says, without a server: its JSON, its page and the colour of each version."""

from __future__ import annotations

import json

from vamp.demo import answers

FACTS = answers.Facts(version="1.0", instance="sava-1", host="127.0.0.1", port=20001)


def test_each_version_keeps_a_colour_of_its_own():
    assert answers.colour("1.0") == answers.colour("1.0") == "hsl(285, 65%, 42%)"
    assert answers.colour("1.1") == "hsl(195, 65%, 42%)"


def test_the_json_names_version_instance_address_path_and_headers():
    body = json.loads(answers.json_body(FACTS, "/x", {"Host": "h"}))

    assert body == {
        "version": "1.0",
        "instance": "sava-1",
        "host": "127.0.0.1",
        "port": 20001,
        "path": "/x",
        "headers": {"Host": "h"},
    }


def test_the_page_escapes_what_it_shows():
    page = answers.page(answers.Facts("<b>", "i&j", "127.0.0.1", 1), "/<script>").decode()

    assert "<h1>&lt;b&gt;</h1>" in page
    assert "instance i&amp;j on 127.0.0.1:1, path /&lt;script&gt;" in page
    assert "<script>" not in page

"""What the demo service says: its page, its JSON, and the colour of its version. Pure: no I/O here.

Each version gets a hue of its own from a checksum of its name, so two versions side by side (1.0 and
1.1 behind one gateway) are told apart at a glance and keep their colours across restarts.
"""

from __future__ import annotations

import html
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Facts:
    """Who answers: the version and instance, and the address they listen on."""

    version: str
    instance: str
    host: str
    port: int


def colour(version: str) -> str:
    """The CSS colour of ``version``: the same for the same version, different hues for different ones."""
    return f"hsl({zlib.crc32(version.encode()) % 360}, 65%, 42%)"


def json_body(facts: Facts, path: str, headers: Mapping[str, str]) -> bytes:
    """``{"version", "instance", "host", "port", "path", "headers"}``."""
    body = {
        "version": facts.version,
        "instance": facts.instance,
        "host": facts.host,
        "port": facts.port,
        "path": path,
        "headers": dict(headers),
    }
    return json.dumps(body).encode()


def failure_body(facts: Facts) -> bytes:
    """The body of an answer failed on purpose (``--failure-rate``): still says who failed."""
    body = {
        "version": facts.version,
        "instance": facts.instance,
        "error": "failed on purpose (--failure-rate)",
    }
    return json.dumps(body).encode()


def page(facts: Facts, path: str) -> bytes:
    """A small HTML page showing the version large, on its colour."""
    version = html.escape(facts.version)
    where = f"instance {html.escape(facts.instance)} on {html.escape(facts.host)}:{facts.port}"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sava {version}</title>
<style>
 body {{ margin: 0; min-height: 100vh; display: flex; flex-direction: column; align-items: center;
        justify-content: center; background: {colour(facts.version)}; color: #fff;
        font-family: system-ui, sans-serif; }}
 h1 {{ font-size: 6rem; margin: 0; }}
 p {{ opacity: 0.85; }}
</style>
</head>
<body>
<h1>{version}</h1>
<p>sava, the Vamp demo service</p>
<p>{where}, path {html.escape(path)}</p>
</body>
</html>
""".encode()

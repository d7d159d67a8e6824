"""The floor of ``bench.api``: a minimal uvicorn app answering a constant JSON to every request.

What any request to an ASGI server on this machine costs, with the same clients as the API's measures:
the API's figures are read against it. Run by ``bench.api`` (``python -m bench.floor PORT``); it serves on
127.0.0.1 until SIGTERM.
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn

BODY = b'{"message": "Hi, I\'m the floor."}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)

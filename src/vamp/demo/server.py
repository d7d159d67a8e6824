"""The demo service's HTTP server: HTTP/1.1 with keep-alive, one thread per connection, stopped by signals.

Built on the standard library's ``ThreadingHTTPServer`` so the demo needs nothing installed. Every path
answers: ``/health`` with 200 (never failed or delayed, so the instance stays ready however badly it is
told to behave), ``/json`` and requests accepting ``application/json`` with the JSON of ``answers``, the
rest with the page. ``--latency`` (or what ``--latency-file`` holds now, see ``latency``) and
``--failure-rate`` apply to every answer but ``/health``.
"""

from __future__ import annotations

import random
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from vamp.demo import answers, latency
from vamp.demo.options import Options

_HEALTH_PATH = "/health"
_JSON_PATH = "/json"


class DemoServer(ThreadingHTTPServer):
    """The server, listening as soon as it is made; ``facts.port`` is the port it got."""

    daemon_threads = True

    def __init__(self, options: Options) -> None:
        super().__init__((options.host, options.port), _Handler)
        self.options = options
        self.facts = answers.Facts(options.version, options.instance, options.host, self.server_address[1])
        self.random = random.Random()
        self.latency = latency.Latency(options.latency_ms, options.latency_file)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: DemoServer

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer(with_body=True)

    do_PUT = do_POST
    do_PATCH = do_POST
    do_DELETE = do_POST

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet: one line per request would slow the demo down and fill its log."""

    def _answer(self, *, with_body: bool) -> None:
        path = urlsplit(self.path).path
        if path == _HEALTH_PATH:
            self._send(200, "text/plain; charset=utf-8", b"OK\n", with_body)
            return
        server = self.server
        self._delay()
        if server.random.random() < server.options.failure_rate:
            self._send(500, "application/json", answers.failure_body(server.facts), with_body)
        elif path == _JSON_PATH or "application/json" in self.headers.get("Accept", ""):
            body = answers.json_body(server.facts, path, dict(self.headers.items()))
            self._send(200, "application/json", body, with_body)
        else:
            self._send(200, "text/html; charset=utf-8", answers.page(server.facts, path), with_body)

    def _delay(self) -> None:
        options = self.server.options
        milliseconds = self.server.latency.milliseconds() + self.server.random.uniform(
            0.0, options.latency_jitter_ms
        )
        if milliseconds > 0:
            time.sleep(milliseconds / 1000)

    def _send(self, status: int, content_type: str, body: bytes, with_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)


def run(options: Options) -> int:
    """Serve until SIGTERM or SIGINT, then stop cleanly; the exit status (1 when it cannot listen)."""
    try:
        server = DemoServer(options)
    except OSError as exc:
        print(f"vamp demo: cannot listen on {options.host}:{options.port}: {exc}", file=sys.stderr)
        return 1
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="serve")
    serving.start()
    facts = server.facts
    print(f"sava {facts.version} (Vamp demo) listening on http://{facts.host}:{facts.port}", flush=True)
    stopping.wait()
    server.shutdown()
    serving.join()
    server.server_close()
    print(f"sava {facts.version} (Vamp demo) stopped", flush=True)
    return 0

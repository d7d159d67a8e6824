"""Watch bookmarks as the API server sends them: a bare skeleton (``"spec": {"containers": null}`` for a
Pod), which no typed object can hold. The client passes on the bookmark's resourceVersion without an
object, and the informer resumes from it; before, the skeleton failed the watch and the informer backed
off (up to 30 s each time), blind to changes meanwhile.

A real API server sends bookmarks about once a minute, too rarely for a test, so a small HTTP server
here answers the watch exactly as a real one does, from a stream captured from the test cluster.
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

import pytest
from lightkube import KubeConfig
from lightkube.config.models import Cluster, User
from lightkube.resources.core_v1 import Pod

from tests.k8s import eventually
from vamp.adapters.kubernetes import client, informer, observed

pytestmark = pytest.mark.anyio

BOOKMARK = {
    "type": "BOOKMARK",
    "object": {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "1468"},
        "spec": {"containers": None},
        "status": {},
    },
}
POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "foo-1", "namespace": "seed", "resourceVersion": "1470", "labels": {"app": "foo"}},
    "spec": {"containers": [{"name": "foo", "image": "example.invalid/foo:1.0.3"}]},
    "status": {"podIP": "127.1.0.9", "conditions": [{"type": "Ready", "status": "True"}]},
}


@contextlib.asynccontextmanager
async def api_server() -> AsyncIterator[str]:
    """Answers a list of pods (none) and a watch that sends a bookmark, then a pod, then ends."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = (await reader.readuntil(b"\r\n\r\n")).decode()
        if "watch=true" in request.split("\r\n")[0]:
            lines = [json.dumps(BOOKMARK), json.dumps({"type": "ADDED", "object": POD})]
            body = "".join(f"{line}\n" for line in lines).encode()
        else:
            body = json.dumps(
                {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1400"}, "items": []}
            ).encode()
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n"
            + f"content-length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


async def test_a_bookmark_is_passed_on_without_an_object_and_the_informer_goes_on():
    async with api_server() as url:
        settings = KubeConfig.from_one(cluster=Cluster(server=url), user=User(), namespace="default").get()
        assert settings is not None
        async with client.KubernetesClient(settings) as kube:
            events = [event async for event in kube.watch(Pod, resource_version="1400", server_timeout=5)]
            pods = informer.Informer(kube, Pod, observed.pod, on_change=lambda: None)
            running = asyncio.create_task(pods.run())
            try:
                found = await eventually.until("the pod after the bookmark", lambda: _records(pods), bool)
            finally:
                running.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await running

    assert [(event.type, event.object is None, event.resource_version) for event in events] == [
        ("BOOKMARK", True, "1468"),
        ("ADDED", False, "1470"),
    ]
    assert list(found) == [("seed", "foo-1")]


async def _records(
    pods: informer.Informer[Pod, observed.PodRecord],
) -> dict[informer.Key, observed.PodRecord]:
    return dict(pods.records)

"""What the renderer will ask of Envoy's clusters and listeners, proven on the real binary.

Balance policies, timeouts and retries, active health checks, TLS termination, external targets and
gateway-to-gateway chaining through internal listeners (see docs/envoy.md).
"""

from __future__ import annotations

import ssl
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import resources as r
from tests.e2e.backends import Backends, Connection, free_port
from tests.e2e.conftest import Envoy, admin_client
from tests.e2e.polling import eventually
from tests.e2e.test_envoy_routing import send, serve, within
from vamp import errors
from vamp.adapters.envoy import bootstrap, files

pytestmark = [pytest.mark.e2e, pytest.mark.anyio]

Json = dict[str, Any]
TYPES = "type.googleapis.com/envoy.extensions"


@pytest.mark.parametrize("policy", ["ROUND_ROBIN", "LEAST_REQUEST", "RANDOM"])
async def test_balance_policies_spread_requests_over_a_clusters_endpoints(
    envoy: Envoy, backends: Backends, policy: str
):
    pool = tuple(backends.ports.values())
    port = await serve(
        envoy,
        backends,
        r.prefix({"cluster": "pool"}),
        pools={"pool": pool},
        clusters={"pool": {"lb_policy": policy}},
    )

    counts = await send(port, 600)

    assert within(counts, {"a": 33.3, "b": 33.3, "c": 33.3}, points=7.0), counts


async def test_ring_hash_keeps_one_hash_key_on_one_endpoint(envoy: Envoy, backends: Backends):
    pool = tuple(backends.ports.values())
    by_user = {"cluster": "pool", "hash_policy": [{"header": {"header_name": "x-user"}}]}
    port = await serve(
        envoy,
        backends,
        r.prefix(by_user),
        pools={"pool": pool},
        clusters={"pool": {"lb_policy": "RING_HASH"}},
    )

    per_user = {user: await send(port, 10, headers={"x-user": user}) for user in map(str, range(30))}

    assert all(len(counts) == 1 for counts in per_user.values())
    assert {backend for counts in per_user.values() for backend in counts} == {"a", "b", "c"}


async def test_a_route_timeout_answers_504_and_counts_as_a_timeout(envoy: Envoy, backends: Backends):
    backends.delay["b"] = 1.0
    port = await serve(envoy, backends, r.prefix({"cluster": "b", "timeout": "0.2s"}))
    connection = Connection(port)

    response = await connection.request("/")
    await connection.close()

    assert (response.status, response.body) == (504, b"upstream request timeout")
    stats = await envoy.admin.stats(r"^cluster\.b\.upstream_rq_(timeout|504|5xx|completed)$")
    assert {s["name"]: s["value"] for s in stats["stats"]} == {
        "cluster.b.upstream_rq_504": 1,
        "cluster.b.upstream_rq_5xx": 1,
        "cluster.b.upstream_rq_completed": 1,
        "cluster.b.upstream_rq_timeout": 1,
    }


async def test_retries_on_5xx_hide_a_failing_endpoint_and_only_final_responses_count(
    envoy: Envoy, backends: Backends
):
    backends.status["b"] = 503
    retry = {
        "retry_on": "5xx,reset,connect-failure",
        "num_retries": 2,
        "retry_host_predicate": [
            {
                "name": "envoy.retry_host_predicates.previous_hosts",
                "typed_config": {"@type": f"{TYPES}.retry.host.previous_hosts.v3.PreviousHostsPredicate"},
            }
        ],
    }
    pool = (backends.ports["a"], backends.ports["b"])
    port = await serve(
        envoy, backends, r.prefix({"cluster": "pool", "retry_policy": retry}), pools={"pool": pool}
    )
    connection = Connection(port)

    statuses = Counter([(await connection.request("/")).status for _ in range(100)])
    await connection.close()

    assert statuses == {200: 100}
    stats = await envoy.admin.stats(r"^cluster\.pool\.upstream_rq_(retry|2xx|5xx|completed)$")
    counted = {s["name"].rpartition(".")[2]: s["value"] for s in stats["stats"]}
    # Only the final response of a request is counted by status; the tries it took are upstream_rq_retry.
    assert counted == {
        "upstream_rq_2xx": 100,
        "upstream_rq_completed": 100,
        "upstream_rq_retry": counted["upstream_rq_retry"],
    }
    assert counted["upstream_rq_retry"] > 30


async def test_active_health_checks_take_a_refusing_endpoint_out(envoy: Envoy, backends: Backends):
    check = {
        "timeout": "0.5s",
        "interval": "0.1s",
        # Without this, checks after the first wait 60 s when the cluster had no traffic yet.
        "no_traffic_interval": "0.1s",
        "unhealthy_threshold": 1,
        "healthy_threshold": 1,
        "http_health_check": {"path": "/health"},
    }
    pool = (backends.ports["a"], backends.ports["b"])
    port = await serve(
        envoy,
        backends,
        r.prefix({"cluster": "pool"}),
        pools={"pool": pool},
        clusters={"pool": {"health_checks": [check]}},
    )
    assert await send(port, 100) == {"a": 50, "b": 50}

    backends.stop("b")

    async def taken_out() -> bool:
        async with admin_client(envoy.supervisor) as client:
            text = (await client.get("/clusters")).text
        return f"pool::127.0.0.1:{backends.ports['b']}::health_flags::/failed_active_hc" in text

    await eventually(taken_out, what="the health check fails endpoint b")
    assert await send(port, 100) == {"a": 100}


async def test_tls_is_terminated_with_a_certificate_and_key(envoy: Envoy, backends: Backends, tmp_path: Path):
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=localhost",
            ),
            *(
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(certificate),
            ),
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    snapshot = r.snapshot(envoy.files, port, (r.prefix({"cluster": "a"}),), {"a": (backends.ports["a"],)})
    listener = snapshot.listeners[0]
    listener["filter_chains"][0]["transport_socket"] = {
        "name": "envoy.transport_sockets.tls",
        "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext",
            "common_tls_context": {
                "tls_certificates": [
                    {
                        "certificate_chain": {"filename": str(certificate)},
                        "private_key": {"filename": str(key)},
                    }
                ]
            },
        },
    }
    await envoy.publish(snapshot)

    trusted = ssl.create_default_context(cafile=str(certificate))
    async with httpx.AsyncClient(verify=trusted) as client:
        response = await client.get(f"https://127.0.0.1:{port}/")

    assert (response.status_code, response.headers["x-backend"]) == (200, "a")


async def test_an_external_host_port_target_is_a_dns_cluster(envoy: Envoy, backends: Backends):
    external = {
        "name": "external",
        "type": "LOGICAL_DNS",
        "dns_lookup_family": "V4_ONLY",
        "connect_timeout": "1s",
        "load_assignment": {
            "cluster_name": "external",
            "endpoints": [
                {
                    "lb_endpoints": [
                        {"endpoint": {"address": bootstrap.socket_address(backends.ports["c"], "localhost")}}
                    ]
                }
            ],
        },
    }
    port = free_port()
    snapshot = r.snapshot(
        envoy.files, port, (r.prefix({"cluster": "external", "auto_host_rewrite": True}),), {}
    )
    await envoy.publish(files.Snapshot("v1", snapshot.listeners, (external,), snapshot.routes))
    connection = Connection(port)

    response = await connection.request("/")
    await connection.close()

    assert response.backend == "c"
    assert b'"host": "localhost"' in response.body


async def test_a_gateway_chains_to_another_through_an_internal_listener(envoy: Envoy, backends: Backends):
    """Gateway ``outer`` on a port routes to gateway ``inner``, an internal listener: no network hop."""
    if True:
        xds = envoy.files
        port = free_port()
        inner = r.listener(xds, "inner", 0, "inner")
        del inner["address"]
        inner["internal_listener"] = {}
        to_inner = {
            "name": "to-inner",
            "connect_timeout": "1s",
            "load_assignment": {
                "cluster_name": "to-inner",
                "endpoints": [
                    {
                        "lb_endpoints": [
                            {
                                "endpoint": {
                                    "address": {"envoy_internal_address": {"server_listener_name": "inner"}}
                                }
                            }
                        ]
                    }
                ],
            },
        }
        await envoy.publish(
            files.Snapshot(
                "v1",
                listeners=(r.listener(xds, "outer", port, "outer"), inner),
                clusters=(to_inner, r.cluster(xds, "a")),
                routes=(
                    r.route_config("outer", r.prefix({"cluster": "to-inner"})),
                    r.route_config("inner", r.prefix({"cluster": "a"})),
                ),
                endpoints=(r.endpoints("a", backends.ports["a"]),),
            )
        )

        assert await send(port, 20) == {"a": 20}
        stats = await envoy.admin.stats(r"^http\.(outer|inner)\.downstream_rq_completed$")
        assert {s["name"]: s["value"] for s in stats["stats"]} == {
            "http.inner.downstream_rq_completed": 20,
            "http.outer.downstream_rq_completed": 20,
        }


async def test_eds_endpoints_must_be_ip_addresses(envoy: Envoy, backends: Backends):
    port = free_port()
    snapshot = r.snapshot(envoy.files, port, (r.prefix({"cluster": "a"}),), {"a": (backends.ports["a"],)})
    by_name = {
        "cluster_name": "a",
        "endpoints": [
            {
                "lb_endpoints": [
                    {"endpoint": {"address": bootstrap.socket_address(backends.ports["a"], "localhost")}}
                ]
            }
        ],
    }

    with pytest.raises(errors.PublishError) as raised:
        await envoy.publish(
            files.Snapshot("v1", snapshot.listeners, snapshot.clusters, snapshot.routes, (by_name,))
        )

    assert str(raised.value) == (
        "Envoy did not accept the new configuration: eds/a is at version '', not 'v1'. "
        "Envoy reports: malformed IP address: localhost. "
        "Consider setting resolver_name or setting cluster type to 'STRICT_DNS' or 'LOGICAL_DNS'"
    )


async def test_an_unknown_field_in_a_dynamic_resource_is_refused(envoy: Envoy, backends: Backends):
    port = free_port()
    snapshot = r.snapshot(
        envoy.files, port, (r.prefix({"cluster": "a", "weight_typo": 1}),), {"a": (backends.ports["a"],)}
    )

    with pytest.raises(errors.PublishError) as raised:
        await envoy.publish(snapshot)

    assert "rds/gateway is at version 'none', not 'v1'" in str(raised.value)
    assert "weight_typo" in str(raised.value)

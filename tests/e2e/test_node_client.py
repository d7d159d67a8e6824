"""vamp-node-client, as workflow scripts use it: real ``node`` processes, ``NODE_PATH`` set to the
package's ``NODE_MODULES`` and nothing installed, against a real ``vamp up --demo``.

Each test writes a script, runs it with the environment a workflow run has (``VAMP_URL``,
``VAMP_API_TOKEN``, ``VAMP_NAMESPACE``), and reads what it printed: ``RESULT <json>`` lines for the values
the script saw, and its log lines. What a script wrote is checked through the server's REST API too.
Every ``node`` is stopped by its PID when it outlives its deadline, and the test then fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import vamp_process
from tests.e2e.backends import free_port
from tests.e2e.vamp_process import eventually
from vamp.interfaces.workflow_scripts import NODE_MODULES

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

NODE_SECONDS = 60.0
PAGED = 70
"""Breeds made for the paging test: more than two pages of 30."""
YAML = {"content-type": "application/x-yaml"}
PRELUDE = """\
'use strict';
const vamp = require('vamp-node-client');
const api = new vamp.Api();
const result = (value) => console.log('RESULT ' + JSON.stringify(value));
"""


@dataclass
class Demo:
    vamp: vamp_process.Vamp
    port: int
    scripts: Path

    @property
    def gateway(self) -> str:
        return f"sava/{self.port}"

    def client(self, token: str | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.vamp.url,
            headers={"authorization": f"Bearer {token or self.vamp.token}"},
            timeout=10.0,
            trust_env=False,
        )


@dataclass
class Ran:
    code: int
    stdout: str
    stderr: str

    @property
    def results(self) -> list[Any]:
        return [
            json.loads(line[len("RESULT ") :])
            for line in self.stdout.splitlines()
            if line.startswith("RESULT ")
        ]

    @property
    def result(self) -> Any:
        found = self.results
        assert len(found) == 1, self
        return found[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    base = tmp_path_factory.mktemp("node-client")
    port = free_port()
    with vamp_process.started(base / "home", "up", "--demo", "--demo-port", str(port)) as vamp:
        scripts = base / "scripts"
        scripts.mkdir()
        yield Demo(vamp, port, scripts)


def node(
    demo: Demo,
    body: str,
    *,
    token: str | None = None,
    namespace: str | None = None,
    variables: dict[str, str] | None = None,
    whole: bool = False,
) -> Ran:
    """Run ``body`` (after ``PRELUDE``, inside an async function; as it is when ``whole``) as a workflow
    run would, with the workflow's own ``variables``; fails the test when it does not exit within
    ``NODE_SECONDS``."""
    executable = shutil.which("node")
    if executable is None:
        pytest.fail("node is not installed: `make node` installs Debian's")
    script = demo.scripts / f"script-{len(list(demo.scripts.iterdir()))}.js"
    script.write_text(
        body
        if whole
        else PRELUDE
        + "(async () => {\n"
        + body
        + "\n})().catch((error) => { console.error('FAILED ' + error.stack); process.exit(1); });\n"
    )
    environment = {name: value for name, value in os.environ.items() if not name.startswith("VAMP_")}
    environment |= {
        "NODE_PATH": str(NODE_MODULES),
        "VAMP_URL": demo.vamp.url,
        "VAMP_API_TOKEN": token or demo.vamp.token,
        "VAMP_NAMESPACE": namespace or "",
        **(variables or {}),
    }
    process = subprocess.Popen(
        (executable, str(script)),
        cwd=demo.scripts,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=NODE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        raise AssertionError(f"node ran past {NODE_SECONDS:g} s:\n{stdout}\n{stderr}") from None
    return Ran(process.returncode, stdout, stderr)


def succeeded(ran: Ran) -> Ran:
    assert ran.code == 0, f"node exited {ran.code}:\n{ran.stdout}\n{ran.stderr}"
    return ran


def test_get_reads_every_page_of_a_list_and_answers_from_its_cache_until_forced(demo: Demo) -> None:
    breeds = "".join(
        f"---\nname: paged-{index:02}:1.0\ndeployable: magneticio/sava:1.0.0\nports: {{webport: 8080/http}}\n"
        for index in range(PAGED)
    )
    with demo.client() as client:
        made = client.post("/api/v1/breeds", content=breeds, headers=YAML)
        assert made.status_code in (201, 202), made.text

    ran = succeeded(
        node(
            demo,
            """
            const all = await api.get('breeds');
            const again = await api.get('breeds');
            const streamed = [];
            await api.get('breeds', true)
              .filter((breed) => breed.name.startsWith('paged-'))
              .each((breed) => streamed.push(breed.name))
              .done();
            result({names: all.map((breed) => breed.name), again: again.length, streamed});
            """,
        )
    )

    found = ran.result
    expected = {breed["name"] for breed in demo.vamp.everything("breeds")}
    assert len(found["names"]) == len(set(found["names"])) == len(expected) > 2 * 30
    assert set(found["names"]) == expected
    assert found["again"] == len(expected)
    assert sorted(found["streamed"]) == [f"paged-{index:02}:1.0" for index in range(PAGED)]
    log = [line.split(" ", 1)[1] for line in ran.stdout.splitlines() if " API " in f" {line}"]
    assert log == ["API GET /breeds", "API GET /breeds [CACHED]", "API GET /breeds"], ran.stdout


def test_with_vamp_api_cache_false_every_get_reads_the_server_and_log_false_is_quiet(demo: Demo) -> None:
    ran = succeeded(
        node(
            demo,
            """
            const breed = {name: 'cached:1.0', deployable: 'magneticio/sava:1.0.0'};
            breed.ports = {web: '8080/http'};
            const other = new vamp.Api();  // its writes leave the cache of api as it was
            await other.post('breeds', breed);
            const before = Object.keys((await api.get('breeds/cached:1.0')).ports);
            breed.ports = {web: '8080/http', admin: '81/http'};
            await other.put('breeds/cached:1.0', breed);
            const after = Object.keys((await api.get('breeds/cached:1.0')).ports);
            result({before, after});
            """,
            variables={"VAMP_API_CACHE": "false", "VAMP_API_LOG": "false"},
        )
    )

    assert ran.result == {"before": ["web"], "after": ["web", "admin"]}
    assert ran.stdout.splitlines() == ['RESULT {"before":["web"],"after":["web","admin"]}']


def test_post_put_and_delete_round_trip_a_breed(demo: Demo) -> None:
    ran = succeeded(
        node(
            demo,
            """
            const name = 'roundtrip:1.0';
            const made = await api.post('breeds', {
              name, deployable: 'magneticio/sava:1.0.0', ports: {webport: '8080/http'},
            });
            const read = await api.get('breeds/' + name);
            await api.put('breeds/' + name, Object.assign({}, read, {
              ports: {webport: '8080/http', admin: '8081/http'},
            }));
            const reread = await api.get('breeds/' + name);
            await api.delete('breeds/' + name);
            const gone = await api.get('breeds/' + name).then(() => null, (error) => ({
              message: error.message, status: error.status,
            }));
            result({made: made.name, read: Object.keys(read.ports), reread: Object.keys(reread.ports), gone});
            """,
        )
    )

    assert ran.result == {
        "made": "roundtrip:1.0",
        "read": ["webport"],
        "reread": ["webport", "admin"],
        "gone": {
            "message": "GET /api/v1/breeds/roundtrip:1.0: 404 Not Found: breeds 'roundtrip:1.0' not found.",
            "status": 404,
        },
    }
    with demo.client() as client:
        assert client.get("/api/v1/breeds/roundtrip:1.0").status_code == 404


def test_gateways_deployments_info_and_config_are_the_servers(demo: Demo) -> None:
    ran = succeeded(
        node(
            demo,
            """
            const gateways = await api.gateways();
            const deployments = await api.deployments();
            const info = await api.info();
            const config = await api.config();
            result({
              gateways: gateways.map((gateway) => gateway.name),
              deployments: deployments.map((deployment) => deployment.name),
              info: info.message,
              version: info.version,
              config,
            });
            """,
        )
    )

    found = ran.result
    assert sorted(found["gateways"]) == sorted(
        gateway["name"] for gateway in demo.vamp.everything("gateways")
    )
    assert demo.gateway in found["gateways"]
    assert found["deployments"] == ["sava"]
    assert found["info"] == "Hi, I'm Vamp! How are you?"
    assert found["version"] == demo.vamp.api("info")["version"]
    config = found["config"]
    assert config["vamp.namespace"] == "default"
    assert config["vamp.http-api.port"] == int(demo.vamp.url.rsplit(":", 1)[1])
    assert config["vamp.persistence.database.type"] == "sqlite"
    assert config["vamp.container-driver.type"] == "local"
    assert demo.vamp.token not in json.dumps(config)


def test_an_event_is_published_and_read_back(demo: Demo) -> None:
    ran = succeeded(
        node(
            demo,
            """
            const tags = ['node-client:probe', 'workflows:canary'];
            const published = await api.event(tags, {weight: 10}, 'probe');
            const found = await api.get('events', true, {tag: 'node-client:probe'});
            result({published, found});
            """,
        )
    )

    published, found = ran.result["published"], ran.result["found"]
    assert published["type"] == "probe"
    assert set(published["tags"]) == {"node-client", "node-client:probe", "workflows", "workflows:canary"}
    assert [event["id"] for event in found] == [published["id"]]
    stored = demo.vamp.api("events", tag="workflows:canary")
    assert [(event["id"], event["value"]) for event in stored] == [(published["id"], {"weight": 10})]


def test_vamps_stream_methods_and_namify_work_on_answers(demo: Demo) -> None:
    ran = succeeded(
        node(
            demo,
            """
            const names = await api.gateways().map((gateway) => gateway.name).toArray();
            const clusters = await api.deployments()
              .flatMap((deployment) => api.get('deployments/' + deployment.name, true))
              .flatMap((deployment) => api.namify(deployment.clusters))
              .map((cluster) => cluster.name);
            const caught = [];
            await api.get('breeds/nope').errors((error) => caught.push(error.status)).done();
            const each = [];
            await api.namify({a: {x: 1}, b: 2}).each((item) => each.push(item)).done();
            result({names, clusters, caught, each});
            """,
        )
    )

    found = ran.result
    assert demo.gateway in found["names"]
    assert found["clusters"] == ["sava"]
    assert found["caught"] == [404]
    assert found["each"] == [{"x": 1, "name": "a"}, {"name": "b", "value": 2}]


VAMP_STYLE = """\
'use strict';

let _ = require('highland');
let vamp = require('vamp-node-client');

let api = new vamp.Api();
let metrics = new vamp.Metrics(api);

function health(gateway, route, tags) {
  return metrics.errors(gateway, route, {window: 300}).map(function (errors) {
    return errors > 0 ? 0 : 1;
  }).tap(function (health) {
    publish(tags, health);
  });
}

function publish(tags, health) {
  api.log('health: [' + JSON.stringify(tags) + '] - ' + health);
  api.event(tags, health, 'health');
}

api.gateways().flatMap(function (gateway) {
  return health(gateway.name, null, ['gateways:' + gateway.name, 'gateway', 'health']).flatMap(function () {
    return api.namify(gateway.routes).flatMap(function (route) {
      return health(gateway.name, route.name, ['gateways:' + gateway.name, 'routes:' + route.name, 'health']);
    });
  });
}).reduce1(function (x1, x2) {
  return x1 * x2;
}).tap(function (all) {
  publish(['node-client:all', 'health'], all);
}).done(function () {
});
"""
"""A health workflow as Vamp users wrote them (Vamp's own ``health`` script, with metrics read from the
metrics API instead of Elasticsearch): Highland required, streams chained, events fired and forgotten."""


def test_a_script_written_as_vamps_were_runs_and_publishes_its_events(demo: Demo) -> None:
    ran = succeeded(node(demo, VAMP_STYLE, whole=True, variables={"VAMP_API_LOG": "false"}))

    published = [line.split(" ", 1)[1] for line in ran.stdout.splitlines()]
    assert f'health: [["gateways:{demo.gateway}","gateway","health"]] - 1' in published, ran.stdout
    assert 'health: [["node-client:all","health"]] - 1' in published, ran.stdout
    overall = eventually(
        lambda: demo.vamp.api("events", tag="node-client:all"), timeout=10.0, what="the overall health event"
    )
    assert [(event["type"], event["value"]) for event in overall] == [("health", 1)]
    routes = demo.vamp.api("events", tag=f"gateways:{demo.gateway}", type="health")
    assert {"routes:sava/sava/webport"} <= {tag for event in routes for tag in event["tags"]}


def test_a_scoped_token_works_in_its_namespace_and_errors_say_what_was_refused(demo: Demo) -> None:
    with demo.client() as client:
        assert client.post("/api/v1/organisations", json={"name": "scripts"}).status_code == 201
        made = client.post("/api/v1/organisations/scripts/environments", json={"name": "prod"})
        assert made.status_code == 201, made.text
        token = client.post(
            "/api/v1/tokens", json={"name": "wf", "role": "operator", "scope": "scripts-prod"}
        )
        assert token.status_code == 201, token.text
    secret = token.json()["token"]

    ran = succeeded(
        node(
            demo,
            """
            const made = await api.post('breeds', {name: 'scoped:1.0', deployable: 'magneticio/sava:1.0.0'});
            const namespace = (await api.config())['vamp.namespace'];
            const elsewhere = await new vamp.Api({namespace: ''}).get('breeds')
              .then(() => null, (error) => ({status: error.status, message: error.message}));
            const bad = await api.put('breeds/other:1.0', {name: 'scoped:1.0', deployable: 'x/y:1'})
              .then(() => null, (error) => ({status: error.status, message: error.message}));
            result({url: api.url, made: made.name, namespace, elsewhere, bad});
            """,
            token=secret,
            namespace="scripts-prod",
        )
    )

    found = ran.result
    assert found["url"] == f"{demo.vamp.url}/scripts-prod/api/v1"
    assert (found["made"], found["namespace"]) == ("scoped:1.0", "scripts-prod")
    assert found["elsewhere"]["status"] == 403
    assert found["elsewhere"]["message"].startswith("GET /api/v1/breeds: 403 Forbidden: ")
    assert found["bad"]["status"] == 400
    assert found["bad"]["message"].startswith("PUT /scripts-prod/api/v1/breeds/other:1.0: 400 Bad Request: ")
    assert "other:1.0" in found["bad"]["message"]
    assert secret not in ran.stdout + ran.stderr
    with demo.client() as client:
        assert client.get("/scripts-prod/api/v1/breeds/scoped:1.0").status_code == 200
        assert client.get("/api/v1/breeds/scoped:1.0").status_code == 404


def test_http_answers_bodies_parsed_and_rejects_other_statuses(demo: Demo) -> None:
    ran = succeeded(
        node(
            demo,
            f"""
            const health = await vamp.Http.get(process.env.VAMP_URL + '/healthz');
            const served = await new vamp.Http({{timeout: 10000}}).get('http://127.0.0.1:{demo.port}/json');
            const event = await vamp.Http.post(process.env.VAMP_URL + '/api/v1/events',
              {{tags: ['node-client:http']}}, {{Authorization: 'Bearer ' + process.env.VAMP_API_TOKEN}});
            const refused = await vamp.Http.get(process.env.VAMP_URL + '/api/v1/info')
              .then(() => null, (error) => ({{status: error.status, message: error.message}}));
            result({{health, served: served.version, event: event.tags, refused}});
            """,
        )
    )

    found = ran.result
    assert found["health"]["status"] == "ok"
    assert found["served"] in ("1.0", "1.1")
    assert found["event"] == ["node-client", "node-client:http"]
    assert found["refused"]["status"] == 401
    assert found["refused"]["message"].startswith(f"GET {demo.vamp.url}/api/v1/info: 401 Unauthorized: ")


def test_log_writes_timestamped_lines_to_standard_output_and_error(demo: Demo) -> None:
    ran = succeeded(
        node(demo, "vamp.Log.log('moved', 10, {to: 'sava:1.1.0'}); vamp.Log().error('rolled back');")
    )

    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.fullmatch(rf"{stamp} moved 10 \{{ to: 'sava:1\.1\.0' \}}\n", ran.stdout), ran.stdout
    assert re.fullmatch(rf"{stamp} rolled back\n", ran.stderr), ran.stderr


def test_metrics_are_null_where_nothing_was_measured_and_count_the_traffic_sent(demo: Demo) -> None:
    unmeasured = succeeded(
        node(
            demo,
            """
            const metrics = new vamp.Metrics(api);
            const moved = await new vamp.ElasticsearchMetrics(api).count({ft: 'sava'}, {}, 30)
              .then(() => null, (error) => error.message);
            const percentile = await metrics.percentile('sava/sava/webport', null, 90)
              .then(() => null, (error) => error.message);
            result({
              gateway: await metrics.gateway('never/measured'),
              count: await metrics.count('never/measured', null),
              errors: await metrics.errors('never/measured', 'nothing'),
              moved, percentile,
            });
            """,
        )
    )
    assert unmeasured.result["gateway"] is None
    assert unmeasured.result["count"] is None
    assert unmeasured.result["errors"] is None
    assert "metrics come from Vamp's metrics API now" in unmeasured.result["moved"]
    assert "50, 95, 99, not 90" in unmeasured.result["percentile"]

    before = _requests(demo)
    sent = 60
    answered = vamp_process.versions(demo.port, sent)
    assert sum(answered[version] for version in ("1.0", "1.1")) == sent, answered
    eventually(lambda: _requests(demo) >= before + sent, timeout=30.0, what=f"{sent} requests measured")

    measured = succeeded(
        node(
            demo,
            f"""
            const metrics = new vamp.Metrics(api);
            const gateway = '{demo.gateway}';
            result({{
              count: await metrics.count(gateway, null, {{window: 300}}),
              rate: await metrics.rate(gateway, null, {{window: 300}}),
              codes: await metrics.codes(gateway, null, {{window: 300}}),
              errors: await metrics.errors(gateway, null, {{window: 300}}),
              p50: await metrics.percentile(gateway, null, 50, {{window: 300}}),
              p99: await metrics.percentile(gateway, null, 99, {{window: 300}}),
              responseTime: await metrics.responseTime(gateway, null, {{window: 300}}),
              route: await metrics.count('sava/sava/webport', 'sava:1.0.0', {{window: 300}}),
              summary: await metrics.gateway(gateway, {{window: 300}}),
            }});
            """,
        )
    )
    found = measured.result
    assert found["count"] >= before + sent
    assert found["codes"]["2xx"] >= sent
    assert found["errors"] == found["codes"]["5xx"] == 0
    assert found["rate"] > 0
    assert 0 < found["p50"] <= found["p99"]
    assert found["responseTime"] > 0
    assert 0 < found["route"] <= found["count"]
    assert found["summary"]["gateway"] == demo.gateway
    assert found["summary"]["requests"] >= found["count"]


def _requests(demo: Demo) -> int:
    """The requests the server measured through the demo's gateway in the last 300 s."""
    with demo.client() as client:
        found = client.get(f"/api/v1/metrics/gateways/{demo.gateway}/requests", params={"window": 300})
    return int(found.json()) if found.status_code == 200 else 0


def test_a_canary_step_reads_the_gateway_moves_weight_and_puts_it_back(demo: Demo) -> None:
    ran = succeeded(
        node(
            demo,
            """
            const name = 'sava/sava/webport';
            const gateway = await api.get('gateways/' + name);
            const routes = Object.keys(gateway.routes);
            const [old, next] = routes.map((route) => gateway.routes[route]);
            const weight = (route) => Number(route.weight.replace('%', ''));
            const before = routes.map((route) => gateway.routes[route].weight);
            const moved = Math.min(10, weight(old));
            old.weight = (weight(old) - moved) + '%';
            next.weight = (weight(next) + moved) + '%';
            await api.put('gateways/' + name, gateway);
            const after = await api.get('gateways/' + name);
            await api.event(['workflows:canary', 'updated'], {moved});
            result({routes, before, after: routes.map((route) => after.routes[route].weight)});
            """,
        )
    )

    found = ran.result
    assert found["routes"] == ["sava/sava/sava:1.0.0/webport", "sava/sava/sava:1.1.0/webport"]
    assert found["before"] == ["90%", "10%"]
    assert found["after"] == ["80%", "20%"]
    weights = demo.vamp.api("gateways/sava/sava/webport")["routes"]
    assert [route["weight"] for route in weights.values()] == ["80%", "20%"]

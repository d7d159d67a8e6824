"""Reading HAProxy's ``show stat`` CSV and ``show info``, and the traffic between two readings (pure)."""

from __future__ import annotations

import pytest

from vamp import errors
from vamp.adapters.haproxy import stats
from vamp.adapters.haproxy.runtime import ProxyType, StatRow, parse_info, parse_stat

HEADER = (
    "# pxname,svname,stot,status,weight,type,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,req_tot,"
    "econ,eresp,qtime,ctime,rtime,ttime,addr,\n"
)


def csv(*rows: str) -> str:
    return HEADER + "".join(f"{row},\n" for row in rows) + "\n"


# Trimmed from HAProxy 2.6.12's `show stat` (the real text has about a hundred columns, in this order).
READING = csv(
    "web,FRONTEND,12,OPEN,,0,0,10,0,0,2,12,,,,,,,",
    "web,s1,9,UP,10,2,0,7,0,0,2,9,0,0,0,0,1,1,127.0.0.1:8001",
    "web,s2,3,MAINT,0,2,0,3,0,0,0,3,1,0,0,0,2,2,127.0.0.1:8002",
    "web,BACKEND,12,UP,10,1,0,10,0,0,2,12,1,0,0,0,1,1,",
    "tcp,BACKEND,4,UP,1,1,,,,,,,0,0,0,0,,5,",
)


def test_parse_stat_types_each_row():
    rows = {(row.proxy, row.server): row for row in parse_stat(READING)}

    s1 = rows["web", "s1"]
    assert (s1.type, s1.status, s1.weight, s1.requests) == (ProxyType.SERVER, "UP", 10, 9)
    assert s1.responses == {"1xx": 0, "2xx": 7, "3xx": 0, "4xx": 0, "5xx": 2}
    assert (s1.response_ms, s1.total_ms, s1.address) == (1, 1, "127.0.0.1:8001")
    assert (rows["web", "s2"].status, rows["web", "s2"].weight, rows["web", "s2"].connection_errors) == (
        "MAINT",
        0,
        1,
    )
    assert rows["web", "FRONTEND"].type is ProxyType.FRONTEND
    assert rows["web", "FRONTEND"].response_ms is None
    assert rows["web", "BACKEND"].type is ProxyType.BACKEND


def test_a_tcp_proxy_counts_sessions_as_requests():
    tcp = next(row for row in parse_stat(READING) if row.proxy == "tcp")

    assert tcp.requests == 4
    assert tcp.responses == dict.fromkeys(("1xx", "2xx", "3xx", "4xx", "5xx"), 0)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Unknown command.\n", "do not start with the CSV header"),
        (csv("web,s1,9,UP,10,2,0,7,0,0,2,x,0,0,0,0,1,1,"), "web/s1"),
        (csv("web,s1,9,UP,10,7,0,7,0,0,2,9,0,0,0,0,1,1,"), "web/s1"),
    ],
)
def test_parse_stat_refuses_what_is_not_show_stat(text: str, says: str):
    with pytest.raises(errors.DataPlaneError, match=says):
        parse_stat(text)


def test_parse_info_reads_names_and_values():
    info = parse_info("Name: HAProxy\nVersion: 2.6.12-1+deb12u4\nUptime: 0d 0h00m07s\n\n")

    assert info == {"Name": "HAProxy", "Version": "2.6.12-1+deb12u4", "Uptime": "0d 0h00m07s"}


def row(server: str, requests: int, twos: int, fives: int = 0, proxy: str = "web") -> StatRow:
    kind = ProxyType.BACKEND if server == "BACKEND" else ProxyType.SERVER
    responses = {"1xx": 0, "2xx": twos, "3xx": 0, "4xx": 0, "5xx": fives}
    return StatRow(proxy, server, kind, "UP", 1, requests, responses, 0, 0, 0, 0, 0, 0, "")


def test_traffic_is_the_difference_between_readings_per_backend_and_server():
    before = [row("s1", 10, 10), row("s2", 5, 4, 1), row("BACKEND", 15, 14, 1)]
    after = [row("s1", 30, 28, 2), row("s2", 5, 4, 1), row("BACKEND", 35, 32, 3)]

    traffic = stats.traffic(before, after, 2.0)

    assert traffic["web", "s1"] == stats.Traffic(20, 10.0, {"2xx": 18, "5xx": 2})
    assert traffic["web", "s2"] == stats.Traffic(0, 0.0, {})
    assert traffic["web", "BACKEND"].requests == 20
    assert traffic["web", "BACKEND"].server_errors == 2


def test_traffic_leaves_out_frontends_and_counts_from_zero_after_a_restart_or_a_new_server():
    frontend = StatRow("web", "FRONTEND", ProxyType.FRONTEND, "OPEN", None, 50, {}, 0, 0, 0, 0, 0, 0, "")
    before = [row("s1", 100, 100), frontend]
    after = [row("s1", 7, 6, 1), row("s3", 4, 4), frontend]

    traffic = stats.traffic(before, after, 1.0)

    assert traffic == {
        ("web", "s1"): stats.Traffic(7, 7.0, {"2xx": 6, "5xx": 1}),
        ("web", "s3"): stats.Traffic(4, 4.0, {"2xx": 4}),
    }


def test_traffic_needs_time_between_readings():
    with pytest.raises(ValueError, match="positive"):
        stats.traffic([], [], 0.0)

"""The HAProxy supervisor's readings: the master CLI's ``show proc`` and why a master ended. (Starting,
reloading, killing and restarting the real HAProxy is ``test_dataplane``'s.)"""

from __future__ import annotations

import pytest

from vamp import errors
from vamp.adapters.haproxy.supervisor import Exit, parse_proc

SHOW_PROC = """#<PID>          <type>          <reloads>       <uptime>        <version>
25677           master          2 [failed: 1]   0d00h00m07s     2.6.12-1+deb12u4
# workers
25926           worker          0               0d00h00m02s     2.6.12-1+deb12u4
25811           worker          1               0d00h00m05s     2.6.12-1+deb12u4
# programs

"""


def test_show_proc_gives_reloads_failures_and_workers() -> None:
    processes = parse_proc(SHOW_PROC)

    assert (processes.master, processes.reloads, processes.failed) == (25677, 2, 1)
    assert processes.workers == ((25926, 0), (25811, 1))
    assert processes.current == 25926


def test_an_answer_without_a_master_is_an_error() -> None:
    with pytest.raises(errors.DataPlaneError, match="without a master"):
        parse_proc("Unknown command.\n")


def test_an_exit_says_how_the_master_ended_and_why() -> None:
    worker_died = (
        "[ALERT]    (7) : Current worker (9) exited with code 137 (Killed)\n"
        "[ALERT]    (7) : exit-on-failure: killing every processes with SIGTERM\n"
    )

    assert Exit(7, -9, requested=False).reason == "HAProxy (pid 7) killed by SIGKILL"
    assert Exit(7, 137, requested=False, log_tail=worker_died).reason == (
        "HAProxy (pid 7) exited with status 137 after its worker (pid 9) exited with code 137 (Killed)"
    )
    assert Exit(7, 0, requested=True).reason == "HAProxy (pid 7) exited with status 0 on request"

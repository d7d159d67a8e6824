"""Ports from the driver's range: free ones only, round-robin, held until released, renewed when taken."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from vamp import errors
from vamp.adapters.local import port_pool

HOST = "127.0.0.1"


def free_run(length: int) -> int:
    """The first of ``length`` consecutive ports that are free now, from 31000 up."""
    pool = port_pool.PortPool(HOST, 31000, 32000)
    for first in range(31000, 32000 - length):
        if all(pool._bindable(port) for port in range(first, first + length)):
            return first
    raise AssertionError("no run of free ports")


@pytest.fixture
def listener() -> Iterator[int]:
    """A port something listens on."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_ports_are_taken_round_robin_and_not_handed_out_twice():
    first = free_run(3)
    pool = port_pool.PortPool(HOST, first, first + 2)

    assert pool.take(2, purpose="a") == (first, first + 1)
    assert pool.take(1, purpose="b") == (first + 2,)
    pool.release([first])
    assert pool.take(1, purpose="c") == (first,)


def test_a_port_something_listens_on_is_passed_over(listener: int):
    pool = port_pool.PortPool(HOST, listener, listener)

    with pytest.raises(errors.DriverError) as raised:
        pool.take(1, purpose="service 'default/sava/sava/sava:1.0.0'")

    assert str(raised.value) == (
        f"No free port left for service 'default/sava/sava/sava:1.0.0': 1 needed, 0 free in "
        f"{listener}-{listener} on 127.0.0.1. Stop services, or give the local driver a wider port range."
    )


def test_held_ports_are_not_handed_out_until_released():
    first = free_run(1)
    pool = port_pool.PortPool(HOST, first, first)
    pool.hold([first])

    with pytest.raises(errors.DriverError):
        pool.take(1, purpose="x")
    pool.release([first])
    assert pool.take(1, purpose="x") == (first,)


def test_renew_replaces_only_the_ports_another_program_took(listener: int):
    first = free_run(2)
    pool = port_pool.PortPool(HOST, first, first + 1)
    (kept,) = pool.take(1, purpose="x")
    pool.hold([listener])

    assert pool.renew({"web": kept, "admin": listener}, purpose="x") == {"web": kept, "admin": first + 1}


@pytest.mark.parametrize(("first", "last"), [(0, 10), (30, 20), (65000, 65536)])
def test_a_range_that_is_not_one_is_refused(first: int, last: int):
    with pytest.raises(errors.DriverError) as raised:
        port_pool.PortPool(HOST, first, last)

    assert str(raised.value) == (
        f"The port range {first}-{last} is not valid: give two port numbers from 1 to 65535, the first not "
        "above the second."
    )

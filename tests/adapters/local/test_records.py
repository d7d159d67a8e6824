"""The records under the driver's home: what a later run reads back, and clear errors when it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.adapters.local.conftest import KEY, spec
from vamp import errors
from vamp.adapters.local import processes, records
from vamp.core import model


@pytest.mark.parametrize(
    "written",
    [
        spec(),
        spec(
            "run --fast",
            instances=3,
            ports=("web", "admin-port"),
            environment={"A": "1", "B": ""},
            health_checks=(
                model.HealthCheck(
                    path="/ping", port="web", initial_delay=5, timeout=2, interval=3, failures=4
                ),
            ),
        ),
    ],
)
def test_a_spec_reads_back_equal_with_the_same_digest(written):
    read = records.spec_from_data(records.spec_data(written))

    assert read == written
    assert read.digest == written.digest


def test_records_are_written_whole_read_back_and_removed(tmp_path: Path):
    kept = records.Records(tmp_path)
    process = records.ProcessRecord(processes.Identity(4242, 99), 2, {"webport": 20001}, spec())

    kept.save_service(spec())
    kept.save_process(process)

    assert kept.load() == records.Found((spec(),), (process,))
    written = {path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*.json")}
    assert written == {"processes/4242.json", f"services/{kept._service_path(KEY).name}"}
    kept.remove_process(process.identity)
    kept.remove_service(KEY)
    assert kept.load() == records.Found((), ())


@pytest.mark.parametrize(("text", "reason"), [('{"pid": 17}', "'start_time'"), ("[17]", "not a JSON object")])
def test_a_record_that_cannot_be_read_is_an_error_naming_the_file(tmp_path: Path, text: str, reason: str):
    broken = tmp_path / "processes" / "17.json"
    broken.parent.mkdir()
    broken.write_text(text)

    with pytest.raises(errors.DriverError) as raised:
        records.Records(tmp_path).load()

    assert str(raised.value) == (
        f"Cannot read the local driver's record {broken}: {reason}. It was not written by this version "
        "of Vamp, or was edited: stop the process it names, if any, and remove the file."
    )

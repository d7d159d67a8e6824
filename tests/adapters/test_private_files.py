"""Files and folders only their owner may read: made so, and narrowed when left open before."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from vamp.adapters import private_files


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_folder_is_made_0700_and_an_open_one_is_narrowed(tmp_path: Path) -> None:
    made = private_files.folder(tmp_path / "a" / "b")
    opened = tmp_path / "open"
    opened.mkdir()
    opened.chmod(0o755)

    private_files.folder(opened)

    assert (mode(made), mode(opened)) == (0o700, 0o700)


def test_a_log_is_appended_to_created_0600_and_an_open_one_is_narrowed(tmp_path: Path) -> None:
    new, old = tmp_path / "new.log", tmp_path / "old.log"
    old.write_bytes(b"before\n")
    old.chmod(0o644)

    for log in (new, old):
        with private_files.append(log) as stream:
            stream.write(b"line\n")

    assert (mode(new), mode(old)) == (0o600, 0o600)
    assert old.read_bytes() == b"before\nline\n"


def test_restrict_narrows_the_files_that_exist_and_skips_the_others(tmp_path: Path) -> None:
    there = tmp_path / "vamp.db"
    there.touch(mode=0o644)

    private_files.restrict(there, tmp_path / "vamp.db-wal")

    assert mode(there) == 0o600
    assert not (tmp_path / "vamp.db-wal").exists()


def test_a_file_written_atomically_replaces_the_old_one_whole_and_is_0600(tmp_path: Path) -> None:
    kept = tmp_path / "plan.json"
    kept.write_text("old")
    kept.chmod(0o644)

    private_files.write_atomically(kept, b'{"version":"2"}', tmp_path)

    assert kept.read_text() == '{"version":"2"}'
    assert mode(kept) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["plan.json"]  # no temporary file left


def test_a_record_is_read_back_as_its_json_object(tmp_path: Path) -> None:
    record = tmp_path / "record.json"
    record.write_text('{"pid": 17, "ports": {"webport": 20001}}')

    assert private_files.read_object(record) == {"pid": 17, "ports": {"webport": 20001}}


@pytest.mark.parametrize(
    ("text", "reason"),
    [("[17]", "not a JSON object"), ("{", "Expecting property name enclosed in double quotes")],
)
def test_a_record_that_is_no_json_object_is_a_value_error_saying_why(
    tmp_path: Path, text: str, reason: str
) -> None:
    record = tmp_path / "record.json"
    record.write_text(text)

    with pytest.raises(ValueError, match=reason):
        private_files.read_object(record)


def test_a_missing_record_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        private_files.read_object(tmp_path / "gone.json")

"""What only the SQL store has: a database that outlives the process, its schema, addresses and failures."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import postgres
from tests.adapters.store.conftest import START, Backend, Clock
from vamp import errors
from vamp.adapters.store import migrations, sql, tables
from vamp.core import model
from vamp.ports import store as store_port
from vamp.ports.store import EventQuery

pytestmark = pytest.mark.anyio

NS = "default"
SAVA = {"name": "sava", "deployable": "magneticio/sava:1.0.0"}
SCHEMA = [
    (1, "artifacts, events and event tags"),
    (2, "revisions that outlive a deleted artifact"),
    (3, "API tokens"),
]
USAGE = "Give a file path (vamp.db), sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DATABASE."


def _store_name(backend: Backend) -> str:
    assert backend.address is not None
    url = sa.make_url(backend.address)
    if backend.name == "sqlite":
        return f"SQLite at {url.database}"
    return f"PostgreSQL at {url.host}:{url.port}"


def _schema_versions(backend: Backend) -> list[tuple[int, str]]:
    engine = backend.engine()
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT version, description FROM schema_version ORDER BY 1"))
            return [(row.version, row.description) for row in rows]
    finally:
        engine.dispose()


async def test_data_and_schema_survive_close_and_reopen(durable_backend: Backend, clock: Clock) -> None:
    first = await durable_backend.open(clock)
    created = await first.put(NS, "breeds", "sava", SAVA, revision=0)
    event = await first.publish(NS, model.Event(tags=("gateways:sava",), value={"rate": 1}))
    await first.close()

    for _ in range(2):
        again = await durable_backend.open(clock)
        assert await again.get(NS, "breeds", "sava") == created
        assert (await again.events(NS, EventQuery(tags=("gateways",)))).items == [event]
        await again.close()

    assert _schema_versions(durable_backend) == SCHEMA


async def test_stores_opened_at_once_on_one_database_migrate_it_once(
    durable_backend: Backend, clock: Clock
) -> None:
    stores = await asyncio.gather(*(durable_backend.open(clock) for _ in range(3)))
    for opened in stores:
        await opened.close()

    assert _schema_versions(durable_backend) == SCHEMA


def _at_schema_version_1(backend: Backend, revision: int) -> None:
    """Make the database a version-1 store (before revisions outlived deletes) holding one breed."""
    engine = backend.engine()
    with engine.begin() as connection:
        tables.schema_version.create(connection)
        migrations.MIGRATIONS[0].apply(connection)
        connection.execute(
            sa.insert(tables.schema_version).values(version=1, description=SCHEMA[0][1], applied=START)
        )
        connection.execute(
            sa.insert(tables.artifacts).values(
                namespace=NS,
                kind="breeds",
                name="sava",
                revision=revision,
                data=SAVA,
                created=START,
                updated=START,
            )
        )
    engine.dispose()


async def test_an_artifact_stored_before_the_upgrade_goes_on_counting_after_a_delete(
    durable_backend: Backend, clock: Clock
) -> None:
    _at_schema_version_1(durable_backend, revision=3)

    store = await durable_backend.open(clock)
    before = await store.get(NS, "breeds", "sava")
    await store.delete(NS, "breeds", "sava")
    again = await store.put(NS, "breeds", "sava", SAVA, revision=0)
    await store.close()

    assert (before and before.revision, again.revision) == (3, 4)
    assert _schema_versions(durable_backend) == SCHEMA


async def test_a_schema_newer_than_this_code_is_refused(durable_backend: Backend, clock: Clock) -> None:
    await (await durable_backend.open(clock)).close()
    engine = durable_backend.engine()
    with engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO schema_version VALUES (99, 'from the future', '2030-01-01 00:00:00')")
        )
    engine.dispose()

    with pytest.raises(errors.StoreError) as refused:
        await durable_backend.open(clock)

    assert str(refused.value) == (
        f"{_store_name(durable_backend)} has schema version 99, newer than this Vamp knows (3); "
        "upgrade Vamp, or give --store another database."
    )


REASONS = {"sqlite": "no such table: events", "postgresql": 'relation "events" does not exist'}


async def test_a_failing_operation_says_which_store_failed_doing_what(
    durable_backend: Backend, clock: Clock
) -> None:
    store = await durable_backend.open(clock)
    engine = durable_backend.engine()
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE events RENAME TO gone"))
    engine.dispose()

    with pytest.raises(errors.StoreError) as failed:
        await store.publish(NS, model.Event(tags=("a",)))
    await store.close()

    assert str(failed.value) == (
        f"{_store_name(durable_backend)} failed to publish an event in namespace 'default': "
        f"{REASONS[durable_backend.name]}."
    )


@pytest.mark.parametrize("form", ["{path}", "sqlite:///{path}", "sqlite+aiosqlite:///{path}"])
async def test_sqlite_is_opened_from_a_path_or_url(tmp_path: Path, clock: Clock, form: str) -> None:
    path = tmp_path / "folder" / "that" / "is" / "new" / "vamp.db"
    first = await sql.SqlStore.open(str(path), clock=clock)
    created = await first.put(NS, "breeds", "sava", SAVA, revision=0)
    await first.close()

    store = await sql.SqlStore.open(form.format(path=path), clock=clock)
    found = await store.get(NS, "breeds", "sava")
    await store.close()

    assert found == created


@pytest.mark.e2e
@pytest.mark.parametrize("scheme", ["postgresql", "postgres", "postgresql+psycopg"])
async def test_postgresql_is_opened_from_any_of_its_url_forms(
    postgres_server: postgres.PostgresServer, clock: Clock, scheme: str
) -> None:
    address = postgres_server.url(postgres_server.create_database())
    first = await sql.SqlStore.open(address, clock=clock)
    created = await first.put(NS, "breeds", "sava", SAVA, revision=0)
    await first.close()

    store = await sql.SqlStore.open(address.replace("postgresql://", f"{scheme}://"), clock=clock)
    found = await store.get(NS, "breeds", "sava")
    await store.close()

    assert found == created


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("", f"No store given. {USAGE}"),
        ("  ", f"No store given. {USAGE}"),
        ("mysql://vamp:secret@db/vamp", f"Unsupported store address 'mysql://vamp:***@db/vamp'. {USAGE}"),
        (
            "postgresql://vamp:secret@db:port/vamp",
            f"Cannot read the store address 'postgresql://vamp:***@db:port/vamp'. {USAGE}",
        ),
        ("://vamp", f"Cannot read the store address '://vamp'. {USAGE}"),
        (
            "sqlite://",
            "The store address 'sqlite://' names no file; SQLite needs one (sqlite:///PATH). "
            "For a store that lives in memory only, use --ephemeral.",
        ),
        (
            "sqlite:///:memory:",
            "The store address 'sqlite:///:memory:' names no file; SQLite needs one (sqlite:///PATH). "
            "For a store that lives in memory only, use --ephemeral.",
        ),
    ],
)
async def test_an_address_that_names_no_store_is_refused(clock: Clock, address: str, message: str) -> None:
    with pytest.raises(errors.StoreError) as refused:
        await sql.SqlStore.open(address, clock=clock)

    assert str(refused.value) == message


async def test_an_unreachable_postgresql_is_named_with_the_reason(clock: Clock) -> None:
    with socket.socket() as probe:  # a port nobody listens on: bound, never listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

        with pytest.raises(errors.StoreError) as refused:
            await sql.SqlStore.open(f"postgresql://vamp:secret@127.0.0.1:{port}/vamp", clock=clock)

    assert (
        str(refused.value)
        == f"Cannot reach PostgreSQL at 127.0.0.1:{port} (connection refused). Check --store."
    )


async def test_a_sqlite_file_under_a_file_is_named_with_the_reason(tmp_path: Path, clock: Clock) -> None:
    not_a_folder = tmp_path / "notes.txt"
    not_a_folder.write_text("not a folder")

    with pytest.raises(errors.StoreError) as refused:
        await sql.SqlStore.open(str(not_a_folder / "vamp.db"), clock=clock)

    path = not_a_folder / "vamp.db"
    assert str(refused.value) == (
        f"Cannot open SQLite at {path} ({not_a_folder} is not a directory). Check --store."
    )


async def test_a_sqlite_file_that_is_a_folder_is_named_with_the_reason(tmp_path: Path, clock: Clock) -> None:
    with pytest.raises(errors.StoreError) as refused:
        await sql.SqlStore.open(str(tmp_path), clock=clock)

    assert (
        str(refused.value)
        == f"Cannot open SQLite at {tmp_path} (unable to open database file). Check --store."
    )


async def test_a_sqlite_file_that_is_not_a_database_is_named_with_the_reason(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "vamp.db"
    path.write_text("these are notes, not a database\n" * 100)

    with pytest.raises(errors.StoreError) as refused:
        await sql.SqlStore.open(str(path), clock=clock)

    assert str(refused.value) == f"Cannot open SQLite at {path} (file is not a database). Check --store."


async def test_sqlite_is_written_ahead_to_a_log_so_readers_do_not_wait_for_writers(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "vamp.db"
    await (await sql.SqlStore.open(str(path), clock=clock)).close()

    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


async def test_concurrent_writers_on_sqlite_queue_and_every_write_is_kept_once(
    tmp_path: Path, clock: Clock
) -> None:
    opened = await sql.SqlStore.open(str(tmp_path / "vamp.db"), clock=clock)
    try:
        stored = await asyncio.gather(
            *(opened.put("default", "scales", "small", {"cpu": index}, revision=None) for index in range(60)),
            *(opened.publish("default", model.Event(tags=("load",), type="load")) for _ in range(20)),
        )
        archived = await opened.events("default", EventQuery(tags=("archive", "scales:small")))
    finally:
        await opened.close()

    revisions = [item.revision for item in stored[:60] if isinstance(item, store_port.StoredArtifact)]
    assert sorted(revisions) == list(range(1, 61))
    assert archived.total == 60


async def test_the_sqlite_store_its_log_and_shared_memory_are_their_owners_alone(
    tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "home" / "vamp.db"
    path.parent.mkdir()
    path.touch(mode=0o644)  # left open by an earlier version
    opened = await sql.SqlStore.open(str(path), clock=clock)
    try:
        await opened.put("default", "scales", "small", {"cpu": 1}, revision=None)
        files = [path, path.with_name("vamp.db-wal"), path.with_name("vamp.db-shm")]
        modes = [stat.S_IMODE(file.stat().st_mode) for file in files]
    finally:
        await opened.close()

    assert modes == [0o600, 0o600, 0o600]


async def test_a_new_sqlite_folder_is_made_0700(tmp_path: Path, clock: Clock) -> None:
    await (await sql.SqlStore.open(str(tmp_path / "new" / "vamp.db"), clock=clock)).close()

    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700

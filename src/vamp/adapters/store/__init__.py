"""The store adapter: artifacts and events in SQLite or PostgreSQL (``sql``), or in memory (``memory``).

Both implement ``vamp.ports.store.ArtifactStore`` and behave alike (one test suite runs against each):
``await sql.SqlStore.open(address)`` for a database, ``memory.MemoryStore()`` for tests and
``--ephemeral``. Inside: ``database`` (addresses, engines, transactions, error translation),
``tables`` (the schema), ``migrations`` (creating and upgrading it), ``rules`` (what both stores share).
"""

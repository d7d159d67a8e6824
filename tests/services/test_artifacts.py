"""The artifact service over a memory store: lookups answered from the store in rounds, imports, what is
stored for a blueprint, who hears about writes, and stored data that cannot be read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from vamp import errors
from vamp.adapters.store import memory
from vamp.core import model
from vamp.services import artifacts, documents, lookups

pytestmark = pytest.mark.anyio

NS = "default"


@dataclass
class Heard:
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def deployment_changed(self, namespace: str, name: str) -> None:
        self.calls.append(("deployment", namespace, name))

    def gateways_changed(self, namespace: str) -> None:
        self.calls.append(("gateways", namespace))


@pytest.fixture
def store() -> memory.MemoryStore:
    return memory.MemoryStore()


@pytest.fixture
def heard() -> Heard:
    return Heard()


@pytest.fixture
def service(store: memory.MemoryStore, heard: Heard) -> artifacts.ArtifactService:
    return artifacts.ArtifactService(store, heard)


def _breed(name: str, *dependencies: str) -> str:
    needs = "".join(f"\n  d{index}: {dependency}" for index, dependency in enumerate(dependencies))
    return f"name: {name}\ndeployable: magneticio/{name}\n" + (f"dependencies:{needs}\n" if needs else "")


async def _save(service: artifacts.ArtifactService, text: str, kind: str) -> list[model.Artifact]:
    return await service.save(NS, await service.read(NS, text, kind=kind))


async def test_prefetch_fetches_what_each_round_asks_for_once() -> None:
    chain = {"a": "b", "b": "c", "c": None}
    fetched: list[str] = []

    async def fetch(kind: str, name: str) -> str | None:
        fetched.append(name)
        return name if name in chain else None

    def follow(lookup: Callable[[str, str], str | None]) -> list[str]:
        found: list[str] = []
        name: str | None = "a"
        while name is not None and lookup("things", name) is not None:
            found.append(name)
            name = chain[name]
        return found

    assert await lookups.Prefetch(fetch).run(follow) == ["a", "b", "c"]
    assert fetched == ["a", "b", "c"]


async def test_prefetch_refuses_references_nested_without_end() -> None:
    async def fetch(kind: str, name: str) -> str:
        return name + "+"

    def endless(lookup: Callable[[str, str], str | None]) -> None:
        name = "x"
        while (found := lookup("things", name)) is not None:
            name = found

    with pytest.raises(errors.DslError) as raised:
        await lookups.Prefetch(fetch).run(endless)

    assert str(raised.value) == (
        "References nest more than 32 levels deep (imports, or dependencies of dependencies); flatten them."
    )


async def test_a_blueprint_resolves_breeds_and_their_dependencies_from_the_store(
    service: artifacts.ArtifactService,
) -> None:
    for text in (_breed("c"), _breed("b", "c"), _breed("a", "b")):
        await _save(service, text, "breeds")
    blueprint = await service.read(
        NS, "name: x\nclusters:\n  x:\n    services:\n      - breed: a\n", kind="blueprints"
    )

    resolved = await service.resolve(NS, blueprint[0])  # type: ignore[arg-type]

    breed = resolved.clusters["x"].services[0].breed
    assert isinstance(breed, model.Breed)
    needed = breed.dependencies["d0"]
    assert isinstance(needed, model.Breed)
    assert isinstance(needed.dependencies["d0"], model.Breed)


async def test_a_document_imports_a_stored_artifact(service: artifacts.ArtifactService) -> None:
    await _save(service, "name: base\ndeployable: magneticio/base\nports: {web: 8080/http}\n", "breeds")

    found = await service.read(
        NS, "name: mine\nimport: breeds/base\ndeployable: magneticio/mine\n", kind="breeds"
    )

    assert isinstance(found[0], model.Breed)
    assert found[0].deployable.definition == "magneticio/mine"
    assert [port.name for port in found[0].ports] == ["web"]


async def test_a_blueprint_is_stored_with_its_inline_breeds_split_off(
    service: artifacts.ArtifactService, store: memory.MemoryStore
) -> None:
    stored = await _save(
        service,
        "name: x\nclusters:\n  x:\n    services:\n      - breed: {name: a, deployable: a}\n",
        "blueprints",
    )

    assert [(item.kind, item.name) for item in stored] == [("breeds", "a"), ("blueprints", "x")]
    kept = await store.get(NS, "blueprints", "x")
    assert kept is not None
    assert kept.data["clusters"]["x"]["services"][0]["breed"] == {"reference": "a"}


@pytest.mark.parametrize(
    ("kind", "text", "notified"),
    [
        ("breeds", _breed("a"), False),
        ("conditions", "name: ff\ncondition: user-agent == Firefox\n", True),
        ("routes", "name: r\nweight: 10%\n", True),
        ("gateways", "name: g\nport: 9060\nroutes: {'[10.0.0.1:80]': {weight: 100%}}\n", True),
    ],
)
async def test_the_notifier_hears_of_writes_that_may_change_a_plan(
    service: artifacts.ArtifactService, heard: Heard, kind: str, text: str, notified: bool
) -> None:
    found = await _save(service, text, kind)
    await service.delete(NS, kind, artifacts.name_of(found[0]))

    assert heard.calls == ([("gateways", NS)] * 2 if notified else [])


async def test_validate_only_stores_nothing_and_tells_no_one(
    service: artifacts.ArtifactService, store: memory.MemoryStore, heard: Heard
) -> None:
    found = await service.read(NS, "name: r\nweight: 10%\n", kind="routes")

    assert await service.save(NS, found, validate_only=True) == found
    assert await store.get(NS, "routes", "r") is None
    assert heard.calls == []


async def test_stored_data_that_cannot_be_read_is_a_store_error(
    service: artifacts.ArtifactService, store: memory.MemoryStore
) -> None:
    await store.put(NS, "scales", "odd", {"name": "odd", "cpu": "lots"}, revision=0)

    with pytest.raises(errors.StoreError) as raised:
        await service.get(NS, "scales", "odd")

    assert str(raised.value).startswith(
        "scales/odd in namespace 'default' is stored in a form this version cannot read"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("large", model.Ref(name="large")),
        ("reference: large", model.Ref(name="large")),
        ("{ref: large}", model.Ref(name="large")),
        ("cpu: 1\nmemory: 1GB\n", "anonymous"),
        ("name: given\ncpu: 1\nmemory: 1GB\n", "given"),
    ],
)
async def test_a_part_is_given_inline_or_by_reference(
    service: artifacts.ArtifactService, text: str, expected: object
) -> None:
    found = await documents.read_part(service, NS, text, "scales", model.Scale)

    if isinstance(expected, model.Ref):
        assert found == expected
    else:
        assert isinstance(found, model.Scale)
        assert found.name == (None if expected == "anonymous" else expected)

"""The instances as a namespace's gateways see them: those of other namespaces without their route paths,
whatever tuples of instances came before, and the very tuple given when nothing has a path to lose."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from vamp.core import model, selector
from vamp.core.reconcile import addressing, gateways

PROPERTY = settings(max_examples=200, deadline=None)
NAMESPACES = ["ns0", "ns1", "ns2"]


def instance(name: str, namespace: str, path: bool) -> model.ObservedInstance:
    owner = {"deployment": "d", "cluster": "c", "service": "s"} if path else {}
    return model.ObservedInstance(
        name=name, ip="10.0.0.1", namespace=namespace, labels={"app": name}, **owner
    )


def plainly_addressable(instances, namespace):
    """The definition: every instance of another namespace without deployment, cluster and service."""
    return tuple(
        i
        if i.namespace == namespace
        else i.model_copy(update={"deployment": None, "cluster": None, "service": None})
        for i in instances
    )


POOL = [instance(f"i{n}", NAMESPACES[n % 3], path=n % 2 == 0) for n in range(12)]
PARTIAL = model.ObservedInstance(name="partial", ip="10.0.0.2", namespace="ns1", service="s")


@PROPERTY
@given(
    st.lists(
        st.tuples(
            st.lists(st.sampled_from([*POOL, PARTIAL]), max_size=12).map(tuple), st.sampled_from(NAMESPACES)
        ),
        min_size=1,
        max_size=5,
    )
)
def test_each_namespace_sees_other_namespaces_instances_without_their_paths(asked):
    for instances, namespace in asked:
        seen = gateways.addressable(instances, namespace)
        assert seen == plainly_addressable(instances, namespace)
        assert gateways.addressable(instances, namespace) == seen
        wanted = selector.parse("label(app)((.*)) || namespace($namespace)")
        fresh = selector.select(wanted, selector.Index(seen), namespace=namespace)
        assert selector.select(wanted, selector.Index.of(seen), namespace=namespace) == fresh
        assert all(
            after is before
            for before, after in zip(instances, seen, strict=True)
            if before.namespace == namespace
        )


def test_without_paths_elsewhere_the_instances_come_back_as_they_came():
    plain = tuple(instance(f"p{n}", NAMESPACES[n % 3], path=False) for n in range(6))
    assert gateways.addressable(plain, "ns0") is plain
    own = (*plain, instance("mine", "ns0", path=True))
    assert gateways.addressable(own, "ns0") is own
    assert gateways.addressable(own, "ns1") is not own
    assert gateways.addressable(list(plain), "ns1") == plain


def test_an_instance_reported_again_keeps_its_copy_without_path():
    first = tuple(POOL[:6])
    copy = gateways.addressable(first, "ns1")[0]
    assert copy.deployment is None
    again = (*POOL[:6], PARTIAL)
    assert gateways.addressable(again, "ns1")[0] is copy
    assert gateways.addressable(again, "ns2")[0] is copy
    assert addressing.addressable(again, "ns0")[0] is POOL[0]

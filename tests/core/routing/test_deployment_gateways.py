"""A deployment's gateways in full: internal ``d/c/p`` and external ``d/port``, with full route paths."""

from vamp.core import model
from vamp.core.routing import deployment_gateways


def anonymous(routes, port=None, **fields):
    number, _, protocol = str(port or "").partition("/")
    return model.Gateway.model_validate(
        {
            "port": {"number": int(number) if number else None, "protocol": protocol or "http"},
            "routes": routes,
            **fields,
        }
    )


def test_a_deployment_has_its_internal_and_external_gateways_in_full():
    deployment = model.Deployment.model_validate(
        {
            "name": "sava",
            "clusters": {
                "frontend": {
                    "gateways": {
                        "webport": anonymous({"sava:1.0": {"weight": "90%"}, "sava:1.1": {"weight": "10%"}}),
                        "admin": anonymous({"sava:1.0": {}}, "/tcp", sticky=None),
                    }
                },
                "backend": {"gateways": {"api": anonymous({"[10.0.0.9:80]": {}, "x/y/z/api": {}}, 41000)}},
            },
            "gateways": {"9050": anonymous({"frontend/webport": {}, "other-gateway": {}})},
            "ports": {"frontend.webport": 40001, "frontend.admin": 40002},
        }
    )

    found = {gateway.name: gateway for gateway in deployment_gateways.gateways_of(deployment)}

    assert [(name, gateway.port.value, list(gateway.routes)) for name, gateway in found.items()] == [
        (
            "sava/frontend/webport",
            "40001/http",
            ["sava/frontend/sava:1.0/webport", "sava/frontend/sava:1.1/webport"],
        ),
        ("sava/frontend/admin", "40002/tcp", ["sava/frontend/sava:1.0/admin"]),
        ("sava/backend/api", "41000/http", ["[10.0.0.9:80]", "x/y/z/api"]),
        ("sava/9050", "9050/http", ["sava/frontend/webport", "other-gateway"]),
    ]
    routes = found["sava/frontend/webport"].routes.values()
    weights = [str(route.weight) for route in routes if isinstance(route, model.Route)]
    assert weights == ["90%", "10%"]
    assert found["sava/frontend/webport"].internal
    assert not found["sava/9050"].internal


def test_a_deployment_without_gateways_has_none():
    assert deployment_gateways.gateways_of(model.Deployment(name="empty")) == ()

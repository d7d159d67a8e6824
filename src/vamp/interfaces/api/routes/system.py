"""``/api/v1/info``, ``/api/v1/scheduler/routing`` and ``/api/v1/vga/plan``: the server itself.

* ``info`` (also ``information``) tells the version, the server's id, since when it runs, and how its
  parts are (``?on=`` picks sections); it answers 500 when a part fails, so it serves as a liveness
  probe;
* ``scheduler/routing?selector=`` previews the routes a gateway selector would find now;
* ``vga/plan?version=&wait=`` is the gateway agents' long poll: the namespace's routing plan at once when
  its version is not ``version``, else as soon as it changes, or 304 after ``wait`` seconds (at most 60).
  With ``?namespace=N`` (repeatable) or ``?all_namespaces=true`` it is one plan combining those
  namespaces' (``vamp.core.routing.combined``: names outside the default namespace are qualified), which
  changes when any of them does; ``served_namespaces`` says which namespaces a request is served.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import Response

from vamp import errors
from vamp.core import access
from vamp.interfaces.api import namespaces, negotiation, pagination, plan_answers
from vamp.interfaces.api.access import Caller
from vamp.interfaces.api.context import Services, Wired
from vamp.interfaces.api.namespaces import Namespace
from vamp.services import info

router = APIRouter(tags=["system"])

Sections = Annotated[
    list[str] | None,
    Query(description=f"The sections to report on: {', '.join(info.SECTIONS)}; all by default."),
]


@router.get(
    "/information",
    name="read_information",
    include_in_schema=False,
    dependencies=[Depends(negotiation.check_accept)],
)
@router.get("/info", summary="About this server", dependencies=[Depends(negotiation.check_accept)])
async def read_info(request: Request, namespace: Namespace, services: Wired, on: Sections = None) -> Response:
    unknown = [section for section in on or () if section not in info.SECTIONS]
    if unknown:
        raise errors.RequestError(
            f"Unknown info section {unknown[0]!r}; the sections are: {', '.join(info.SECTIONS)}."
        )
    report = await services.info.report(namespace, on or info.SECTIONS)
    return negotiation.render(request, report.data, 200 if report.healthy else 500)


@router.get(
    "/scheduler/routing",
    summary="Preview the routes a gateway selector finds",
    dependencies=[Depends(negotiation.check_accept)],
)
async def preview_routing(
    request: Request,
    namespace: Namespace,
    services: Wired,
    paged: pagination.Paged,
    selector: Annotated[
        str, Query(description="A gateway selector, e.g. label(app)(foo) && label(version)((.*))")
    ],
) -> Response:
    routes = await services.preview.routes(namespace, selector)
    shown = [
        {
            "route": found.route,
            "groups": list(found.groups),
            "targets": [
                {"name": target.instance, "host": target.host, "port": target.port}
                for target in found.targets
            ],
        }
        for found in routes[paged.offset : paged.offset + paged.per_page]
    ]
    return negotiation.render(request, shown, 200, pagination.headers(request, paged, len(routes)))


@router.get("/vga/plan", summary="The routing plan, for gateway agents (long poll)")
async def routing_plan(
    request: Request,
    namespace: Namespace,
    services: Wired,
    token: Caller,
    version: Annotated[str, Query(description="The version the agent has; '' for none.")] = "",
    wait: Annotated[float, Query(ge=0, description="Seconds to wait for a new version (at most 60).")] = 0,
    namespace_names: Annotated[
        list[str] | None,
        Query(
            alias="namespace",
            description="Serve the plans of these namespaces combined into one (repeatable).",
        ),
    ] = None,
    all_namespaces: Annotated[
        bool, Query(description="Serve the plans of every namespace combined into one.")
    ] = False,
) -> Response:
    timeout = min(wait, services.longest_wait)
    if not namespace_names and not all_namespaces:
        plan = await services.plans(namespace).wait_for_change(version, timeout)
    else:
        default: str = request.app.state.default_namespace
        asked = tuple(namespace_names or ())
        # Refuse a bad request at once: a name that is no namespace, one the token may not read plans
        # of, one that is no environment.
        for name in served_namespaces(services, default, asked, every=False, token=token):
            await services.tenants.check_namespace(name)
        plan = await services.plans.wait_for_change(
            lambda: served_namespaces(services, default, asked, every=all_namespaces, token=token),
            version,
            timeout,
            default=default,
        )
    if plan is None or plan.version == version:
        return Response(status_code=304)
    answers: plan_answers.PlanAnswers = request.app.state.plan_answers
    return await answers.answer(request, plan)


def served_namespaces(
    services: Services, default: str, asked: Sequence[str], *, every: bool, token: access.Token
) -> tuple[str, ...]:
    """The namespaces a combined long poll serves: those ``asked``, and with ``every`` all the server
    knows now that ``token`` may read the plans of (asked again at every change, so one that appears is
    served from then on).

    Raises:
        errors.RequestError: a namespace asked for is not a namespace name.
        errors.ForbiddenError: ``token`` may not read the plans of a namespace asked for.
    """
    for name in asked:
        problem = None if name == default else namespaces.problem(name)
        if problem is not None:
            raise errors.RequestError(f"Query parameter 'namespace': {problem}")
        services.tokens.authorise(token, access.Permission.PLANS, name)
    if every:
        known = {default, *services.plans.namespaces(), *asked}
        return tuple(
            sorted(
                name
                for name in known
                if access.allows(token.role, token.scope, access.Permission.PLANS, name)
            )
        )
    return tuple(dict.fromkeys(asked))

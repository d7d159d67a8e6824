"""A cluster's SLA as the SLA loops use it: references to stored SLAs and escalations resolved.

A deployment keeps a cluster's SLA as it was merged (resolved then, but a ``PUT …/sla`` by reference
keeps the stored SLA's escalations as references): ``resolved`` reads whatever is still a reference from
the namespace's stored ``slas`` and ``escalations``. A reference with escalations of its own
(``{reference: s, escalations: [...]}``) uses those instead of the stored SLA's, as at merge time. An
escalation that is not stored (or refers back to itself) stays a reference, which the core skips with
the reason.
"""

from __future__ import annotations

from vamp import errors
from vamp.core import model
from vamp.services import artifacts

ClusterSla = model.Sla | model.SlaReference | model.Ref


async def resolved(artifact_service: artifacts.ArtifactService, namespace: str, sla: ClusterSla) -> model.Sla:
    """``sla`` with every reference resolved.

    Raises:
        errors.NotFoundError: it refers to an SLA that is not stored.
    """
    if isinstance(sla, model.Sla):
        found = sla
    else:
        stored = await artifact_service.find(namespace, "slas", sla.name)
        if not isinstance(stored, model.Sla):
            raise errors.NotFoundError(f"SLA '{sla.name}' is not stored in namespace '{namespace}'.")
        found = stored
        if isinstance(sla, model.SlaReference) and sla.escalations:
            found = found.model_copy(update={"escalations": sla.escalations})
    escalations = tuple(
        [await _escalation(artifact_service, namespace, item, ()) for item in found.escalations]
    )
    return found.model_copy(update={"escalations": escalations})


async def _escalation(
    artifact_service: artifacts.ArtifactService,
    namespace: str,
    escalation: model.Escalation | model.Ref,
    seen: tuple[str, ...],
) -> model.Escalation | model.Ref:
    if isinstance(escalation, model.Ref):
        if escalation.name in seen:
            return escalation
        stored = await artifact_service.find(namespace, "escalations", escalation.name)
        if not isinstance(stored, model.ScaleEscalation | model.GroupEscalation | model.GenericEscalation):
            return escalation
        return await _escalation(artifact_service, namespace, stored, (*seen, escalation.name))
    if isinstance(escalation, model.GroupEscalation):
        nested = tuple(
            [await _escalation(artifact_service, namespace, item, seen) for item in escalation.escalations]
        )
        return escalation.model_copy(update={"escalations": nested})
    return escalation

"""The artifact model: frozen pydantic values for every Vamp artifact kind (vamp.md §1).

Import the module and qualify names (``from vamp.core import model`` … ``model.Breed``). ``Artifact`` is
the union of the kinds a document can hold; ``KINDS`` maps each kind (as Vamp spells it, plural) to the
classes that carry it.
"""

from vamp.core.model.base import (
    MAX_NAME_LENGTH,
    Dialects,
    Metadata,
    Model,
    Port,
    Protocol,
    Ref,
    name_problem,
    unsafe_name_problem,
)
from vamp.core.model.blueprint import ONLY_PORT, Blueprint, Cluster, Service
from vamp.core.model.breed import (
    DEFAULT_DEPLOYABLE_TYPE,
    Argument,
    Breed,
    Constant,
    Deployable,
    EnvironmentVariable,
    HealthCheck,
)
from vamp.core.model.deployment import (
    Deployment,
    DeploymentCluster,
    DeploymentService,
    Instance,
    Intention,
    Phase,
    PhaseName,
    ServiceStatus,
)
from vamp.core.model.event import Event, expand_tags
from vamp.core.model.gateway import Condition, Gateway, GatewayPort, GatewayTls, Rewrite, Route, Sticky
from vamp.core.model.observed import ObservedInstance, ObservedPort
from vamp.core.model.scale import DEFAULT_SCALE, Scale
from vamp.core.model.sla import (
    Escalation,
    GenericEscalation,
    GroupEscalation,
    ScaleEscalation,
    Sla,
    SlaReference,
    Threshold,
    Window,
)
from vamp.core.model.template import Template
from vamp.core.model.workflow import (
    DaemonSchedule,
    EventSchedule,
    Schedule,
    TimeSchedule,
    Workflow,
    WorkflowStatus,
)

Artifact = (
    Breed
    | Blueprint
    | Scale
    | Sla
    | ScaleEscalation
    | GroupEscalation
    | GenericEscalation
    | Condition
    | Route
    | Rewrite
    | Template
    | Gateway
    | Deployment
    | Workflow
)

KINDS: tuple[str, ...] = (
    "breeds",
    "blueprints",
    "scales",
    "slas",
    "escalations",
    "conditions",
    "routes",
    "rewrites",
    "templates",
    "gateways",
    "deployments",
    "workflows",
)

__all__ = [
    "DEFAULT_DEPLOYABLE_TYPE",
    "DEFAULT_SCALE",
    "KINDS",
    "MAX_NAME_LENGTH",
    "ONLY_PORT",
    "Argument",
    "Artifact",
    "Blueprint",
    "Breed",
    "Cluster",
    "Condition",
    "Constant",
    "DaemonSchedule",
    "Deployable",
    "Deployment",
    "DeploymentCluster",
    "DeploymentService",
    "Dialects",
    "EnvironmentVariable",
    "Escalation",
    "Event",
    "EventSchedule",
    "Gateway",
    "GatewayPort",
    "GatewayTls",
    "GenericEscalation",
    "GroupEscalation",
    "HealthCheck",
    "Instance",
    "Intention",
    "Metadata",
    "Model",
    "ObservedInstance",
    "ObservedPort",
    "Phase",
    "PhaseName",
    "Port",
    "Protocol",
    "Ref",
    "Rewrite",
    "Route",
    "Scale",
    "ScaleEscalation",
    "Schedule",
    "Service",
    "ServiceStatus",
    "Sla",
    "SlaReference",
    "Sticky",
    "Template",
    "Threshold",
    "TimeSchedule",
    "Window",
    "Workflow",
    "WorkflowStatus",
    "expand_tags",
    "name_problem",
    "unsafe_name_problem",
]

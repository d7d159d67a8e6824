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
from vamp.core.model.release import (
    FINAL_PHASES,
    MAX_DECISIONS,
    Checks,
    Decision,
    DecisionAction,
    ErrorsCheck,
    LatencyCheck,
    OnFailure,
    OnSuccess,
    Release,
    ReleasePhase,
    ReleaseStatus,
    Requested,
    Strategy,
    Webhook,
    WebhookMoment,
)
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
    | Release
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
    "releases",
)

__all__ = [
    "DEFAULT_DEPLOYABLE_TYPE",
    "DEFAULT_SCALE",
    "FINAL_PHASES",
    "KINDS",
    "MAX_DECISIONS",
    "MAX_NAME_LENGTH",
    "ONLY_PORT",
    "Argument",
    "Artifact",
    "Blueprint",
    "Breed",
    "Checks",
    "Cluster",
    "Condition",
    "Constant",
    "DaemonSchedule",
    "Decision",
    "DecisionAction",
    "Deployable",
    "Deployment",
    "DeploymentCluster",
    "DeploymentService",
    "Dialects",
    "EnvironmentVariable",
    "ErrorsCheck",
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
    "LatencyCheck",
    "Metadata",
    "Model",
    "ObservedInstance",
    "ObservedPort",
    "OnFailure",
    "OnSuccess",
    "Phase",
    "PhaseName",
    "Port",
    "Protocol",
    "Ref",
    "Release",
    "ReleasePhase",
    "ReleaseStatus",
    "Requested",
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
    "Strategy",
    "Template",
    "Threshold",
    "TimeSchedule",
    "Webhook",
    "WebhookMoment",
    "Window",
    "Workflow",
    "WorkflowStatus",
    "expand_tags",
    "name_problem",
    "unsafe_name_problem",
]

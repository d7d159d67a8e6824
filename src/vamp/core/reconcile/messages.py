"""Every sentence the reconciler records on a service or reports about gateways, in one place (house rule 14).

The failure message keeps Vamp's wording (vamp.md §3.4) and adds the reason, so a user reading a failed
service knows what to fix.
"""

from datetime import timedelta

SERVICE_ERROR = "Deployment service error for deployment '{deployment}' and service '{service}': {reason}"
NOT_DONE = "not {done} within {timeout}{last}"
INSTANCES_READY = "{ready} of {wanted} instances ready, {running} running"
DEPLOYING = "deploying"
REDEPLOYING = "redeploying: the running instances have another spec"
UNDEPLOYING = "undeploying"
DEPLOYED = "deployed"
UNDEPLOYED = "undeployed"
RECOVERED = "recovered: every instance is ready"
NO_DEPENDENCY_CLUSTER = "waiting for dependency '{alias}': no cluster hosts it yet"
DEPENDENCY_NOT_DONE = (
    "waiting for dependency '{alias}': no service matching '{breed}' in cluster '{cluster}' is done yet"
)
DEPENDENCY_PORT = "waiting for dependency '{alias}': the gateway port of '{port}' is not assigned yet"
UNREADABLE = "{kind} '{name}' cannot be read, so it is left out: {reason}"
NOT_EXPOSED = "gateway '{name}' cannot be exposed outside the data plane (it is served inside it): {reason}"


def duration(timeout: timedelta) -> str:
    """A timeout as a user reads it: ``600 s``, ``1.5 s``."""
    seconds = timeout.total_seconds()
    return f"{int(seconds) if seconds.is_integer() else seconds} s"


def not_done(undeploying: bool, timeout: timedelta, last: str | None) -> str:
    """Why a service failed by timeout, with what it was waiting for last."""
    return NOT_DONE.format(
        done="undeployed" if undeploying else "done",
        timeout=duration(timeout),
        last=f" ({last})" if last else "",
    )

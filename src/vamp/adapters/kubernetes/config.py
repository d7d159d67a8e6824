"""Where the Kubernetes API is and who we are there: in-cluster service account, or a kubeconfig file.

``load`` decides as kubectl and client-go do: an explicit kubeconfig wins; inside a Pod (where
``KUBERNETES_SERVICE_HOST`` is set) the service account's token and CA at the standard paths; otherwise
``$KUBECONFIG`` or ``~/.kube/config``. Every problem is an ``errors.DriverError`` that names the file or
variable at fault and says what would work. Reads files; opens no connection (that is ``client``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import yaml
from lightkube import ConfigError, KubeConfig, SingleConfig
from lightkube.config.models import Cluster, User

from vamp import errors

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
DEFAULT_KUBECONFIG = Path("~/.kube/config")
_HINT = "give --kubeconfig, set $KUBECONFIG, or run Vamp in a Pod with a service account"


def load(
    kubeconfig: Path | None = None,
    *,
    context: str | None = None,
    environ: Mapping[str, str] = os.environ,
    service_account: Path = SERVICE_ACCOUNT,
) -> SingleConfig:
    """The connection settings to use: ``kubeconfig`` if given, else in-cluster, else the default kubeconfig.

    Args:
        kubeconfig: a kubeconfig file to use, whatever the environment says.
        context: the kubeconfig context to use instead of its current one.
        environ: the environment to read ``KUBERNETES_SERVICE_HOST``/``PORT`` and ``KUBECONFIG`` from.
        service_account: where the service account's ``token``, ``ca.crt`` and ``namespace`` are mounted.

    Raises:
        errors.DriverError: the settings are missing or invalid; the message says which and how to fix it.
    """
    if kubeconfig is not None:
        return from_kubeconfig(kubeconfig, context=context)
    if environ.get("KUBERNETES_SERVICE_HOST"):
        return in_cluster(environ, service_account)
    return from_kubeconfig(_default_kubeconfig(environ), context=context)


def in_cluster(environ: Mapping[str, str], service_account: Path = SERVICE_ACCOUNT) -> SingleConfig:
    """The API server and the Pod's service account, as every Pod sees them.

    The token is read again whenever the server rejects it, so rotated tokens keep working.
    """
    host, port = environ.get("KUBERNETES_SERVICE_HOST", ""), environ.get("KUBERNETES_SERVICE_PORT", "")
    if not host or not port:
        raise errors.DriverError(
            "Running in a cluster needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, which "
            f"Kubernetes sets in every Pod; found host {host!r} and port {port!r}. "
            f"Outside a cluster, {_HINT}."
        )
    token, ca = service_account / "token", service_account / "ca.crt"
    for needed in (token, ca):
        if not needed.is_file():
            raise errors.DriverError(
                f"The service account file {needed} is missing: the Pod must mount a service account token "
                "(automountServiceAccountToken must not be false)."
            )
    namespace_file = service_account / "namespace"
    namespace = namespace_file.read_text().strip() if namespace_file.is_file() else None
    server = f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
    config = KubeConfig.from_one(
        cluster=Cluster(server=server, certificate_auth=str(ca)),
        user=User(token_file=str(token)),
        namespace=namespace,
    )
    return _selected(config, None, f"the service account at {service_account}")


def from_kubeconfig(path: Path, *, context: str | None = None) -> SingleConfig:
    """The settings of ``context`` (or the current context) in the kubeconfig file ``path``."""
    path = path.expanduser()
    if not path.is_file():
        raise errors.DriverError(f"Kubeconfig {path} does not exist: {_HINT}.")
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise errors.DriverError(f"Kubeconfig {path} cannot be read as YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise errors.DriverError(
            f"Kubeconfig {path} is not a kubeconfig: expected a map with clusters, users and contexts."
        )
    try:
        config = KubeConfig.from_dict(data, fname=path)
    except (KeyError, TypeError, ValueError) as exc:
        raise errors.DriverError(
            f"Kubeconfig {path} is not a valid kubeconfig ({type(exc).__name__}: {exc}): it needs "
            "clusters, users and contexts, each a list of entries with a name."
        ) from exc
    return _selected(config, context, f"kubeconfig {path}")


def _selected(config: KubeConfig, context: str | None, source: str) -> SingleConfig:
    try:
        selected = config.get(context)
    except ConfigError as exc:
        known = ", ".join(sorted(config.contexts)) or "none"
        raise errors.DriverError(f"{source[0].upper()}{source[1:]}: {exc} (contexts: {known}).") from exc
    except KeyError as exc:
        raise errors.DriverError(
            f"{source[0].upper()}{source[1:]}: context {context or config.current_context!r} names cluster "
            f"or user {exc} that it does not define."
        ) from exc
    if selected is None:  # only with a default, which is never given here
        raise errors.DriverError(f"{source} selects no context.")
    return selected


def _default_kubeconfig(environ: Mapping[str, str]) -> Path:
    """The first existing file of ``$KUBECONFIG`` (a path list), else ``~/.kube/config``."""
    listed = [Path(entry) for entry in environ.get("KUBECONFIG", "").split(os.pathsep) if entry]
    return next(
        (path for path in listed if path.expanduser().is_file()), listed[0] if listed else DEFAULT_KUBECONFIG
    )

"""Kubeconfig files and API clients for one identity (a client certificate) of the test cluster.

Owns the kubeconfig format and building an ``httpx.Client`` that authenticates the same way; it creates no
certificate (that is ``pki``) and starts nothing.
"""

from __future__ import annotations

import base64
import dataclasses
import ssl
from pathlib import Path

import httpx
import yaml

from tests.k8s import pki


@dataclasses.dataclass(frozen=True, slots=True)
class User:
    """An identity of the test cluster: its client certificate and a kubeconfig that uses it."""

    name: str
    credentials: pki.CertifiedKey
    kubeconfig: Path


def write(path: Path, *, server: str, ca: Path, user: str, credentials: pki.CertifiedKey) -> Path:
    """Write a kubeconfig for ``user`` at ``server``, certificates embedded; return its path."""
    cluster, context = "vamp-test", f"{user}@vamp-test"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": cluster, "cluster": {"server": server, "certificate-authority-data": _base64(ca)}}
        ],
        "users": [
            {
                "name": user,
                "user": {
                    "client-certificate-data": _base64(credentials.cert),
                    "client-key-data": _base64(credentials.key),
                },
            }
        ],
        "contexts": [{"name": context, "context": {"cluster": cluster, "user": user}}],
        "current-context": context,
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path


def client(server: str, *, ca: Path, credentials: pki.CertifiedKey, timeout: float = 10.0) -> httpx.Client:
    """An HTTP client for ``server`` that trusts only ``ca`` and presents ``credentials``."""
    context = ssl.create_default_context(cafile=str(ca))
    context.load_cert_chain(credentials.cert, credentials.key)
    # trust_env=False: a proxy from the environment must never see the local API server's traffic.
    return httpx.Client(base_url=server, verify=context, timeout=timeout, trust_env=False)


def _base64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode("ascii")

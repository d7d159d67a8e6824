"""Where tokens are kept on disk: the server's home files and the CLI's saved logins.

* ``HOME/admin-token``: the admin token a server made at its first start (or was given), 0600, so the
  CLI on the same machine can use it; ``HOME/api-url`` says which server that token is for.
* ``HOME/agent-token``: the agent token ``vamp up`` gives its gateway agent.
* ``$XDG_CONFIG_HOME/vamp/credentials.json`` (``~/.config/vamp``): ``vamp login``'s tokens, one per server
  URL, 0600 in a 0700 folder.

``token_for(server)`` is how every CLI command finds its token: ``$VAMP_TOKEN``, else the saved login for
that server, else the admin token of the home (``--home``-less: ``$VAMP_HOME`` or ``./.vamp``) when the
home's server is the one asked. Every file is written whole (a temporary file renamed over it) and
private to its owner from its first byte.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from vamp import errors

ADMIN_TOKEN = "admin-token"
AGENT_TOKEN = "agent-token"
API_URL = "api-url"
TOKEN_VARIABLE = "VAMP_TOKEN"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable and writable by its owner only (0600), atomically.

    Raises:
        errors.VampError: the file cannot be written; the message names it.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w") as stream:
                stream.write(text)
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise errors.VampError(f"Cannot write {path}: {exc.strerror}.") from exc


def read_secret(path: Path) -> str | None:
    """The token in ``path`` (its first line), or ``None`` when there is no such file.

    Raises:
        errors.VampError: the file exists but cannot be read, or is empty.
    """
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise errors.VampError(f"Cannot read the token in {path}: {exc.strerror}.") from exc
    if not text:
        raise errors.VampError(f"The token file {path} is empty.")
    return text.splitlines()[0].strip()


def config_folder(environ: Mapping[str, str] = os.environ) -> Path:
    base = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "vamp"


def logins_file(environ: Mapping[str, str] = os.environ) -> Path:
    return config_folder(environ) / "credentials.json"


def _logins(environ: Mapping[str, str]) -> dict[str, str]:
    try:
        found = json.loads(logins_file(environ).read_text())
    except (OSError, ValueError):
        return {}
    return {str(key): str(value) for key, value in found.items()} if isinstance(found, dict) else {}


def save_login(server: str, secret: str, environ: Mapping[str, str] = os.environ) -> Path:
    """Keep ``secret`` as the token for ``server``; returns the file."""
    logins = _logins(environ)
    logins[_normal(server)] = secret
    path = logins_file(environ)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_private(path, json.dumps(logins, indent=2, sort_keys=True) + "\n")
    return path


def forget_login(server: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Forget the saved token for ``server``; whether there was one."""
    logins = _logins(environ)
    if logins.pop(_normal(server), None) is None:
        return False
    write_private(logins_file(environ), json.dumps(logins, indent=2, sort_keys=True) + "\n")
    return True


def home_folder(environ: Mapping[str, str] = os.environ) -> Path:
    """The home the CLI runs in: ``$VAMP_HOME``, else ``./.vamp``."""
    return Path(environ.get("VAMP_HOME") or ".vamp")


def token_for(server: str, environ: Mapping[str, str] = os.environ) -> str | None:
    """The token the CLI sends to ``server``, or ``None`` when it has none (see the module's docstring)."""
    if environ.get(TOKEN_VARIABLE):
        return environ[TOKEN_VARIABLE].strip()
    saved = _logins(environ).get(_normal(server))
    if saved:
        return saved
    home = home_folder(environ)
    try:
        home_server = (home / API_URL).read_text().strip()
    except OSError:
        return None
    if _normal(home_server) != _normal(server):
        return None
    try:
        return read_secret(home / ADMIN_TOKEN)
    except errors.VampError:
        return None


def _normal(server: str) -> str:
    return server.strip().rstrip("/").replace("://localhost", "://127.0.0.1")

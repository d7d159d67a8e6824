"""The JavaScript that workflow scripts run with: ``vamp-node-client``, written here (Vamp's was never
published to npm), shipped inside the package as data.

``NODE_MODULES`` is the ``node_modules`` folder that holds it. The local workflow runtime puts that folder in
``NODE_PATH`` of every run, so a script's ``require('vamp-node-client')`` finds it without an ``npm install``.
The client (``Api``, ``Http``, ``Log``, ``Metrics``) has no dependencies: it uses Node's global ``fetch``
(Node 18 and later); its README says how a Vamp script's stream calls map onto it. Beside it, ``highland``
is not Highland but a stand-in for the few calls Vamp's scripts made of it (most only required it), so
that they run unchanged; a script's own ``node_modules`` comes first, so a real Highland installed next
to a script wins.
"""

from __future__ import annotations

from pathlib import Path

NODE_MODULES: Path = Path(__file__).resolve().parent / "node_modules"
"""The folder to put in ``NODE_PATH``: it holds ``vamp-node-client``."""

CLIENT: Path = NODE_MODULES / "vamp-node-client"
"""The client's own folder (``package.json``, ``index.js`` …)."""

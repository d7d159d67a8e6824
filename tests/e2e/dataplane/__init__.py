"""The data-plane end-to-end suite: every gateway feature, run against Envoy and HAProxy from one set of
tests through the data-plane port (``vamp.ports.gateway_agent.DataPlane.apply``); see ``planes``."""

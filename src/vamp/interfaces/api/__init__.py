"""The Vamp REST API (vamp.md §2, DESIGN.md §5), on FastAPI: ``app.create_app(parts, settings)``.

Every route exists under ``/api/v1`` (the server's default namespace) and ``/{namespace}/api/v1``.
The modules: ``app`` (building the application and its services), ``context`` (what a route handler is
given), ``namespaces``, ``negotiation`` (JSON and YAML in and out), ``pagination``, ``error_responses``
(the error-to-status table), ``representation`` (artifacts as the API shows them) and ``routes/``, one
module per area. The handlers only translate HTTP to service calls and back; the rules are the services'.
"""

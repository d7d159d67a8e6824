"""The web UI: a static single page (``static/``) that works against the REST API like any other client."""

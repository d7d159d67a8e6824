"""What an HTTP gateway on HAProxy does at its edge besides routing, as Envoy's does: the client's address
in ``x-forwarded-for``, and the answers of ``vamp-unrouted`` to the requests no backend takes.

* **X-Forwarded-For**: each HTTP frontend appends the client's address (one header line, comma-separated,
  so a backend reading one line sees them all: HAProxy's ``option forwardfor`` would add a second line);
  a request that came over a chain socket (the PROXY protocol, ``fc_rcvd_proxy``) gets nothing more, since
  the gateway in front appended it already.
* **Unrouted**: a request that took a route of a gateway but no backend (the route has no weight
  anywhere) gets 503 with a body naming the gateway; one that took no route (no virtual host or route
  matched) gets 404. Which gateway is read from the frontend (``fe_name``) and the route number it chose,
  not from the weights, so the answer stays right when weights change at run time. These rules are read
  only for requests no backend took, so they cost the routed requests nothing.

Pure: names in, lines out.
"""

from __future__ import annotations

_ROUTE = "txn.vamp_route"
_NO_WEIGHT = 503

NO_ROUTE = "http-request return status 404"
"""The last rule of ``vamp-unrouted``: a request no route took, as on Envoy."""


def forwarded_for(*, chained: bool) -> list[str]:
    """The rules that append the client's address to ``x-forwarded-for``, as Envoy's edge does (one
    header, ``client-sent, …, client``); a gateway reached over its chain socket adds nothing (the PROXY
    protocol, ``fc_rcvd_proxy``): the gateway in front already did."""
    hop = " !{ fc_rcvd_proxy }" if chained else ""
    sent = "{ req.fhdr(x-forwarded-for) -m found }"
    return [
        f'http-request set-header x-forwarded-for "%[req.fhdr(x-forwarded-for)], %[src]" if {sent}{hop}',
        f"http-request set-header x-forwarded-for %[src] if !{sent}{hop}",
    ]


def no_weight(frontend: str, gateway: str, first: int, last: int) -> str:
    """The ``vamp-unrouted`` rule answering 503 (naming ``gateway``) to the requests of ``frontend`` that
    took one of its routes ``first`` … ``last`` but no backend: the route has no weight anywhere. It
    looks at the route taken, not at the weights, so it stays right when the weights change."""
    taken = f"{{ var({_ROUTE}) -m int ge {first} }} {{ var({_ROUTE}) -m int le {last} }}"
    if first == last:
        taken = f"{{ var({_ROUTE}) -m int eq {first} }}"
    body = double_quoted(f"gateway '{gateway}': no route has weight\n")
    return (
        f"http-request return status {_NO_WEIGHT} content-type text/plain string {body} "
        f"if {{ fe_name -m str {frontend} }} {taken}"
    )


def double_quoted(text: str) -> str:
    """``text`` in double quotes, where HAProxy reads ``\\n`` as a new line; ``\\``, ``"`` and ``$``
    (which would expand an environment variable) escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$").replace("\n", "\\n")
    return f'"{escaped}"'

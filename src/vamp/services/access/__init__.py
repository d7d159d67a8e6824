"""Access: who may do what, and the organisations and environments they do it in.

``tokens.Tokens`` authenticates a request's secret, authorises its token for a permission in a
namespace, and creates, lists and revokes tokens within the caller's reach; ``tenants.Tenants`` keeps
organisations and their environments (the namespaces ``<organisation>-<environment>``), refuses to
remove an environment that still holds deployments or gateways unless forced, and tells the runtime
(on Kubernetes: a labelled Namespace). ``bootstrap`` sets the server's own admin and agent tokens at
start. The rules themselves (roles, scopes, names) are ``vamp.core.access``'s.
"""

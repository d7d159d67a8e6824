"""Reading artifacts: YAML or JSON text (or data already parsed) → validated models.

Each document is read by the reader of its kind (``kind`` in the document, or the kind the caller
expects, e.g. from the URL), after its imports are merged in. A document that reads cleanly is then
checked by the validation rules of its kind (``vamp.core.validation``), and each broken rule is placed
at its line in the text; rules are not run on a document that could not be read, as they would judge
values that are not there. All issues of all documents are raised together as one ``errors.DslError``.
"""

from __future__ import annotations

from vamp import errors
from vamp.core import model, validation
from vamp.core.dsl import (
    artifact,
    blueprints,
    breeds,
    deployments,
    gateways,
    imports,
    releases,
    routes,
    shapes,
    slas,
    source,
    traits,
    workflows,
)
from vamp.core.dsl.cursor import Context, Cursor, Reader

READERS: dict[str, Reader[model.Artifact]] = {
    "breeds": breeds.breed,
    "blueprints": blueprints.blueprint,
    "scales": lambda cursor: traits.scale_fields(cursor, named=True),
    "slas": lambda cursor: slas.sla(cursor, named=True),
    "escalations": lambda cursor: slas.escalation(cursor, named=True),
    "conditions": lambda cursor: routes.condition_fields(cursor, named=True),
    "routes": lambda cursor: routes.route_fields(cursor, path=None, named=True),
    "rewrites": lambda cursor: routes.rewrite_fields(cursor, named=True),
    "templates": imports.template,
    "gateways": gateways.gateway,
    "deployments": deployments.deployment,
    "workflows": workflows.workflow,
    "releases": releases.release,
}


def read(
    text: str,
    *,
    kind: str | None = None,
    lookup: imports.Lookup | None = None,
    merging: bool = False,
    infer: bool = False,
) -> list[model.Artifact]:
    """Every artifact in ``text``: one document, several (``---``), or a list.

    Args:
        kind: the kind every document must be (``breeds`` or ``breed``); documents may then leave out
            ``kind``. Without it, each document must say its kind.
        lookup: finds what ``import`` names: ``(kind, name)`` → a template's definition or a stored
            artifact's data.
        merging: the blueprints are to be merged into deployments (``POST /deployments``): their
            dependencies and placeholders may be met by what is deployed already, and (with
            ``kind="blueprints"``) a deployment document is read as the blueprint it describes.
        infer: a document that does not say its kind (and no ``kind`` given) is of the kind its keys
            tell (``shapes.infer``); when they cannot tell, the issue says which key would.

    Raises:
        errors.DslError: with every issue of every document.
    """
    loaded = source.load(text)
    return _read(loaded.documents, list(loaded.issues), kind, lookup, merging, infer)


def read_data(
    data: object, *, kind: str | None = None, lookup: imports.Lookup | None = None, merging: bool = False
) -> list[model.Artifact]:
    """Like ``read``, for data already parsed (JSON): one artifact's map, or a list of them.

    Issues then have no line and column.
    """
    items = data if isinstance(data, list) else [] if data is None else [data]
    return _read(
        [source.Document(index, item) for index, item in enumerate(items)], [], kind, lookup, merging
    )


def read_one(
    text: str, *, kind: str, lookup: imports.Lookup | None = None, merging: bool = False
) -> model.Artifact:
    """The one artifact of ``kind`` in ``text``.

    Raises:
        errors.DslError: the text holds no artifact or several, or has issues.
    """
    found = read(text, kind=kind, lookup=lookup, merging=merging)
    if len(found) != 1:
        raise errors.DslError.single(
            f"Expected exactly one artifact of kind '{_expected(kind)}', found {len(found)}."
        )
    return found[0]


def _expected(kind: str | None) -> str | None:
    if kind is None:
        return None
    found = artifact.kind_of(kind)
    if found is None:
        raise errors.DslError.single(artifact.unknown_kind(kind))
    return found


def _read(
    documents: list[source.Document],
    issues: list[errors.Issue],
    kind: str | None,
    lookup: imports.Lookup | None,
    merging: bool,
    infer: bool = False,
) -> list[model.Artifact]:
    expected = _expected(kind)
    damaged = {issue.document for issue in issues}
    templates: dict[str, dict[str, object]] = {}
    artifacts: list[model.Artifact] = []
    for document in documents:
        context = Context(document, issues)
        start = len(issues)
        found = _document(context, expected, lookup, templates, merging, infer)
        if found is None or len(issues) > start or document.index in damaged:
            continue
        for problem in _problems(found, merging):
            context.report(problem.path, context.locate(problem.path), problem.message)
        if isinstance(found, model.Template):
            templates[found.name] = found.definition
        artifacts.append(found)
    if issues:
        raise errors.DslError(sorted(issues, key=lambda issue: (issue.document, issue.line, issue.column)))
    return artifacts


def _document(
    context: Context,
    expected: str | None,
    lookup: imports.Lookup | None,
    templates: dict[str, dict[str, object]],
    merging: bool,
    infer: bool = False,
) -> model.Artifact | None:
    root = context.root(context.document.data)
    data = root.value
    if not isinstance(data, dict):
        root.expected("an artifact (a map of fields)")
        return None
    if "import" in data:
        start = len(context.issues)
        data = imports.apply(root, data, lookup, templates)
        if len(context.issues) > start:
            return None
        root = context.root(data)
    given = _given_kind(root, data)
    if given is None and "kind" in data:
        return None
    if given is None and expected is None and infer:
        shape = shapes.infer(data)
        if shape.kind is None:
            root.error(shape.reason)
            return None
        return READERS[shape.kind](root)
    if given is None and expected is None:
        kinds = ", ".join(artifact.KINDS)
        root.error(f"Missing kind; say which kind of artifact this is with 'kind:', one of: {kinds}.")
        return None
    if given is not None and expected is not None and given != expected:
        if merging and (given, expected) == ("deployments", "blueprints"):
            return blueprints.blueprint(root, exported=True)
        root.child("kind", data["kind"]).error(
            f"Inconsistent kind: given '{data['kind']}' but found '{expected}'."
        )
        return None
    reader = READERS[expected or given or ""]
    return reader(root)


def _given_kind(root: Cursor, data: dict[str, object]) -> str | None:
    if "kind" not in data:
        return None
    found = root.child("kind", data["kind"])
    text = found.string()
    kind = None if text is None else artifact.kind_of(text)
    if text is not None and kind is None:
        found.error(artifact.unknown_kind(text))
    return kind


def _problems(found: model.Artifact, merging: bool) -> list[validation.Problem]:
    if isinstance(found, model.Blueprint):
        return validation.blueprint_problems(found, merging=merging)
    if isinstance(found, model.Gateway):
        return validation.gateway_problems(found)
    if isinstance(found, model.Breed):
        return validation.breed_problems(found)
    if isinstance(found, model.Deployment):
        return validation.deployment_problems(found)
    return []

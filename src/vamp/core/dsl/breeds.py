"""Reading breeds (vamp.md §1.3): stored, inline in a service or a dependency, or by reference.

A deployable is an image name (``magneticio/sava:1.0.0``, type ``container/docker``) or
``{type, definition}``. Dependencies map an alias to a breed: a name (wildcards such as ``mysql:1.*``
allowed), ``{reference: name}``, ``{breed: ...}`` or an inline breed. Checks that need the whole breed
(dependency cycles, ``$alias`` references) are validation rules (``vamp.core.validation``).
"""

from __future__ import annotations

from vamp.core import model
from vamp.core.dsl import artifact, traits
from vamp.core.dsl.cursor import Cursor


def breed(cursor: Cursor) -> model.Breed | None:
    """A breed with all its fields; the name is required, stored or inline."""
    fields = cursor.fields("breed")
    if fields is None:
        return None
    metadata = artifact.common(fields, "breeds")
    breed_name = artifact.name(fields)
    deployable = fields.read_required("deployable", _deployable)
    label = f"{breed_name} -> {deployable.definition}" if breed_name and deployable else str(breed_name)
    return fields.build(
        model.Breed,
        name=breed_name,
        deployable=deployable,
        ports=fields.read("ports", traits.ports, ()),
        environment_variables=fields.read(
            "environment_variables", traits.environment_variables, (), alias="env"
        ),
        constants=fields.read("constants", lambda found: traits.constants(found, label), ()),
        arguments=fields.read("arguments", traits.arguments, ()),
        dependencies=fields.read("dependencies", _dependencies, {}),
        health_checks=fields.read("health_checks", traits.health_checks),
        labels=fields.read("labels", traits.labels, {}),
        metadata=metadata,
    )


def breed_or_reference(cursor: Cursor) -> model.Breed | model.Ref | None:
    """A breed by name, by ``{reference: name}`` or ``{ref: name}``, or inline."""
    if isinstance(cursor.value, str) or artifact.is_reference(cursor.value):
        return artifact.reference(cursor)
    if not isinstance(cursor.value, dict):
        cursor.expected("a breed: a name, {reference: name} or a map of breed fields")
        return None
    return breed(cursor)


def _deployable(cursor: Cursor) -> model.Deployable | None:
    if isinstance(cursor.value, str):
        definition: str | None = cursor.value
        kind: str | None = model.DEFAULT_DEPLOYABLE_TYPE
    else:
        fields = cursor.fields("deployable")
        if fields is None:
            return None
        kind = fields.read("type", Cursor.string, model.DEFAULT_DEPLOYABLE_TYPE)
        definition = fields.read_required("definition", Cursor.string)
        fields.finish()
    if definition is not None and not definition.strip():
        cursor.error("Undefined deployable - give an image name, a command or a script, not an empty string.")
        return None
    if definition is None or kind is None:
        return None
    return model.Deployable(type=kind, definition=definition)


def _dependencies(cursor: Cursor) -> dict[str, model.Breed | model.Ref]:
    found: dict[str, model.Breed | model.Ref] = {}
    for alias, item in cursor.items("a map of dependency aliases to breeds"):
        checked = cursor.key(alias).name(strict=True)
        value = item.value
        if isinstance(value, dict) and "breed" in value:
            fields = item.fields("dependency")
            if fields is None:
                continue
            target = fields.require("breed")
            fields.finish()
            dependency = None if target is None else breed_or_reference(item.inner("breed", target.value))
        else:
            dependency = breed_or_reference(item)
        if checked is not None and dependency is not None:
            found[checked] = dependency
    return found

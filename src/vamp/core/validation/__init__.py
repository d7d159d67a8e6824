"""Validation rules of Vamp's DSL (vamp.md §1.4's numbered list, §1.3, §1.9), over models.

The DSL reader runs them on every blueprint, gateway, breed and deployment it reads and places each
problem at its line in the text; other callers (a deployment merge, the API) run them on models they
built. Each ``*_issues`` function returns ``errors.Issue`` values with paths relative to the artifact;
the ``*_problems`` functions return the same as ``Problem`` values (a path as a tuple, and a message).
"""

from vamp.core.validation.blueprints import (
    blueprint_issues,
    blueprint_problems,
    deployment_issues,
    deployment_problems,
)
from vamp.core.validation.breeds import breed_issues, breed_problems
from vamp.core.validation.gateways import gateway_issues, gateway_problems
from vamp.core.validation.problems import Path, Problem, render
from vamp.core.validation.scales import DEFAULT_LIMITS, ScaleLimits, scale_problems

__all__ = [
    "DEFAULT_LIMITS",
    "Path",
    "Problem",
    "ScaleLimits",
    "blueprint_issues",
    "blueprint_problems",
    "breed_issues",
    "breed_problems",
    "deployment_issues",
    "deployment_problems",
    "gateway_issues",
    "gateway_problems",
    "render",
    "scale_problems",
]

"""The pure core: models, the DSL, the selector and condition languages, deployments and routing plans.

Nothing here does I/O, reads the clock, spawns tasks or imports another layer (DESIGN.md §3); the
import-linter contracts in ``pyproject.toml`` enforce it.
"""

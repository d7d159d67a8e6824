"""Ports: the small protocols the services need from the outside world (DESIGN.md §3).

Written from the consumer's side; each adapter implements one. Ports hold no logic and import only the
core. Import the module you need: ``from vamp.ports import store`` … ``store.ArtifactStore``.
"""

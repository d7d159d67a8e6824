"""``python -m vamp`` runs the command line interface."""

from vamp.interfaces.cli.main import main

main()

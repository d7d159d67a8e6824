"""The command ``python -m vamp.demo``: parse the options, then serve until stopped (see ``--help``)."""

from __future__ import annotations

import os
import sys

from vamp.demo import options, server


def main() -> int:
    return server.run(options.parse(sys.argv[1:], os.environ))


if __name__ == "__main__":
    sys.exit(main())

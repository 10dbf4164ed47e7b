#!/usr/bin/env python3
"""Run the ``wordrep`` command from a checkout: ``python cli.py --help``.

The command itself lives in :mod:`wordrep.cli` so that an installed package does not put a
top-level module named ``cli`` on everyone's path.
"""
from wordrep.cli import main

if __name__ == "__main__":
    main()

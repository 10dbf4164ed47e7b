"""``python -m wordrep.cli``: the same as the ``wordrep`` command."""
from . import main

main(prog_name="wordrep")

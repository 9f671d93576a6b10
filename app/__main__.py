"""``python -m latentscape``: same as the ``latentscape`` command."""

import sys

from latentscape.cli import main

sys.exit(main())

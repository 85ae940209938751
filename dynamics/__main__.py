"""``python -m dynamics``; see ``dynamics.cli``."""

import sys

from dynamics.cli import main

sys.exit(main())

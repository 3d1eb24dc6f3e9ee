"""``python -m sim.cli …`` is ``govsim …``."""

import sys

from sim.cli.main import main

sys.exit(main())

"""`python -m investigator.units docs [--check]` regenerates the catalogue tables; `list` lists units."""

import sys

from investigator.units.docs import main

sys.exit(main())

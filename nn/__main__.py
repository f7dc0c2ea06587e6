"""`python -m nn`: the `chainrule` command line."""

import sys

from .app.cli import main

sys.exit(main())

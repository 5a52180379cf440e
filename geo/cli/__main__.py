"""``python -m geo.cli``: the ``netwerkatlas`` command line."""

import sys

from geo.cli import main

sys.exit(main())

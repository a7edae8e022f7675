"""``python -m dispatchjit``: the ``dispatchjit`` command (``cli.main``)."""

import sys

from .cli import main

sys.exit(main())

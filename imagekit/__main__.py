"""``python -m imagekit``: the same as the ``imagekit`` command."""

import sys

from imagekit.cli import main

sys.exit(main())

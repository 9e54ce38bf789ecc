"""``python -m forecast``: the ``forecast`` command without its console script."""

import sys

from forecast.cli import main

sys.exit(main())

"""`python -m braze_cdi_sync`: the `braze-cdi` command line."""

import sys

from braze_cdi_sync.cli import main

sys.exit(main())

"""``python -m rustybt``: see ``rustybt.cli``."""

import sys

from rustybt.cli import main

if __name__ == "__main__":
    sys.exit(main())

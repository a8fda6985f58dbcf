"""``python -m azfunc``: the same command line as the ``azfunc`` console script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

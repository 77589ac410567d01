"""``python -m gmm_viz.cli``: the same as the ``gmm-viz`` command."""

import sys

from gmm_viz.cli import main

if __name__ == "__main__":
    sys.exit(main())

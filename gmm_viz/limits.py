"""Ranges and limits the app and the command line offer, in one place (pure Python, no Qt).

The engine itself accepts more (any k, any positive threshold); these are the values a
person can choose in the window's controls and with the ``gmm-viz`` options, so that a
command line never asks for something the window cannot show, and the sizes beyond which
a file or a run is refused (or thinned) so that memory stays bounded.
"""

#: Largest number of components k.
MAX_K = 20
#: Range of the singularity threshold of the det rules (the window's slider).
THRESHOLD_RANGE = (1e-14, 10.0)
#: Largest random seed (the seed controls and ``--seed``).
MAX_SEED = 2**31 - 1

#: Most points the app fits: generated data sets, CSV files and run files alike.
MAX_POINTS = 2_000_000
#: Most columns (dimensions) that are fitted at once. The engine's moment features grow
#: as D^2 / 2 per point, so a wide file would exhaust memory; choose columns instead.
MAX_FEATURES = 50
#: Largest file read as data (CSV) or as a run file, in bytes.
MAX_INPUT_FILE_BYTES = 1 << 30
#: Most columns a column chooser offers (a file may have millions on one line).
MAX_COLUMNS_OFFERED = 1000
#: Memory the rewindable history of one run may use, in bytes; beyond it older iterations
#: are thinned evenly (iteration 0, every event and the newest are always kept).
HISTORY_BUDGET_BYTES = 500 * (1 << 20)
#: Longest message shown or printed, in characters; longer ones are cut with a mark.
MAX_MESSAGE_CHARS = 600

"""Ranges the app and the command line offer, in one place (pure Python, no Qt).

The engine itself accepts more (any k, any positive threshold); these are the values a
person can choose in the window's controls and with the ``gmm-viz`` options, so that a
command line never asks for something the window cannot show.
"""

#: Largest number of components k.
MAX_K = 20
#: Range of the singularity threshold of the det rules (the window's slider).
THRESHOLD_RANGE = (1e-14, 10.0)
#: Largest random seed (the seed controls and ``--seed``).
MAX_SEED = 2**31 - 1

"""The options of the command line and the checks of their values.

Every check turns a bad value into an :class:`argparse.ArgumentTypeError` whose message
says what is allowed, and :class:`OneLineErrorParser` prints it as one line with exit
status 2. The bounds come from :mod:`gmm_viz.limits`, the one source the window's controls
share. Nothing here imports Qt.
"""

from __future__ import annotations

import argparse
import math

from gmm_viz.limits import MAX_K, MAX_POINTS, MAX_SEED, THRESHOLD_RANGE


class OneLineErrorParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are a single line (plus exit status 2)."""

    def error(self, message):
        root = self.prog.split()[0]
        self.exit(2, f"{self.prog}: error: {message} (see '{root} --help')\n")


# ---------------------------------------------------------------------- value checks
def whole_number(name, low, high):
    """A parser of whole numbers from ``low`` to ``high``; ``name`` is the option's, for
    the messages."""

    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{name} must be a whole number from {low} to {high}; got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{name} must be from {low} to {high}; got {value}")
        return value

    return parse


def _threshold(text):
    low, high = THRESHOLD_RANGE
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise argparse.ArgumentTypeError(
            f"the threshold must be a number from {low:g} to {high:g}; got {text!r}")
    return value


def choice(name, options):
    """A parser that accepts one of ``options``; ``name`` says what they are ("data set")."""

    def parse(text):
        if text not in options:
            raise argparse.ArgumentTypeError(
                f"unknown {name} {text!r}; choose from {', '.join(options)}")
        return text

    parse.__name__ = name
    return parse


def non_negative_number(text):
    """A finite number >= 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value >= 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"must be a number >= 0; got {text!r}")
    return value


def positive_number(text):
    """A finite number > 0."""
    value = non_negative_number(text)
    if value == 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def frame_size(text):
    """``WxH`` in pixels, from 200x150 to 4000x3000; returns ``(width, height)``."""
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1200x560; got {text!r}") from None
    if not (200 <= width <= 4000 and 150 <= height <= 3000):
        raise argparse.ArgumentTypeError(
            f"size must be from 200x150 to 4000x3000; got {width}x{height}")
    return width, height


def initial_means(text):
    """``"x1,y1;x2,y2;..."``: one initial mean per component, any number of features.

    Returns
    -------
    ndarray of shape (n_components, n_features)
        Finite float64 values; the number of features and of components are checked
        against the data and ``--k`` later (:func:`gmm_viz.cli.headless_run.build_run`).
    """
    import numpy as np

    rows = [row.strip() for row in text.split(";")]
    if rows and rows[-1] == "" and len(rows) > 1:
        rows.pop()  # a trailing ';' ends the list
    if not any(rows):
        raise argparse.ArgumentTypeError(
            "give one mean per component, values separated by ',' and means by ';', e.g. "
            "'0,0;5,5'; got an empty text")
    means = []
    for number, row in enumerate(rows, start=1):
        if not row:
            raise argparse.ArgumentTypeError(
                f"mean {number} is empty; separate values by ',' and means by ';', e.g. "
                "'0,0;5,5'")
        values = []
        for item in row.split(","):
            try:
                value = float(item)
            except ValueError:
                raise argparse.ArgumentTypeError(
                    f"mean {number} has {item.strip()!r}, which is not a number; separate "
                    "values by ',' and means by ';', e.g. '0,0;5,5'") from None
            if not math.isfinite(value):
                raise argparse.ArgumentTypeError(
                    f"mean {number} has {item.strip()!r}; every value must be a finite number")
            values.append(value)
        if means and len(values) != len(means[0]):
            raise argparse.ArgumentTypeError(
                f"every mean needs the same number of values: mean 1 has {len(means[0])}, "
                f"mean {number} has {len(values)}")
        means.append(values)
    if len(means) > MAX_K:
        raise argparse.ArgumentTypeError(
            f"{len(means)} means given; at most {MAX_K} components (one mean each)")
    return np.array(means, dtype=np.float64)


def add_means_argument(parser):
    """``--means``, the initial means placed by hand (``fit`` and ``render``)."""
    parser.add_argument("--means", metavar="X1,Y1;X2,Y2;...", type=initial_means,
                        help="initial means, one per component, a value per feature "
                             "(e.g. '0,0;5,5;-3,2'); it sets k unless --k is given, which "
                             "must then match; the initialisation still sets the weights and "
                             "covariances; write --means=-3,2;5,5 when the first value is "
                             "negative")


# ---------------------------------------------------------------------- option groups
def add_app_arguments(parser, suppress_defaults=False, include_play=True):
    """Options of the app; ``suppress_defaults`` for the explicit ``app`` sub-command so
    that it does not overwrite options given before the command name.

    The headless commands (``fit``, ``render``) share the data and model options; they
    pass ``include_play=False``: ``--play`` (and the window's part of the ``--scenario``
    help) only mean something in the app.
    """
    from gmm_viz.data import dataset_names
    from gmm_viz.engine.config import COVARIANCE_TYPES, INITIALISATIONS, RULES, EMConfig
    from gmm_viz.scenarios import scenario_names

    default = {"default": argparse.SUPPRESS} if suppress_defaults else {}
    # The help states the app's defaults from their one source, EMConfig.
    app = EMConfig()
    datasets = tuple(dataset_names())
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--dataset", metavar="NAME", type=choice("data set", datasets),
                        help=f"named data set: {', '.join(datasets)} (default: blobs, the "
                             "study's five anisotropic clusters)", **default)
    source.add_argument("--csv", metavar="PATH",
                        help="load points from a CSV file (all numeric columns are used)",
                        **default)
    parser.add_argument("--k", metavar="N", type=whole_number("k", 1, MAX_K),
                        help=f"number of components, 1 to {MAX_K} (default "
                             + (f"{app.n_components})" if include_play
                                else "the data set's own, 5 for blobs)"), **default)
    parser.add_argument("--init", metavar="NAME", type=choice("initialisation",
                                                              INITIALISATIONS),
                        help=f"initialisation: {', '.join(INITIALISATIONS)} "
                             f"(default {app.init}; the study's is random_range)", **default)
    parser.add_argument("--covariance", metavar="TYPE",
                        type=choice("covariance type", COVARIANCE_TYPES),
                        help=f"covariance type: {', '.join(COVARIANCE_TYPES)} "
                             f"(default {app.covariance_type})",
                        **default)
    parser.add_argument("--rule", metavar="NAME", type=choice("singularity rule", RULES),
                        help=f"singularity rule: {', '.join(RULES)} (default "
                             f"{app.rule}, scale-free; the study's is det)", **default)
    parser.add_argument("--threshold", metavar="X", type=_threshold,
                        help="singularity threshold of the det rules, "
                             f"{THRESHOLD_RANGE[0]:g} to {THRESHOLD_RANGE[1]:g} "
                             f"(default {app.threshold:g}; the study's det rule used 1e-2)",
                        **default)
    parser.add_argument("--seed", metavar="N", type=whole_number("the seed", 0, MAX_SEED),
                        help="random seed of the run (initialisation, recoveries)", **default)
    if include_play:
        parser.add_argument("--play", action="store_true",
                            help="start running at once instead of waiting for Play",
                            **default)
    scenarios = scenario_names()
    in_app = "; the window plays it and explains it" if include_play else ""
    parser.add_argument("--scenario", metavar="NAME", type=choice("scenario", scenarios),
                        help=f"one of the study's findings: {', '.join(scenarios)} (it sets "
                             f"the data and the model, so their options are ignored{in_app})",
                        **default)


def add_run_arguments(parser):
    """Data and model options shared by ``fit`` and ``render``."""
    from gmm_viz.engine.config import RECOVERIES, EMConfig

    # Suppressed defaults: options given before the command name are kept.
    add_app_arguments(parser, suppress_defaults=True, include_play=False)
    # --scenario comes with the app's options (add_app_arguments).
    parser.add_argument("--remedy", action="store_true",
                        help="with --scenario: apply the scenario's remedy")
    parser.add_argument("--n-samples", metavar="N",
                        type=whole_number("n-samples", 2, MAX_POINTS),
                        help="number of points of a generated data set")
    parser.add_argument("--recovery", metavar="NAME", type=choice("recovery", RECOVERIES),
                        help=f"what a rule does to a caught component: {', '.join(RECOVERIES)}")
    parser.add_argument("--max-iter", metavar="N", type=whole_number("max-iter", 0, 100_000),
                        help="stop after this many iterations (default "
                             f"{EMConfig().max_iter})")
    parser.add_argument("--tol", metavar="X", type=non_negative_number,
                        help="convergence tolerance on the change of the mean per-point "
                             f"log-likelihood (default {EMConfig().tol:g})")


def config_changes(args) -> dict:
    """EMConfig fields the options ask for (only those given)."""
    names = {"k": "n_components", "init": "init", "covariance": "covariance_type",
             "rule": "rule", "threshold": "threshold", "seed": "random_state"}
    return {field: getattr(args, option) for option, field in names.items()
            if getattr(args, option, None) is not None}

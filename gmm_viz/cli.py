"""The command line: ``gmm-viz`` (and ``python -m gmm_viz``).

Without a command it opens the app. Commands are registered in :data:`COMMANDS` (see
:func:`register_command`), so headless ones such as ``fit`` or ``render`` can be added
next to ``app`` without touching the rest. A bad option value is one line on stderr and
exit status 2, never a traceback.

Examples
--------
::

    gmm-viz                                  # the study's blobs, k=5, waiting for Play
    gmm-viz --dataset moons --k 2 --play
    gmm-viz --csv points.csv --init kmeans --threshold 1e-6
    gmm-viz --scenario collapse              # finding 3 of the study, explained
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass

from gmm_viz import __version__
from gmm_viz.limits import MAX_K, MAX_SEED, THRESHOLD_RANGE


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are a single line (plus exit status 2)."""

    def error(self, message):
        root = self.prog.split()[0]
        self.exit(2, f"{self.prog}: error: {message} (see '{root} --help')\n")


@dataclass(frozen=True)
class Command:
    """A sub-command: its help line, how to add its options, and how to run it.

    ``run(args) -> int`` returns the exit status.
    """

    help: str
    add_arguments: Callable
    run: Callable


#: Registered commands, by name. The default command (no name given) is ``"app"``.
COMMANDS: dict = {}
DEFAULT_COMMAND = "app"


def register_command(name: str, help: str, add_arguments: Callable, run: Callable):
    """Add a sub-command (e.g. a headless ``fit``); see :class:`Command`."""
    COMMANDS[name] = Command(help, add_arguments, run)


# ---------------------------------------------------------------------- value checks
def _whole(name, low, high):
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


def _choice(name, options):
    def parse(text):
        if text not in options:
            raise argparse.ArgumentTypeError(
                f"unknown {name} {text!r}; choose from {', '.join(options)}")
        return text

    parse.__name__ = name
    return parse


# ---------------------------------------------------------------------- the app command
def add_app_arguments(parser, suppress_defaults=False, include_play=True):
    """Options of the app; ``suppress_defaults`` for the explicit ``app`` sub-command so
    that it does not overwrite options given before the command name.

    The headless commands (``fit``, ``render``) share the data and model options; they
    pass ``include_play=False``: ``--play`` (and the window's part of the ``--scenario``
    help) only mean something in the app.
    """
    from gmm_viz.data import dataset_names
    from gmm_viz.engine.config import COVARIANCE_TYPES, INITIALISATIONS, RULES
    from gmm_viz.scenarios import scenario_names

    default = {"default": argparse.SUPPRESS} if suppress_defaults else {}
    datasets = tuple(dataset_names())
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--dataset", metavar="NAME", type=_choice("data set", datasets),
                        help=f"named data set: {', '.join(datasets)} (default: blobs, the "
                             "study's five anisotropic clusters)", **default)
    source.add_argument("--csv", metavar="PATH",
                        help="load points from a CSV file (all numeric columns are used)",
                        **default)
    parser.add_argument("--k", metavar="N", type=_whole("k", 1, MAX_K),
                        help=f"number of components, 1 to {MAX_K} (default 5)", **default)
    parser.add_argument("--init", metavar="NAME", type=_choice("initialisation",
                                                               INITIALISATIONS),
                        help=f"initialisation: {', '.join(INITIALISATIONS)} "
                             "(default random_range)", **default)
    parser.add_argument("--covariance", metavar="TYPE",
                        type=_choice("covariance type", COVARIANCE_TYPES),
                        help=f"covariance type: {', '.join(COVARIANCE_TYPES)} (default full)",
                        **default)
    parser.add_argument("--rule", metavar="NAME", type=_choice("singularity rule", RULES),
                        help=f"singularity rule: {', '.join(RULES)} (default det)", **default)
    parser.add_argument("--threshold", metavar="X", type=_threshold,
                        help="singularity threshold of the det rules, "
                             f"{THRESHOLD_RANGE[0]:g} to {THRESHOLD_RANGE[1]:g} "
                             "(default 1e-2, the study's)", **default)
    parser.add_argument("--seed", metavar="N", type=_whole("the seed", 0, MAX_SEED),
                        help="random seed of the run (initialisation, recoveries)", **default)
    if include_play:
        parser.add_argument("--play", action="store_true",
                            help="start running at once instead of waiting for Play",
                            **default)
    scenarios = scenario_names()
    in_app = "; the window plays it and explains it" if include_play else ""
    parser.add_argument("--scenario", metavar="NAME", type=_choice("scenario", scenarios),
                        help=f"one of the study's findings: {', '.join(scenarios)} (it sets "
                             f"the data and the model, so their options are ignored{in_app})",
                        **default)


def config_changes(args) -> dict:
    """EMConfig fields the options ask for (only those given)."""
    names = {"k": "n_components", "init": "init", "covariance": "covariance_type",
             "rule": "rule", "threshold": "threshold", "seed": "random_state"}
    return {field: getattr(args, option) for option, field in names.items()
            if getattr(args, option, None) is not None}


def run_app_command(args) -> int:
    """Open the window. A CSV given on the command line is loaded first, to fail early;
    before it, a machine without a display is told so (Qt would abort)."""
    from gmm_viz.gui import app

    problem = app.missing_display_message()
    if problem:
        print(f"gmm-viz: error: {problem}", file=sys.stderr)
        return 2
    csv_path = getattr(args, "csv", None)
    if csv_path:
        from gmm_viz.data import DataError, load_csv

        try:
            args.csv_dataset = load_csv(csv_path)
        except DataError as exc:
            print(f"gmm-viz: error: {exc}", file=sys.stderr)
            return 2
    return app.run_app(args)


register_command("app", "open the interactive window (the default)", add_app_arguments,
                 run_app_command)


def _register_headless_commands():
    from gmm_viz import headless

    headless.register(register_command)


_register_headless_commands()


# ---------------------------------------------------------------------- entry point
def build_parser() -> argparse.ArgumentParser:
    """The parser: app options at the top level, and one sub-parser per command."""
    parser = _Parser(
        prog="gmm-viz",
        description="Watch the EM algorithm fit a Gaussian mixture model, live.",
        epilog="Keys in the window: Space play/pause, Right step, Left step back, R reset, "
               "Ctrl+O open, Ctrl+S save run, Ctrl+E export canvas, Ctrl+Q quit.",
    )
    parser.add_argument("--version", action="version", version=f"gmm-viz {__version__}")
    add_app_arguments(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     title="commands (default: app)")
    for name, command in COMMANDS.items():
        sub = commands.add_parser(name, help=command.help, description=command.help)
        if command.add_arguments is add_app_arguments:
            add_app_arguments(sub, suppress_defaults=True)
        else:
            command.add_arguments(sub)
    return parser


def main(argv=None) -> int:
    """Run ``gmm-viz`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a bad value (already printed)
        return exc.code if isinstance(exc.code, int) else 0
    command = COMMANDS[args.command or DEFAULT_COMMAND]
    return command.run(args)


if __name__ == "__main__":
    sys.exit(main())

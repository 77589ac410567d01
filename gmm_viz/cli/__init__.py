"""The command line: ``gmm-viz`` (and ``python -m gmm_viz``).

Without a command it opens the app. Commands are registered in :data:`COMMANDS` (see
:func:`register_command`), so headless ones such as ``fit`` or ``render`` can be added
next to ``app`` without touching the rest. A bad option value is one line on stderr and
exit status 2, never a traceback.

Each command is a module of this package (:mod:`~gmm_viz.cli.app`, :mod:`~gmm_viz.cli.fit`,
:mod:`~gmm_viz.cli.render`) with ``HELP``, ``add_arguments(parser)`` and ``run(args)``;
this module registers them. They share :mod:`~gmm_viz.cli.options` and never import this
module, so there is no import cycle.

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
from collections.abc import Callable
from dataclasses import dataclass

from gmm_viz import __version__
from gmm_viz.cli import app, fit, render, select, starts
from gmm_viz.cli.options import OneLineErrorParser, add_app_arguments
from gmm_viz.limits import MAX_K, MAX_SEED, THRESHOLD_RANGE

# The bounds the options enforce are named here too: one source with the window's controls.
__all__ = ["COMMANDS", "DEFAULT_COMMAND", "MAX_K", "MAX_SEED", "THRESHOLD_RANGE", "Command",
           "build_parser", "main", "register_command"]


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


for _name, _module in (("app", app), ("fit", fit), ("render", render), ("starts", starts),
                       ("select", select)):
    register_command(_name, _module.HELP, _module.add_arguments, _module.run)


# ---------------------------------------------------------------------- entry point
def build_parser() -> argparse.ArgumentParser:
    """The parser: app options at the top level, and one sub-parser per command."""
    parser = OneLineErrorParser(
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

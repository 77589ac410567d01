"""``gmm-viz starts``: N starts of one model side by side, without a window.

It runs the start race (:class:`~gmm_viz.selection.race.StartRace`) on the data and model
the options describe (the app's data and model options, or ``--scenario NAME``), seeds
counting up from ``--seed``, and prints each start's seed, final log-likelihood,
iterations and singularity events, and the starts grouped by the optimum they reached
(all of it as JSON with ``--json``). ``--out FILE.png`` draws the small multiples as the
Starts view does, offscreen. Errors are one line on stderr and exit status 2.

``--out`` must be a new file or an existing regular file, which is overwritten; a folder, a
FIFO or a device is refused before anything runs; the file is written all or nothing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from gmm_viz.cli.headless_run import UsageError, build_run, check_png_out, fail
from gmm_viz.cli.options import add_run_arguments, frame_size, whole_number

HELP = "run N starts side by side and compare where they end (JSON with --json)"


def add_arguments(parser):
    """The options of ``starts``: the run's, ``--n``, ``--json``, ``--out`` and ``--size``."""
    from gmm_viz.selection.race import DEFAULT_STARTS, MAX_STARTS

    add_run_arguments(parser)
    parser.add_argument("--n", metavar="N", type=whole_number("n", 1, MAX_STARTS),
                        default=DEFAULT_STARTS,
                        help=f"number of starts, 1 to {MAX_STARTS} (default "
                             f"{DEFAULT_STARTS}); their seeds count up from --seed")
    parser.add_argument("--json", action="store_true",
                        help="print every start and the optima as JSON")
    parser.add_argument("--out", metavar="FILE",
                        help="also draw the small multiples to a PNG picture (an existing "
                             "file is overwritten)")
    parser.add_argument("--size", metavar="WxH", type=frame_size, default=(1400, 900),
                        help="size of the --out picture in pixels (default 1400x900)")


def race_document(race, title: str) -> dict:
    """The race as JSON-ready data: every start, the best, the optima."""
    state = race.state()
    config = race.config
    starts = []
    for o in race.outcomes():
        starts.append({
            "start": o.index + 1, "seed": o.seed, "log_likelihood": o.log_likelihood,
            "mean_log_likelihood": o.mean_log_likelihood, "iterations": o.iterations,
            "converged": o.converged, "optimum": state.starts[o.index].group + 1 or None,
            "events": [e.describe() for e in o.events], "error": o.error or None,
        })
    best = state.starts[state.best].outcome
    return {
        "title": title, "n_points": int(race.dataset.X.shape[0]),
        "k": config.n_components, "covariance_type": config.covariance_type,
        "init": config.init, "rule": config.rule, "max_iterations": race.max_iterations,
        "starts": starts,
        "best": {"start": best.index + 1, "seed": best.seed,
                 "log_likelihood": best.log_likelihood},
        "optima": [{"starts": [i + 1 for i in group],
                    "log_likelihood": state.starts[group[0]].outcome.log_likelihood}
                   for group in state.groups],
        "summary": state.summary(),
    }


def run(args) -> int:
    """Race the starts, print them, and draw them if asked; returns the exit status."""
    from gmm_viz.data import DataError
    from gmm_viz.engine import ConfigError
    from gmm_viz.selection.race import StartRace, start_seeds

    out = Path(args.out) if args.out else None
    try:
        check_png_out(args.out)
        dataset, config, _, title, _ = build_run(args)
        try:
            race = StartRace(dataset, config, start_seeds(config.random_state or 0, args.n))
        except (DataError, ConfigError, ValueError) as exc:
            raise UsageError(str(exc)) from None
        race.run()
    except UsageError as exc:
        return fail(exc)
    document = race_document(race, title)
    if out is not None:
        code = _draw(race, out, args.size, title)
        if code:
            return code
    if args.json:
        try:
            json.dump(document, sys.stdout, allow_nan=False)
            sys.stdout.write("\n")
        except BrokenPipeError:
            pass
        return 0
    try:
        _print_table(document, title, len(dataset.X), config, race.seeds)
    except BrokenPipeError:  # e.g. piped into `head`: the reader has all it wanted
        return 0
    if out is not None:
        print(f"wrote {out}")
    return 0


def _print_table(document, title, n_points, config, seeds):
    print(f"{title}: {n_points} points, k={config.n_components}, {len(seeds)} starts "
          f"(seeds {seeds[0]} to {seeds[-1]})")
    for start in document["starts"]:
        state = "converged" if start["converged"] else "not converged"
        events = len(start["events"])
        print(f"  start {start['start']}: seed {start['seed']}, log-likelihood "
              f"{start['log_likelihood']:.6g}, {start['iterations']} iterations, {state}, "
              f"{events} singularity event{'s' if events != 1 else ''}"
              + (f", failed: {start['error']}" if start["error"] else ""))
    print(document["summary"])


def _draw(race, out, size, title) -> int:
    """Draw the small multiples to ``out``; 0, or the exit status of a failure."""
    from gmm_viz.cli.render import draw_picture

    config = race.config
    header = (f"{title}: {len(race)} starts of k = {config.n_components}, "
              f"{config.covariance_type} covariance, {config.init} initialisation, rule "
              f"{config.rule}; seeds {race.seeds[0]} to {race.seeds[-1]}")

    def save():
        from gmm_viz.gui.analysis.pictures import save_starts_png

        save_starts_png(race.state(), race.dataset.X, out, header=header, size=size)

    return draw_picture(save, out)

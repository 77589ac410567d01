"""``gmm-viz select``: BIC and AIC against k for each covariance type, without a window.

It fits every model of the grid (:func:`~gmm_viz.selection.grid.fit_grid`: k from
``--k``, the covariance types of ``--covariance``, ``--n-init`` starts each) on the data
the options describe (``--dataset``, ``--csv``, ``--n-samples`` or a ``--scenario``'s
data) and prints the table and the best model (JSON with ``--json``). ``--out FILE.png``
draws the plot as the Model selection view does, offscreen. Errors are one line on
stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from gmm_viz.cli.headless_run import UsageError, check_png_out, fail
from gmm_viz.cli.options import choice, frame_size, whole_number
from gmm_viz.limits import MAX_POINTS, MAX_SEED

HELP = "BIC and AIC against k for each covariance type (JSON with --json)"


def _k_range(text):
    from gmm_viz.selection.grid import parse_k_range

    try:
        return parse_k_range(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _covariance_types(text):
    from gmm_viz.engine.config import COVARIANCE_TYPES

    names = tuple(dict.fromkeys(t.strip() for t in str(text).split(",") if t.strip()))
    for name in names:
        if name not in COVARIANCE_TYPES:
            raise argparse.ArgumentTypeError(
                f"unknown covariance type {name!r}; choose from {', '.join(COVARIANCE_TYPES)}")
    if not names:
        raise argparse.ArgumentTypeError("give at least one covariance type, e.g. full,diag")
    return names


def add_arguments(parser):
    """The options of ``select``: the data's, the grid's, ``--json`` and ``--out``."""
    from gmm_viz.data import dataset_names
    from gmm_viz.engine.config import COVARIANCE_TYPES
    from gmm_viz.scenarios import scenario_names

    default = {"default": argparse.SUPPRESS}  # options given before the command are kept
    datasets = tuple(dataset_names())
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--dataset", metavar="NAME", type=choice("data set", datasets),
                        help=f"named data set: {', '.join(datasets)} (default: blobs)",
                        **default)
    source.add_argument("--csv", metavar="PATH", help="points from a CSV file", **default)
    source.add_argument("--scenario", metavar="NAME",
                        type=choice("scenario", scenario_names()),
                        help="the data of one of the study's findings", **default)
    parser.add_argument("--n-samples", metavar="N",
                        type=whole_number("n-samples", 2, MAX_POINTS),
                        help="number of points of a generated data set")
    parser.add_argument("--k", metavar="RANGE", type=_k_range, default=tuple(range(1, 11)),
                        help="the k to fit: 1-10 (default), 4, or 2,4,6")
    parser.add_argument("--covariance", metavar="TYPES", type=_covariance_types,
                        default=COVARIANCE_TYPES,
                        help=f"covariance types, comma-separated: {','.join(COVARIANCE_TYPES)}"
                             " (default all)")
    parser.add_argument("--n-init", metavar="N", type=whole_number("n-init", 1, 20),
                        default=3, help="starts per model, the best kept (default 3)")
    parser.add_argument("--seed", metavar="N", type=whole_number("the seed", 0, MAX_SEED),
                        help="seed of the first start of each model (default 0)", **default)
    parser.add_argument("--criterion", type=choice("criterion", ("bic", "aic")),
                        default="bic", help="the criterion that picks the best (default bic)")
    parser.add_argument("--json", action="store_true",
                        help="print the table and the best model as JSON")
    parser.add_argument("--out", metavar="FILE",
                        help="also draw the plot to a PNG picture (an existing file is "
                             "overwritten)")
    parser.add_argument("--size", metavar="WxH", type=frame_size, default=(1100, 700),
                        help="size of the --out picture in pixels (default 1100x700)")


def build_data(args):
    """The data set the options describe.

    Raises
    ------
    UsageError
    """
    from gmm_viz.data import DataError, load_csv, make_dataset
    from gmm_viz.scenarios import get_scenario

    try:
        if getattr(args, "scenario", None):
            return get_scenario(args.scenario).data.make()
        if getattr(args, "csv", None):
            return load_csv(args.csv)
        return make_dataset(getattr(args, "dataset", None) or "blobs",
                            n_samples=args.n_samples)
    except (DataError, KeyError) as exc:
        raise UsageError(str(exc).strip("'\"")) from None


def run(args) -> int:
    """Fit the grid, print it, and draw it if asked; returns the exit status."""
    from gmm_viz.selection.grid import GRID_INIT_NAME, fit_grid

    out = Path(args.out) if args.out else None
    try:
        check_png_out(args.out)
        dataset = build_data(args)
        try:
            result = fit_grid(dataset.X, args.k, args.covariance, args.n_init,
                              random_state=getattr(args, "seed", None) or 0)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    except UsageError as exc:
        return fail(exc)
    best = result.best(args.criterion)
    name = dataset.name or "data"
    if out is not None:
        code = _draw(result, out, args.size, args.criterion,
                     f"{args.criterion.upper()} against k: {name} "
                     f"({dataset.X.shape[0]:,} points), best of {args.n_init} {GRID_INIT_NAME} "
                     "starts per model")
        if code:
            return code
    if args.json:
        document = {
            "title": name, "n_points": int(dataset.X.shape[0]),
            "n_features": int(dataset.X.shape[1]), "criterion": args.criterion,
            "n_init": args.n_init, "init": GRID_INIT_NAME, "rule": "none",
            "models": [fit.to_dict() for fit in result.fits],
            "best": None if best is None else best.to_dict(),
        }
        try:
            json.dump(document, sys.stdout, allow_nan=False)
            sys.stdout.write("\n")
        except BrokenPipeError:
            pass
        return 0
    print(f"{name}: {dataset.X.shape[0]} points, {dataset.X.shape[1]} features; "
          f"{args.n_init} {GRID_INIT_NAME} starts per model, lower is better")
    ks = result.ks
    header = f"{'covariance':<11}" + "".join(f"{'k=' + str(k):>10}" for k in ks)
    for criterion in ("bic", "aic"):
        print(f"{criterion.upper()}:")
        print(header)
        for covariance_type in result.covariance_types:
            cells = []
            for k in ks:
                value = result.fit(covariance_type, k).value(criterion)
                cells.append(f"{value:>10.1f}" if math.isfinite(value) else f"{'—':>10}")
            print(f"{covariance_type:<11}" + "".join(cells))
    if best is None:
        print("no model could be fitted without a collapsed covariance")
    else:
        print(f"best by {args.criterion.upper()}: k = {best.n_components}, "
              f"{best.covariance_type} ({args.criterion.upper()} "
              f"{best.value(args.criterion):.1f})")
    if out is not None:
        print(f"wrote {out}")
    return 0


def _draw(result, out, size, criterion, title) -> int:
    from gmm_viz.cli.render import draw_picture

    def save():
        from gmm_viz.gui.analysis.pictures import save_selection_png

        save_selection_png(result, out, criterion=criterion, title=title, size=size)

    return draw_picture(save, out)

"""Benchmarks: ours against the reference, side by side in one run.

``python -m gmm_viz.bench`` prints

* one EM iteration at N=100,000, K=8, D=2, full covariance: scikit-learn's private
  ``_e_step`` + ``_m_step`` against :meth:`EMEngine.step`, on the same data and parameters;
* a 50-iteration fit: ``sklearn.mixture.GaussianMixture.fit`` against
  ``GaussianMixtureEM.fit`` from the same initial parameters;
* peak memory of a fit on 1,000,000 points (each in a fresh process);
* drawing 100,000 and 1,000,000 points whose colours change every frame
  (:mod:`gmm_viz.bench.drawing`), unless ``--engine-only``.

``python -m gmm_viz.bench app`` measures the whole app instead: the real window playing
at 2,000, 100,000 and 1,000,000 points beside the engine alone and the origin study's
matplotlib loop, against the targets of issue 9 (:mod:`gmm_viz.bench.app`;
``python -m gmm_viz.bench app --help``). It is a command of its own, not part of the
default run, because it takes several minutes (every run is a fresh process of 10 s or
more) and needs a display or the offscreen platform.

Times are medians of several runs; the machines are shared and noisy, so read the ratios.
Benchmarks are not tests: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import sys

from gmm_viz.bench import app as app_benchmark
from gmm_viz.bench.engine import fit_rows, format_table, iteration_rows, memory_rows


def main(argv=None):
    """Print the engine tables, then (unless ``--engine-only``) the drawing table; or,
    with the ``app`` command, the whole-app table."""
    parser = argparse.ArgumentParser(prog="python -m gmm_viz.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine-only", action="store_true", help="skip the drawing table")
    parser.add_argument("--repeats", type=int, default=15, help="runs per median (iteration)")
    commands = parser.add_subparsers(dest="command", metavar="{app}",
                                     title="another benchmark instead of these tables")
    app_parser = commands.add_parser(
        "app", help="the whole app in the real window, against its targets",
        description=app_benchmark.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    app_benchmark.add_arguments(app_parser)
    args = parser.parse_args(argv)
    if args.command == "app":
        return app_benchmark.run(args)

    print(format_table(
        "One EM iteration, N=100,000, K=8, D=2, full covariance, float64 (median ms)",
        ("implementation", "ms", "speed-up vs scikit-learn"),
        iteration_rows(repeats=args.repeats), ("{}", "{:.2f}", "{:.1f}x")))
    print()
    print(format_table(
        "Fit, 50 iterations from the same initial parameters, N=100,000, K=8 (median ms)",
        ("implementation", "ms", "speed-up vs scikit-learn"),
        fit_rows(), ("{}", "{:.0f}", "{:.1f}x")))
    print()
    print(format_table(
        "Fit on 1,000,000 points, K=8, 20 iterations, each in a fresh process",
        ("implementation", "peak RSS MiB", "RSS with data only MiB", "seconds"),
        memory_rows(), ("{}", "{:.0f}", "{:.0f}", "{:.2f}")))
    if not args.engine_only:
        from gmm_viz.bench.drawing import format_table as draw_table
        from gmm_viz.bench.drawing import run_draw_benchmark

        print()
        print(draw_table(run_draw_benchmark()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

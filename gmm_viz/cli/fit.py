"""``gmm-viz fit``: run EM without a window and print the result.

It prints the fitted parameters, the log-likelihood and the singularity events (the whole
run as JSON with ``--json``), and with ``--out FILE`` also saves a run file the app can
open. When the data knows its true labels (a built-in data set with groups, a CSV file's
label column) it also gives how the final fit agrees with them: the adjusted Rand index
(:mod:`gmm_viz.run.agreement`) and where the labels come from; otherwise nothing about
labels. It takes the data and model options of the app, or ``--scenario NAME``; errors are
one line on stderr and exit status 2.

``--out`` must be a new file or an existing regular file, which is overwritten; a folder, a
FIFO or a device (/dev/null) is refused before anything runs. The file is written all or
nothing (:func:`gmm_viz.files.atomic_output`): a failure leaves an existing file as it was
and no partial file behind.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from gmm_viz.cli.headless_run import UsageError, build_run, check_out_path, fail, run_to_end
from gmm_viz.cli.options import add_means_argument, add_run_arguments
from gmm_viz.files import FileCheckError
from gmm_viz.run.agreement import adjusted_rand_index, agreement_text

HELP = "fit without a window and print the result (JSON with --json)"
#: Singularity events printed without --json.
MAX_EVENTS_LISTED = 10


def bic(snapshot, shape, covariance_type):
    """Bayesian information criterion of a snapshot, as scikit-learn computes it."""
    from gmm_viz.engine.covariance import n_parameters

    n_samples, n_features = shape
    n_params = n_parameters(snapshot.n_components, n_features, covariance_type)
    return -2.0 * snapshot.log_likelihood + n_params * float(np.log(n_samples))


def add_arguments(parser):
    """The options of ``fit``: the run's, ``--means``, ``--json`` and ``--out``."""
    add_run_arguments(parser)
    add_means_argument(parser)
    parser.add_argument("--json", action="store_true",
                        help="print the run as JSON (parameters, log-likelihood history, "
                             "events)")
    parser.add_argument("--out", metavar="FILE",
                        help="also save the run as a JSON run file the app can open (an "
                             "existing file is overwritten)")


def run(args) -> int:
    """Fit, print, and save the run file if asked; returns the exit status."""
    from gmm_viz.run import run_file as runs

    try:
        if args.out:  # before the run: a bad target should not cost a whole fit
            check_out_path(args.out, "run file")
        dataset, config, source, title, _ = build_run(args)
        session, snaps = run_to_end(dataset, config)
        if args.out:
            _save_run_file(args.out, config, source, snaps, dataset.X)
    except UsageError as exc:
        return fail(exc)
    final = snaps[-1]
    agreement = _agreement(dataset, session, final)
    if args.json:
        document = runs.run_to_dict(config, source, snaps, X=dataset.X)
        document["result"] = {
            "title": title,
            "n_iter": final.iteration,
            "converged": final.converged,
            "log_likelihood": final.log_likelihood,
            "mean_log_likelihood": final.mean_log_likelihood,
            "bic": bic(final, dataset.X.shape, config.covariance_type),
            "weights": final.weights.tolist(),
            "means": final.means.tolist(),
            "covariances": final.covariances.tolist(),
            "events": [e.describe() for s in snaps for e in s.events],
        }
        if agreement is not None:
            document["result"]["agreement"] = agreement
        try:
            json.dump(document, sys.stdout, allow_nan=False)
            sys.stdout.write("\n")
        except BrokenPipeError:  # e.g. piped into `head`: the reader has all it wanted
            pass
        return 0
    print(f"{title}: {len(dataset.X)} points, k={config.n_components}, "
          f"{final.iteration} iterations, "
          f"{'converged' if final.converged else 'not converged'}")
    print(f"log-likelihood {final.log_likelihood:.6g} (mean {final.mean_log_likelihood:.6g}), "
          f"BIC {bic(final, dataset.X.shape, config.covariance_type):.6g}")
    if agreement is not None:
        print(agreement_text(agreement["ari"], agreement["label_source"]))
    for k in range(final.n_components):
        mean = ", ".join(f"{v:.4g}" for v in final.means[k])
        print(f"  component {k}: weight {final.weights[k]:.3f}, mean ({mean}), "
              f"det {final.det[k]:.3g}")
    events = [e for s in snaps for e in s.events]
    for event in events[:MAX_EVENTS_LISTED]:
        print(f"  {event.describe()}")
    if len(events) > MAX_EVENTS_LISTED:
        print(f"  ... and {len(events) - MAX_EVENTS_LISTED} more singularity events "
              "(a rule that fires every iteration: its threshold may not suit these data's "
              "units; try --rule relative_det or a smaller --threshold)")
    return 0


def _agreement(dataset, session, final):
    """How the final fit agrees with the data's true labels, as JSON; None without labels.

    Returns
    -------
    dict or None
        ``{"ari": float, "label_source": str, "label_names": [str, ...]}``: the adjusted
        Rand index of the final iteration's hard labels (each point's most likely
        component) against ``dataset.labels``.
    """
    if dataset.labels is None:
        return None
    fitted = final.labels if final.labels is not None else session.labels_of(final.iteration)
    return {
        "ari": adjusted_rand_index(dataset.labels, fitted),
        "label_source": dataset.label_source,
        "label_names": list(dataset.label_names),
    }


def _save_run_file(path, config, source, snaps, X):
    """Write the run file all or nothing; every failure is a :class:`UsageError`."""
    from gmm_viz.run.run_file import RunFileError, save_run

    try:
        save_run(path, config, source, snaps, X=X)
    except (RunFileError, FileCheckError) as exc:  # their messages start with the path
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{path}: could not write the run file "
                         f"({exc.strerror or type(exc).__name__}). Check the folder's "
                         "permissions and free space.") from None

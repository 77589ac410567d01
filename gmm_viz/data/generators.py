"""Named data sets: the origin study's scenarios and a few classic examples.

Each generator takes ``n_samples`` and ``random_state`` (and ``noise`` for the data sets
in :data:`NOISY_DATASETS`), has defaults, and returns a :class:`~gmm_viz.data.Dataset`.
:func:`make_dataset` is the validated entry point the app and the CLI use. The data sets
whose groups are known (blobs, moons, circles, varied, aniso, iris) give them as
``labels`` with ``label_names``; faithful and uniform have none.

scikit-learn is imported inside the generators: ``sklearn.datasets`` takes about half a
second to import, and ``import gmm_viz.data`` (e.g. for ``validate_points``) should not.
"""

from __future__ import annotations

import importlib.resources
import math
import numbers
from dataclasses import dataclass

import numpy as np

from gmm_viz.data.dataset import DataError, Dataset
from gmm_viz.limits import MAX_POINTS

__all__ = [
    "DATASETS",
    "FIXED_SIZE_DATASETS",
    "MAX_N_SAMPLES",
    "NOISY_DATASETS",
    "aniso",
    "blobs",
    "circles",
    "dataset_names",
    "faithful",
    "iris",
    "make_dataset",
    "moons",
    "uniform",
    "varied",
]

#: The most points a generator will make: the app's limit for every kind of data
#: (:data:`gmm_viz.limits.MAX_POINTS`), so generated data and files agree.
MAX_N_SAMPLES = MAX_POINTS

_XY = ("x1", "x2")

# The study rotated and stretched its blobs with this fixed matrix seed.
_STUDY_MIXING_SEED = 8
# Shear matrix of scikit-learn's clustering comparison demo ("anisotropicly distributed").
_ANISO_SHEAR = np.array([[0.6, -0.6], [-0.4, 0.8]])
_UNIFORM_BOX = (-10.0, 10.0)
# Where the generators' true labels come from, as messages name it.
_GENERATOR_LABELS = "the generator's groups"


def _numbered(word, n):
    """Class names ``"<word> 1" .. "<word> n"`` (labels 0 .. n - 1)."""
    return tuple(f"{word} {c + 1}" for c in range(n))


def blobs(n_samples=500, random_state=20):
    """Five stretched clusters, exactly as in the origin study.

    ``make_blobs(n_samples, cluster_std=1.5, random_state, centers=5)`` followed by
    ``X @ np.random.RandomState(8).randn(2, 2)``.

    Parameters
    ----------
    n_samples : int, default=500
    random_state : int, RandomState or None, default=20
        20 is the study's seed; None gives different points each call.

    Returns
    -------
    Dataset
        X of shape (n_samples, 2), labels of shape (n_samples,) (the five make_blobs
        clusters, named "cluster 1" .. "cluster 5"), suggested_k 5.
    """
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=n_samples, cluster_std=1.5, random_state=random_state, centers=5)
    X = X @ np.random.RandomState(_STUDY_MIXING_SEED).randn(2, 2)
    return Dataset(
        X=X,
        labels=y,
        label_names=_numbered("cluster", 5),
        label_source=_GENERATOR_LABELS,
        suggested_k=5,
        name="blobs",
        feature_names=_XY,
        source=f"generator blobs(n_samples={n_samples}, random_state={random_state!r})",
        description=(
            "Five stretched clusters: the study's ideal case, which EM fits well with k = 5 "
            "and a good start. An unlucky random start can trap it, one Gaussian over "
            "several clusters while others starve (the scenario \"Trapped by the start\")."
        ),
    )


def moons(n_samples=500, random_state=0, noise=0.05):
    """Two interleaving half-moons (the study's failure case).

    Parameters
    ----------
    n_samples : int, default=500
    random_state : int, RandomState or None, default=0
        0 is the study's seed.
    noise : float, default=0.05
        Standard deviation of the Gaussian noise added to the points.

    Returns
    -------
    Dataset
        X of shape (n_samples, 2), labels of shape (n_samples,), suggested_k 2.
    """
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=random_state)
    return Dataset(
        X=X,
        labels=y,
        # make_moons: 0 is the upper crescent, 1 the lower one.
        label_names=("upper moon", "lower moon"),
        label_source=_GENERATOR_LABELS,
        suggested_k=2,
        name="moons",
        feature_names=_XY,
        source=(
            f"generator moons(n_samples={n_samples}, noise={noise!r}, "
            f"random_state={random_state!r})"
        ),
        description=(
            "Two interleaving half-moons. Gaussians are ellipses and cannot bend along "
            "a crescent, so EM converges slowly and cuts the moons in the wrong places."
        ),
    )


def circles(n_samples=500, random_state=0, noise=0.05):
    """A small ring inside a larger one, with the same centre.

    Parameters
    ----------
    n_samples : int, default=500
    random_state : int, RandomState or None, default=0
    noise : float, default=0.05
        Standard deviation of the Gaussian noise added to the points.

    Returns
    -------
    Dataset
        X of shape (n_samples, 2), labels of shape (n_samples,), suggested_k 2.
    """
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=n_samples, factor=0.5, noise=noise, random_state=random_state)
    return Dataset(
        X=X,
        labels=y,
        # make_circles: 0 is the outer ring, 1 the inner one.
        label_names=("outer ring", "inner ring"),
        label_source=_GENERATOR_LABELS,
        suggested_k=2,
        name="circles",
        feature_names=_XY,
        source=(
            f"generator circles(n_samples={n_samples}, factor=0.5, noise={noise!r}, "
            f"random_state={random_state!r})"
        ),
        description=(
            "A small ring inside a larger ring with the same centre. A mixture of "
            "ellipses cannot separate rings, so EM cuts them into slices instead."
        ),
    )


def varied(n_samples=500, random_state=170):
    """Three round clusters with very different spreads (std 1.0, 2.5 and 0.5).

    Parameters
    ----------
    n_samples : int, default=500
    random_state : int, RandomState or None, default=170
        170 is the seed of scikit-learn's clustering comparison demo.

    Returns
    -------
    Dataset
        X of shape (n_samples, 2), labels of shape (n_samples,), suggested_k 3.
    """
    from sklearn.datasets import make_blobs

    X, y = make_blobs(
        n_samples=n_samples, centers=3, cluster_std=[1.0, 2.5, 0.5], random_state=random_state
    )
    return Dataset(
        X=X,
        labels=y,
        label_names=("std 1.0", "std 2.5", "std 0.5"),
        label_source=_GENERATOR_LABELS,
        suggested_k=3,
        name="varied",
        feature_names=_XY,
        source=(
            f"generator varied(n_samples={n_samples}, cluster_std=[1.0, 2.5, 0.5], "
            f"random_state={random_state!r})"
        ),
        description=(
            "Three round clusters of very different sizes. Each Gaussian learns its own "
            "spread, so EM can fit a wide cluster and a tight one side by side."
        ),
    )


def aniso(n_samples=500, random_state=170):
    """Three clusters sheared into parallel, slanted ellipses.

    ``make_blobs(n_samples, centers=3, random_state)`` then ``X @ [[0.6, -0.6], [-0.4, 0.8]]``,
    as in scikit-learn's clustering comparison demo.

    Parameters
    ----------
    n_samples : int, default=500
    random_state : int, RandomState or None, default=170

    Returns
    -------
    Dataset
        X of shape (n_samples, 2), labels of shape (n_samples,), suggested_k 3.
    """
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=n_samples, centers=3, random_state=random_state)
    X = X @ _ANISO_SHEAR
    return Dataset(
        X=X,
        labels=y,
        label_names=_numbered("cluster", 3),
        label_source=_GENERATOR_LABELS,
        suggested_k=3,
        name="aniso",
        feature_names=_XY,
        source=(
            f"generator aniso(n_samples={n_samples}, random_state={random_state!r}, "
            "shear=[[0.6, -0.6], [-0.4, 0.8]])"
        ),
        description=(
            "Three clusters sheared into slanted ellipses. Full covariances let each "
            "Gaussian tilt to match; spherical or diagonal ones cannot."
        ),
    )


def uniform(n_samples=500, random_state=0):
    """Points spread evenly over a square: no clusters at all.

    Parameters
    ----------
    n_samples : int, default=500
    random_state : int, RandomState or None, default=0

    Returns
    -------
    Dataset
        X of shape (n_samples, 2) in [-10, 10) x [-10, 10), labels None, suggested_k 3.
    """
    from sklearn.utils import check_random_state

    low, high = _UNIFORM_BOX
    X = check_random_state(random_state).uniform(low, high, size=(n_samples, 2))
    return Dataset(
        X=X,
        labels=None,
        suggested_k=3,
        name="uniform",
        feature_names=_XY,
        source=(
            f"generator uniform(n_samples={n_samples}, random_state={random_state!r}, "
            f"box=[{low:g}, {high:g}]^2)"
        ),
        description=(
            "Points spread evenly over a square, with no groups. EM still returns k "
            "Gaussians: a mixture fit always finds components, whether or not they exist."
        ),
    )


def faithful(n_samples=None, random_state=None):
    """Old Faithful geyser: eruption length and waiting time, 272 eruptions.

    The data is fixed: ``n_samples`` and ``random_state`` are accepted so that every
    generator has the same call signature, and are ignored.

    Returns
    -------
    Dataset
        X of shape (272, 2) with features ("eruptions", "waiting") in minutes,
        labels None, suggested_k 2.
    """
    from gmm_viz.data.csv_loader import dataset_from_bytes

    label = "faithful.csv (bundled with gmm-viz)"
    try:
        raw = importlib.resources.files(__package__).joinpath("faithful.csv").read_bytes()
    except OSError:
        raise DataError(
            f"{label}: the file is missing from the installation; reinstall gmm-viz."
        ) from None
    return dataset_from_bytes(
        raw,
        label,
        name="faithful",
        source="gmm_viz/data/faithful.csv (Old Faithful geyser, public domain)",
        description=(
            "Old Faithful geyser: eruption length and waiting time to the next eruption, "
            "in minutes. Short and long eruptions form two clear groups: the classic "
            "two-component EM example."
        ),
        suggested_k=2,
    )


def iris(n_samples=None, random_state=None):
    """Fisher's iris flowers: 4 measurements (cm) of 150 flowers of 3 species.

    Bundled with scikit-learn (no download). ``n_samples`` and ``random_state`` are
    accepted so that every generator has the same call signature, and are ignored.

    Returns
    -------
    Dataset
        X of shape (150, 4), labels (species 0, 1, 2, named setosa, versicolor,
        virginica) of shape (150,), suggested_k 3.
    """
    from sklearn.datasets import load_iris

    bunch = load_iris()
    return Dataset(
        X=bunch.data,
        labels=bunch.target,
        label_names=tuple(str(n) for n in bunch.target_names),
        label_source="the species",
        suggested_k=3,
        name="iris",
        feature_names=tuple(bunch.feature_names),
        source="sklearn.datasets.load_iris()",
        description=(
            "Fisher's iris flowers: four measurements of 150 flowers of three species. "
            "Two species overlap, so EM with k = 3 finds one clear group and mixes the "
            "other two."
        ),
    )


#: Name -> generator, in the order a menu should show them.
DATASETS = {
    "blobs": blobs,
    "moons": moons,
    "circles": circles,
    "varied": varied,
    "aniso": aniso,
    "uniform": uniform,
    "faithful": faithful,
    "iris": iris,
}

#: The data sets whose generator takes ``noise``.
NOISY_DATASETS = frozenset({"moons", "circles"})
#: The data sets of a fixed size: their generators ignore ``n_samples`` (and the seed).
FIXED_SIZE_DATASETS = frozenset({"faithful", "iris"})


def dataset_names():
    """Return the data set names in menu order.

    Returns
    -------
    tuple of str
    """
    return tuple(DATASETS)


def _check_name(name):
    key = name.strip().lower() if isinstance(name, str) else None
    if key not in DATASETS:
        raise DataError(f"unknown data set {name!r}; choose one of: {', '.join(DATASETS)}.")
    return key


def _check_n_samples(n_samples):
    if isinstance(n_samples, (bool, np.bool_)) or not isinstance(n_samples, numbers.Integral):
        raise DataError(f"n_samples must be a whole number (an int); got {n_samples!r}.")
    n = int(n_samples)
    if not 2 <= n <= MAX_N_SAMPLES:
        raise DataError(f"n_samples must be between 2 and {MAX_N_SAMPLES:,}; got {n:,}.")
    return n


def _check_noise(noise):
    if isinstance(noise, (bool, np.bool_)) or not isinstance(noise, numbers.Real):
        raise DataError(f"noise must be a number; got {noise!r}.")
    value = float(noise)
    if not math.isfinite(value) or value < 0:
        raise DataError(f"noise must be a finite number >= 0; got {noise!r}.")
    return value


def _check_random_state(random_state):
    from sklearn.utils import check_random_state

    if isinstance(random_state, (bool, np.bool_)):
        raise DataError(f"random_state must be a whole number (a seed); got {random_state!r}.")
    try:
        check_random_state(random_state)
    except (TypeError, ValueError):
        raise DataError(
            f"random_state must be a whole number from 0 to 2**32 - 1 (a seed) or a "
            f"numpy RandomState; got {random_state!r}."
        ) from None
    return random_state


def make_dataset(name, n_samples=None, random_state=None, noise=None):
    """Make the named data set, checking the arguments first.

    Parameters
    ----------
    name : str
        One of :func:`dataset_names` (case-insensitive).
    n_samples : int, optional
        Number of points, 2 to :data:`MAX_N_SAMPLES`. None means the generator's default.
        Ignored by the fixed data sets ``faithful`` and ``iris`` (but still checked).
    random_state : int, RandomState or None, optional
        Seed. None means the generator's default seed (20 for ``blobs``, as in the
        study), so the same call always gives the same points.
    noise : float, optional
        Noise level, finite and >= 0, for the data sets in :data:`NOISY_DATASETS`;
        checked but ignored by the others. None means the generator's default.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        For an unknown name or an invalid argument.
    """
    key = _check_name(name)
    kwargs = {}
    if n_samples is not None:
        kwargs["n_samples"] = _check_n_samples(n_samples)
    if random_state is not None:
        kwargs["random_state"] = _check_random_state(random_state)
    if noise is not None:
        value = _check_noise(noise)
        if key in NOISY_DATASETS:
            kwargs["noise"] = value
    return DATASETS[key](**kwargs)


@dataclass(frozen=True)
class DataRequest:
    """A named data set with its generation options (None means the set's default).

    What the control panel asks for and a run file records; :meth:`make` builds it (in
    the window, in the worker thread).
    """

    name: str
    n_samples: int | None = None
    noise: float | None = None
    random_state: int | None = None

    def make(self) -> Dataset:
        """The data set (see :func:`make_dataset`; raises :class:`DataError`)."""
        return make_dataset(self.name, n_samples=self.n_samples,
                            random_state=self.random_state, noise=self.noise)

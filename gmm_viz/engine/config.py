"""The validated, frozen description of one EM run.

Everything the user can choose lives here and is checked once, in the constructor, with
messages that say what is wrong and what to do. The engine then trusts it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")
INITIALISATIONS = ("random_range", "same_point", "kmeans", "k-means++", "random", "random_from_data")
INIT_COVARIANCES = ("identity", "data")
SAME_POINT_LOCATIONS = ("origin", "centroid")
SINGLE_RULES = ("det", "relative_det", "needle")
RULES = ("none", "det", "relative_det", "needle", "det+needle", "relative_det+needle")
RECOVERIES = ("random_range", "worst_point", "flag")

#: Settings that can change while a run goes on, without restarting it.
LIVE_SETTINGS = frozenset(
    {"rule", "threshold", "condition_limit", "recovery", "recovery_weight", "reg_covar", "tol",
     "max_iter"}
)


class ConfigError(ValueError):
    """A setting is out of range or of the wrong kind; the message says how to fix it."""


def _choice(name, value, allowed):
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ConfigError(f"{name} must be one of {options}; got {value!r}.")


def _positive_number(name, value, *, allow_zero=False, upper=None):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number; got {value!r}.") from None
    if not np.isfinite(number):
        raise ConfigError(f"{name} must be a finite number; got {value!r}.")
    if number < 0 or (number == 0 and not allow_zero):
        bound = "zero or more" if allow_zero else "greater than zero"
        raise ConfigError(f"{name} must be {bound}; got {value!r}.")
    if upper is not None and number > upper:
        raise ConfigError(f"{name} must be at most {upper:g}; got {value!r}.")
    return number


def _whole_number(name, value, *, minimum, maximum=None):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"{name} must be a whole number; got {value!r}.")
    if value < minimum or (maximum is not None and value > maximum):
        span = f"from {minimum} to {maximum}" if maximum is not None else f"{minimum} or more"
        raise ConfigError(f"{name} must be {span}; got {value}.")
    return int(value)


@dataclass(frozen=True)
class EMConfig:
    """Settings of one EM run (validated on construction).

    Parameters
    ----------
    n_components : int
        Number of Gaussians, k.
    covariance_type : {"full", "tied", "diag", "spherical"}
        As in :class:`sklearn.mixture.GaussianMixture`.
    init : str
        ``"random_range"`` (the study's: means uniform in the data's bounding box),
        ``"same_point"`` (every mean at one point), or scikit-learn's ``"kmeans"``,
        ``"k-means++"``, ``"random"``, ``"random_from_data"``.
    init_covariance : {"identity", "data"}
        Covariance of ``random_range``/``same_point`` starts and of components a rule
        re-places: the identity (the study) or the data's covariance.
    same_point_location : {"origin", "centroid"}
        Where ``same_point`` puts the means.
    perturb : bool
        For ``same_point``: add a tiny seeded perturbation so that components can separate.
        Without it the exact tie is a fixed point of EM and is preserved.
    perturbation : float
        Size of that perturbation, relative to the data's standard deviation (the smaller,
        the longer the components seem to stand still before they drift apart).
    weights_init, means_init, precisions_init : array-like or None
        Explicit initial parameters with scikit-learn's meaning; they override ``init``.
    reg_covar : float
        Added to the diagonal of every covariance.
    tol : float
        Convergence threshold on the change of the mean per-sample log-likelihood.
    max_iter : int
        Iterations after which the run counts as finished.
    rule : str
        Singularity rule: ``"none"``, ``"det"`` (the study's ``|det(cov)| < threshold``),
        ``"relative_det"`` (det relative to the data covariance's det), ``"needle"``
        (condition number above ``condition_limit`` or N_k below D + 1), or a
        ``"+"``-combination such as ``"det+needle"``.
    threshold : float
        Threshold of the det rules.
    condition_limit : float
        Condition number above which the needle rule fires.
    recovery : {"random_range", "worst_point", "flag"}
        What to do with a component a rule caught: re-place it at random in the data range
        with a high weight (the study), re-place it at the point the model explains worst,
        or only flag it.
    recovery_weight : float
        Mixing weight given to a re-placed component before renormalising (0 < w < 1).
    random_state : int or None
        Seed for everything random in the run (initialisation, perturbation, recovery).
    compute_labels : bool
        Compute hard labels in every snapshot (the app needs them; a plain fit does not).
    """

    # The app's defaults: they must give a finished, sensible fit on any data, whatever
    # its units (tests/test_defaults.py runs every built-in data set with them, also
    # multiplied by 1e-3 and 1e4). The study's own settings (random start, identity
    # covariances, |det| < 1e-2, reg_covar 1e-6) are pinned in gmm_viz.scenarios.
    n_components: int = 5
    covariance_type: str = "full"
    # scikit-learn's default start: k-means labels, the same whatever the units. The
    # study's random start in the data's box leaves a Gaussian with no points (blobs,
    # seed 0) or stacks two on a saddle (circles), and on the 4-D iris data most of the
    # box is empty; "k-means++" makes one huge shared covariance with "tied".
    init: str = "kmeans"
    # Covariances of random_range/same_point starts and of re-placed components. The
    # identity is not scale-free (a dot on data in the thousands, a blanket over data in
    # thousandths), but "data" is not yet usable as a default: the data's full
    # covariance is not made diagonal/spherical for those covariance types (a diag run
    # starts above its own optimum and the likelihood falls), and a zero data covariance
    # (all points equal) is not floored. With the kmeans start it only matters when a
    # rule re-places a component.
    init_covariance: str = "identity"
    same_point_location: str = "origin"
    perturb: bool = True
    perturbation: float = 1e-3
    weights_init: object = None
    means_init: object = None
    precisions_init: object = None
    # reg_covar is added in the data's units, so it is not scale-free: scikit-learn's
    # 1e-6 is larger than the variances of the moons measured in thousands (x 1e-3:
    # 2.4e-7 and 7.5e-7) and stacks every Gaussian on the others. The engine already floors every covariance
    # eigenvalue at 1e-12 of the data's variance (no NaN, whatever the units); 1e-12
    # (the control's smallest value) adds next to nothing on top.
    reg_covar: float = 1e-12
    # The stop test (EMEngine.step) is |change of the mean per-point log-likelihood|
    # < tol, an iteration without a re-placement. Per point and a difference of logs, it
    # is free of the data's size and units. EM crawls across saddles and plateaus: a
    # nearly symmetric state changes by 1e-6 to 1e-4 per point for dozens of iterations
    # before it moves on (the moons scenario: 60 iterations; with 1e-3, moons k=2
    # stopped at iteration 2, diag k=3 at 23 while still rising). 1e-6 carries every built-in data set through its
    # plateaus to the fit scikit-learn's best of five starts finds (within 0.05 per
    # point at each data set's own k).
    tol: float = 1e-6
    # The slowest built-in runs with these defaults need ~440 iterations (circles,
    # spherical, k=3): 1000 lets every one finish by converging.
    max_iter: int = 1000
    # Scale-free: det(cov_k) / det(data covariance). The study's absolute |det| < 1e-2
    # fires on every component of iris (cm, 4-D: det ~1e-6) at every iteration. Healthy
    # fits of the built-in data go down to ~4e-6 (a small Gaussian on a few outliers of
    # aniso, k=4); a Gaussian collapsed on two points of blobs is ~1e-9, on one point
    # (det = reg_covar**2) ~1e-16. The ratio shrinks like r**(2 D) for components r times the data's
    # spread in D dimensions, so with many columns it may need lowering.
    rule: str = "relative_det"
    threshold: float = 1e-8
    condition_limit: float = 1e4
    recovery: str = "random_range"
    recovery_weight: float = 0.5
    random_state: int | None = 0
    compute_labels: bool = True

    def __post_init__(self):
        _whole_number("n_components (k)", self.n_components, minimum=1, maximum=1000)
        _choice("covariance_type", self.covariance_type, COVARIANCE_TYPES)
        _choice("init", self.init, INITIALISATIONS)
        _choice("init_covariance", self.init_covariance, INIT_COVARIANCES)
        _choice("same_point_location", self.same_point_location, SAME_POINT_LOCATIONS)
        _choice("rule", self.rule, RULES)
        _choice("recovery", self.recovery, RECOVERIES)
        _positive_number("reg_covar", self.reg_covar, allow_zero=True)
        _positive_number("perturbation", self.perturbation, upper=1.0)
        for name in ("perturb", "compute_labels"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ConfigError(f"{name} must be True or False; got {getattr(self, name)!r}.")
        _positive_number("tol", self.tol, allow_zero=True)
        _whole_number("max_iter", self.max_iter, minimum=0, maximum=10_000_000)
        _positive_number("threshold", self.threshold, allow_zero=True)
        _positive_number("condition_limit", self.condition_limit)
        if not self.condition_limit > 1:
            raise ConfigError(
                f"condition_limit must be greater than 1 (a condition number is never "
                f"below 1); got {self.condition_limit!r}."
            )
        weight = _positive_number("recovery_weight", self.recovery_weight)
        if not weight < 1:
            raise ConfigError(f"recovery_weight must be between 0 and 1; got {weight!r}.")
        if self.random_state is not None:
            _whole_number("random_state (seed)", self.random_state, minimum=0,
                          maximum=2**32 - 1)
        # Store plain Python floats so that configs compare and print cleanly.
        for name in ("reg_covar", "perturbation", "tol", "threshold", "condition_limit",
                     "recovery_weight"):
            object.__setattr__(self, name, float(getattr(self, name)))

    @property
    def rules(self) -> tuple:
        """The individual rule names that are active (empty for ``"none"``)."""
        return () if self.rule == "none" else tuple(self.rule.split("+"))

    def with_changes(self, **changes) -> EMConfig:
        """A new validated config with ``changes`` applied."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}.")
        return replace(self, **changes)

    def restarts_run(self, other: EMConfig) -> bool:
        """True when going from this config to ``other`` needs a restart from iteration 0."""
        for f in fields(self):
            if f.name in LIVE_SETTINGS:
                continue
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if a is None or b is None or not np.array_equal(a, b):
                    return True
            elif a != b:
                return True
        return False

"""The origin study's seven findings, each as a reproducible run.

A :class:`Scenario` fixes the data, k, the initialisation, the singularity rule and the
seed so that the finding really happens, and says in two sentences what to look at. Most
failures have a :class:`Remedy`: the same data with the change that fixes it.

The seeds were chosen by running the engine (see ``tests/test_scenarios.py``, which checks
every phenomenon numerically on the scenario's own run). Pure Python: no Qt here, so the
command line and the tests use the same definitions as the app.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gmm_viz.engine import EMConfig, EMEngine


@dataclass(frozen=True)
class DataSpec:
    """Which named data set to make, and how."""

    name: str = "blobs"
    n_samples: int | None = None
    random_state: int | None = None
    noise: float | None = None

    def make(self):
        """The :class:`gmm_viz.data.Dataset`."""
        from gmm_viz.data import make_dataset

        return make_dataset(self.name, n_samples=self.n_samples,
                            random_state=self.random_state, noise=self.noise)


@dataclass(frozen=True)
class Remedy:
    """A one-click fix: config changes, or the best of several seeds.

    Attributes
    ----------
    title : str
    explanation : str
    changes : dict
        Passed to :meth:`EMConfig.with_changes`.
    best_of : int
        When > 1, try this many seeds (``random_state`` 0 .. best_of - 1) and keep the run
        with the highest final log-likelihood ("several initialisations, keep the best").
    """

    title: str
    explanation: str
    changes: dict = field(default_factory=dict)
    best_of: int = 1


@dataclass(frozen=True)
class Scenario:
    """One finding of the study as a run.

    Attributes
    ----------
    key : str
        Name for ``--scenario`` and menus.
    number : int
        The finding's number in the study (1-7).
    title : str
    explanation : str
        What happens and what to look at, in two or three sentences.
    data : DataSpec
    config : EMConfig
    iterations : int
        How many iterations show the whole story.
    soft_colours : bool
        Colour points by their responsibilities (the soft-clustering finding).
    remedy : Remedy or None
    """

    key: str
    number: int
    title: str
    explanation: str
    data: DataSpec
    config: EMConfig
    iterations: int
    soft_colours: bool = False
    remedy: Remedy | None = None

    def remedied(self) -> Scenario:
        """The same scenario with its remedy applied (itself if it has none)."""
        if self.remedy is None:
            return self
        config = self.config.with_changes(**self.remedy.changes)
        if self.remedy.best_of > 1:
            config = best_seed(self.data.make().X, config, self.remedy.best_of,
                               self.iterations)
        return Scenario(
            key=self.key + "+remedy", number=self.number,
            title=f"{self.title}: remedied ({self.remedy.title})",
            explanation=self.remedy.explanation, data=self.data, config=config,
            iterations=self.iterations, soft_colours=self.soft_colours, remedy=None,
        )


def best_seed(X, config, n_seeds, iterations):
    """The config whose seed (out of ``0 .. n_seeds - 1``) ends with the best fit.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    config : EMConfig
    n_seeds : int
    iterations : int
        Iterations per try (each stops earlier if it converges).

    Returns
    -------
    EMConfig
    """
    best, best_value = config, -np.inf
    for seed in range(n_seeds):
        candidate = config.with_changes(random_state=seed)
        final = run_engine(EMEngine(X, candidate), iterations)[-1]
        if final.mean_log_likelihood > best_value:
            best, best_value = candidate, final.mean_log_likelihood
    return best


def run_engine(engine, iterations):
    """Step ``engine`` until it finishes or ``iterations`` are done.

    Returns
    -------
    list of Snapshot
        Iteration 0 to the last.
    """
    snapshots = [engine.snapshot]
    while engine.iteration < iterations and not engine.finished:
        snapshots.append(engine.step())
    return snapshots


def run_scenario(scenario: Scenario, iterations: int | None = None):
    """Make the scenario's data and run it.

    Returns
    -------
    dataset : gmm_viz.data.Dataset
    snapshots : list of Snapshot
    """
    dataset = scenario.data.make()
    engine = EMEngine(dataset.X, scenario.config)
    return dataset, run_engine(engine, iterations or scenario.iterations)


#: The origin study's settings, every one pinned: the scenarios must not follow the app's
#: defaults (EMConfig's, chosen to work on any data). A random start in the data's box
#: with identity covariances, reg_covar 1e-6 and the absolute rule |det(cov)| < 1e-2.
_STUDY = EMConfig(
    n_components=5, covariance_type="full", init="random_range",
    init_covariance="identity", same_point_location="origin", perturb=True,
    perturbation=1e-3, reg_covar=1e-6, tol=1e-6, max_iter=300, rule="det",
    threshold=1e-2, condition_limit=1e4, recovery="random_range", recovery_weight=0.5,
    random_state=0,
)

# Every number and count in these texts is what the scenario's own run shows (the run the
# window plays: to convergence or max_iter); tests/test_scenarios.py recomputes each
# from the run and checks that the text says it.
SCENARIOS = {
    s.key: s
    for s in (
        Scenario(
            key="ideal", number=1, title="The ideal fit",
            explanation=(
                "Five anisotropic clusters and five Gaussians that start at random places "
                "inside the data's range. With this start every Gaussian finds its own "
                "cluster, and EM converges at iteration 20 at \u22125.86 per point: "
                "scikit-learn's best of five k-means starts gets no higher."
            ),
            data=DataSpec("blobs"),
            config=_STUDY.with_changes(random_state=2),
            iterations=60,
        ),
        Scenario(
            key="local-optimum", number=2, title="Trapped by the start",
            explanation=(
                "The same data, another random start. One Gaussian ends up spanning three "
                "of the five clusters while two others starve on a handful of points "
                "(about 3 and 5). Starving is not a singularity: their determinants stay "
                "above 0.01 (the smallest is 0.057), so the study's rule never re-places "
                "them, and EM converges at iteration 50 at \u22126.26 per point, below the "
                "ideal fit's \u22125.86. EM depends on its initialisation."
            ),
            data=DataSpec("blobs"),
            config=_STUDY.with_changes(random_state=20),
            iterations=120,
            remedy=Remedy(
                "k-means++ start",
                "k-means++ picks starting points far apart: here one in each of the five "
                "clusters, so every cluster gets its own Gaussian and EM converges at "
                "iteration 11 at the ideal fit's \u22125.86 per point.",
                {"init": "k-means++", "random_state": 0},
            ),
        ),
        Scenario(
            key="collapse", number=3, title="A Gaussian collapses onto a point",
            explanation=(
                "One Gaussian starts on two points. Its covariance shrinks along the line "
                "through them and det(cov) falls towards 0 (1, 0.46, 0.17, 0.038) while "
                "the likelihood rises: with no floor under the covariance it would grow "
                "without bound. At iteration 4 det(cov) is 5.5\u00b710\u207b\u2076 and "
                "the study's rule (|det| < 0.01) moves the mean to a random place with "
                "weight 0.5; at iterations 5 and 6 that place holds no points (det "
                "10\u207b\u00b9\u00b2, the reg_covar floor) and it moves again. The "
                "log-likelihood drops at the first move, then climbs above where it was "
                "(\u22126.26 \u2192 \u22126.12 per point); the re-placement is random, "
                "and the fit stays below the ideal \u22125.86."
            ),
            data=DataSpec("blobs"),
            config=_STUDY.with_changes(random_state=149),
            iterations=120,
            remedy=Remedy(
                "best of 10 starts",
                "Run EM from ten random starts (seeds 0 to 9) and keep the start with "
                "the highest final log-likelihood: five of the ten reach the ideal fit "
                "(\u22125.86 per point), and the run shown is the best of them. Cheap "
                "insurance against a bad start.",
                {}, best_of=10,
            ),
        ),
        Scenario(
            key="needle", number=4, title="The det rule misses a needle",
            explanation=(
                "A Gaussian loses its points to its neighbours until about 6 are left at "
                "the edge of a cluster, and stretches into a needle along them: its "
                "condition number passes 10\u2074 at iteration 71 and ends at "
                "7.9\u00b710\u2074 (axes 280 : 1). Its determinant never falls below "
                "0.37, far above 0.01, so the study's rule never fires, though the "
                "component is as degenerate as a collapse: look at its condition number "
                "in the table."
            ),
            data=DataSpec("blobs"),
            config=_STUDY.with_changes(random_state=87),
            iterations=300,
            remedy=Remedy(
                "needle rule",
                "Add the needle rule: a condition number above 10\u2074 (or fewer than "
                "D + 1 points) also counts as degenerate. It catches the needle at "
                "iteration 71 (condition number 2.0\u00b710\u2074) and re-places it; the "
                "new component is caught 3 more times (with almost no points, as a "
                "needle again, by det) before EM converges at iteration 233 at the ideal "
                "fit's \u22125.86 per point.",
                {"rule": "det+needle"},
            ),
        ),
        Scenario(
            key="soft", number=5, title="Soft clustering: shared clusters",
            explanation=(
                "Eight Gaussians for five clusters: three of the clusters are shared by "
                "two Gaussians each, the other two have one each. A point belongs to "
                "every component in proportion to its responsibilities; the blended "
                "colours show the shared points (for 20 % of the points no component "
                "has more than 0.8 of it)."
            ),
            data=DataSpec("blobs"),
            config=_STUDY.with_changes(n_components=8, init="kmeans", rule="none",
                                       random_state=2),
            iterations=300, soft_colours=True,
        ),
        Scenario(
            key="same-point", number=6, title="All means start at one point",
            explanation=(
                "Every mean starts at the origin, nudged by a hundred-thousandth of the "
                "data's standard deviation. After the first step, which gives all five "
                "the data's own covariance, nothing seems to move until iteration 9: "
                "every Gaussian holds 100 points, the means stay within 5 % of the "
                "data's width, and the log-likelihood changes by less than 0.001 per "
                "point, so a tolerance of 0.001 (scikit-learn's default) would stop EM "
                "at iteration 2 (this run has none). Then the components drift apart "
                "and compete: at iteration 150 one Gaussian spans two clusters and "
                "another cluster is split between two. Without the nudge they never "
                "separate: an exact tie is a fixed point of EM."
            ),
            data=DataSpec("blobs"),
            config=_STUDY.with_changes(init="same_point", perturbation=1e-5, tol=0.0,
                                       max_iter=150),
            iterations=150,
            remedy=Remedy(
                "k-means++ start",
                "Start from k-means++ means instead: distinct starting points, no tie to "
                "break. This run gives every cluster its own Gaussian and converges at "
                "iteration 11 at the ideal fit's \u22125.86 per point.",
                {"init": "k-means++", "tol": 1e-6},
            ),
        ),
        Scenario(
            key="moons", number=7, title="Ellipses cannot follow crescents",
            explanation=(
                "Two interleaved half-moons, two Gaussians from a random start. At first "
                "each Gaussian takes one crescent (at least 80 % of the points are with "
                "their own moon's Gaussian until iteration 193; at iteration 76 the two "
                "hold 249.9 and 250.1 points, 85 % from their own moon), though an "
                "ellipse cannot bend. The likelihood prefers another split: EM leaves "
                "it for a Gaussian spread over a whole moon and 150 points of the "
                "other, and a second on the rest of that moon (100 points), and the "
                "log-likelihood rises from \u2212849.8 to \u2212810.9 (scikit-learn's "
                "best of five starts finds the same). After two long plateaus (near "
                "\u2212937 and \u2212849) EM converges only at iteration 234."
            ),
            data=DataSpec("moons"),
            config=_STUDY.with_changes(n_components=2, rule="none", max_iter=400),
            iterations=400,
            remedy=Remedy(
                "more components",
                "Eight Gaussians tile the crescents with small ellipses, four per moon, "
                "every one inside a single moon: the mixture then models the shape, "
                "though a moon is now several components.",
                {"n_components": 8, "init": "k-means++"},
            ),
        ),
    )
}


def scenario_names():
    """Scenario keys in the study's order."""
    return tuple(sorted(SCENARIOS, key=lambda key: SCENARIOS[key].number))


def get_scenario(name: str) -> Scenario:
    """The scenario called ``name`` (a key, or the study's finding number as text).

    Raises
    ------
    KeyError
        With the list of valid names.
    """
    if name in SCENARIOS:
        return SCENARIOS[name]
    for scenario in SCENARIOS.values():
        if name == str(scenario.number):
            return scenario
    raise KeyError(f"unknown scenario {name!r}; choose one of {', '.join(scenario_names())}.")

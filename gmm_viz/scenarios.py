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


_STUDY = {"init": "random_range", "rule": "det", "threshold": 1e-2, "max_iter": 300}

SCENARIOS = {
    s.key: s
    for s in (
        Scenario(
            key="ideal", number=1, title="The ideal fit",
            explanation=(
                "Five anisotropic clusters and five Gaussians that start at random places "
                "inside the data. With this start every Gaussian finds its own cluster and "
                "the log-likelihood climbs to the best value these data allow."
            ),
            data=DataSpec("blobs"),
            config=EMConfig(n_components=5, random_state=2, tol=1e-6, **_STUDY),
            iterations=60,
        ),
        Scenario(
            key="local-optimum", number=2, title="Trapped by the start",
            explanation=(
                "The same data, another random start. One Gaussian ends up spanning two "
                "nearby clusters while another is starved in a corner with a handful of "
                "points. That is not a singularity, so no rule re-places it: the "
                "log-likelihood stalls below the ideal. EM depends on its initialisation."
            ),
            data=DataSpec("blobs"),
            config=EMConfig(n_components=5, random_state=20, tol=1e-6, **_STUDY),
            iterations=120,
            remedy=Remedy(
                "k-means++ start",
                "k-means++ spreads the starting means over the data, one per dense region, "
                "so every cluster gets its own Gaussian.",
                {"init": "k-means++", "random_state": 0},
            ),
        ),
        Scenario(
            key="collapse", number=3, title="A Gaussian collapses onto a point",
            explanation=(
                "A Gaussian settles on two points, its covariance shrinks and det(cov) "
                "falls towards 0: the likelihood would grow without bound. The study's rule "
                "(|det| < 0.01) catches it, moves the mean to a random place with a high "
                "weight, and the fit improves; the re-placement is random, so it rarely "
                "becomes ideal."
            ),
            data=DataSpec("blobs"),
            config=EMConfig(n_components=5, random_state=149, tol=1e-6, **_STUDY),
            iterations=120,
            remedy=Remedy(
                "best of 10 starts",
                "Run EM from ten random starts and keep the one with the highest final "
                "log-likelihood: cheap insurance against a bad start.",
                {}, best_of=10,
            ),
        ),
        Scenario(
            key="needle", number=4, title="The det rule misses a needle",
            explanation=(
                "A Gaussian hugging a few points of a sparse cluster becomes an extremely "
                "long, thin ellipse. Its determinant stays well above 0.01, so the study's "
                "rule never fires, though the component is as degenerate as a collapse: "
                "look at its condition number in the table."
            ),
            data=DataSpec("blobs"),
            config=EMConfig(n_components=5, random_state=87, tol=1e-6, **_STUDY),
            iterations=150,
            remedy=Remedy(
                "needle rule",
                "Add the needle rule: a condition number above 10^4 (or fewer than D + 1 "
                "points) also counts as degenerate, so the needle is caught and re-placed.",
                {"rule": "det+needle"},
            ),
        ),
        Scenario(
            key="soft", number=5, title="Soft clustering: shared clusters",
            explanation=(
                "Eight Gaussians for five clusters: some clusters are shared by two "
                "Gaussians. A point belongs to every component in proportion to its "
                "responsibilities; the blended colours show the points that are shared."
            ),
            data=DataSpec("blobs"),
            config=EMConfig(n_components=8, init="kmeans", rule="none", random_state=2,
                            tol=1e-6, max_iter=300),
            iterations=150, soft_colours=True,
        ),
        Scenario(
            key="same-point", number=6, title="All means start at one point",
            explanation=(
                "Every mean starts at the origin, nudged by a hundred-thousandth of the "
                "data's spread. At first nothing seems to move (and the log-likelihood "
                "barely changes: a tolerance would stop EM here); then the components "
                "drift apart and compete for clusters. Without the nudge they never "
                "separate: an exact tie is a fixed point of EM."
            ),
            data=DataSpec("blobs"),
            config=EMConfig(n_components=5, init="same_point", perturbation=1e-5,
                            rule="det", random_state=0, tol=0.0, max_iter=150),
            iterations=150,
            remedy=Remedy(
                "k-means++ start",
                "Start from k-means++ means instead: distinct starting points, no tie to "
                "break.",
                {"init": "k-means++", "tol": 1e-6},
            ),
        ),
        Scenario(
            key="moons", number=7, title="Ellipses cannot follow crescents",
            explanation=(
                "Two interleaved half-moons. An ellipse cannot bend, so the two Gaussians "
                "cannot take one crescent each: one spreads over most of both moons and "
                "the other settles on a tip. The log-likelihood sits on long plateaus and "
                "converges only after more than 200 iterations."
            ),
            data=DataSpec("moons"),
            config=EMConfig(n_components=2, init="random_range", rule="none",
                            random_state=0, tol=1e-6, max_iter=400),
            iterations=400,
            remedy=Remedy(
                "more components",
                "Eight Gaussians tile each crescent with small ellipses: every component "
                "stays inside one moon (the mixture then models the shape, though a moon "
                "is now several components).",
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

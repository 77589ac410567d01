"""Every sentence of every scenario's text is true of the scenario's own run.

Each test recomputes, from the run the window plays (to convergence or ``max_iter``), the
counts, iterations and values its scenario's text states, builds the phrase that says
them, and checks that the text contains it (:class:`Claims`). At the end it checks that
no number is left in the text that no phrase accounted for. So changing a number in a
text, or changing a run (seed, data, settings, engine) so that it shows something else,
fails here.

Definitions used by the texts, from the generator's true cluster labels and the hard
labels (the colours on the canvas):

* a Gaussian *spans* a true cluster when it has the most of that cluster's points and
  more than half of them (each cluster is spanned by at most one Gaussian);
* a Gaussian *starves* when its weight is below :data:`STARVED` (1 point in 50);
* a Gaussian *takes one crescent* when the hard labels agree with the two moons for at
  least :data:`CRESCENT_AGREEMENT` of the points, the moons' majority Gaussians differing;
* a *plateau* is at least :data:`PLATEAU_LENGTH` consecutive iterations whose mean
  log-likelihood changes by less than :data:`PLATEAU_CHANGE` per point each.
"""

import functools
import itertools
import math
import re

import numpy as np
import pytest

from gmm_viz.engine import EMEngine
from gmm_viz.scenarios import (
    SCENARIOS,
    get_scenario,
    run_engine,
    run_scenario,
    scenario_names,
)

STARVED = 0.02
CRESCENT_AGREEMENT = 0.8
PLATEAU_LENGTH = 30
PLATEAU_CHANGE = 1e-4
#: The mean log-likelihood of a fit equal to the ideal one, to rounding.
SAME_FIT = 1e-3

WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven",
         8: "eight", 9: "nine", 10: "ten"}
_NUMBER_WORDS = r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|" \
                r"hundred|thousand|hundredth|thousandth|twice|half)\b"


# ----------------------------------------------------------------------------- helpers
class Claims:
    """The phrases of one text that a test has checked against the run."""

    def __init__(self, text):
        self.text = text
        self._rest = text

    def __call__(self, phrase):
        assert phrase in self.text, f"the text does not say {phrase!r}:\n{self.text}"
        self._rest = self._rest.replace(phrase, " ")

    def every_number_checked(self):
        """No digit and no number word is left outside the checked phrases."""
        left = re.findall(r"[0-9\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+", self._rest)
        left += re.findall(_NUMBER_WORDS, self._rest, flags=re.IGNORECASE)
        assert not left, f"numbers no test checks: {left} in:\n{self._rest}"


def minus(value, digits):
    """``value`` with ``digits`` decimals and a typographic minus, as the texts write."""
    return f"{value:.{digits}f}".replace("-", "\u2212")


_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075"
                                            "\u2076\u2077\u2078\u2079")


def sci(value):
    """``5.49e-6`` as ``5.5·10⁻⁶``; a mantissa of 1 is left out (``10⁻¹²``)."""
    exponent = math.floor(math.log10(value))
    mantissa = round(value / 10.0**exponent, 1)
    if mantissa >= 10:
        mantissa, exponent = 1.0, exponent + 1
    power = "10" + str(exponent).translate(_SUPERSCRIPT)
    return power if mantissa == 1 else f"{mantissa:.1f}\u00b7{power}"


def composition(labels, truth, k):
    """counts[j, c]: points of true cluster c with hard label j."""
    return np.array([np.bincount(truth[labels == j], minlength=truth.max() + 1)
                     for j in range(k)])


def spanned(counts):
    """For each component, the true clusters it spans (see the module docstring)."""
    owner = counts.argmax(axis=0)
    holds = counts.max(axis=0) > counts.sum(axis=0) / 2
    return [[c for c in range(counts.shape[1]) if owner[c] == j and holds[c]]
            for j in range(counts.shape[0])]


def mean_change(snaps, t):
    return snaps[t].mean_log_likelihood - snaps[t - 1].mean_log_likelihood


@functools.cache
def run(key, remedied=False):
    """The scenario's (or its remedy's) run, cached for the module."""
    scenario = get_scenario(key)
    if remedied:
        scenario = scenario.remedied()
    dataset, snaps = run_scenario(scenario)
    return scenario, dataset, snaps


def ideal_value():
    return run("ideal")[2][-1].mean_log_likelihood


# ----------------------------------------------------------------------------- all
def test_there_are_seven_findings_in_order():
    assert [SCENARIOS[k].number for k in scenario_names()] == [1, 2, 3, 4, 5, 6, 7]
    for key in scenario_names():
        scenario = SCENARIOS[key]
        assert len(scenario.explanation) > 80
        if scenario.number in (2, 3, 4, 6, 7):
            assert scenario.remedy is not None, key
    assert get_scenario("3") is SCENARIOS["collapse"]
    with pytest.raises(KeyError, match="choose one of"):
        get_scenario("nonsense")


@pytest.mark.parametrize("remedied", [False, True], ids=["finding", "remedy"])
@pytest.mark.parametrize("key", scenario_names())
def test_the_run_checked_is_the_run_the_window_plays(key, remedied):
    # The window plays a scenario until EM finishes; the texts are checked on
    # run_scenario's run, which stops at `iterations`: it must be the same run.
    scenario, _, snaps = run(key, remedied)
    final = snaps[-1]
    assert final.converged or final.iteration == scenario.config.max_iter, (
        f"{scenario.key} stops at iteration {final.iteration} before the window's run "
        f"ends: raise its iterations to {scenario.config.max_iter}")


def test_the_study_settings_are_pinned_not_the_app_defaults():
    from gmm_viz.engine import EMConfig

    app = EMConfig()
    for key in scenario_names():
        config = get_scenario(key).config
        if config.rule != "none":
            assert (config.rule, config.threshold) == ("det", 1e-2), key
        assert config.reg_covar == 1e-6 and config.init_covariance == "identity", key
    assert app.rule != "det" or app.threshold != 1e-2  # the app's own defaults differ


# ----------------------------------------------------------------------------- 1
def test_1_ideal_fit_finds_every_cluster():
    scenario, dataset, snaps = run("ideal")
    final = snaps[-1]
    claims = Claims(scenario.explanation)
    n_clusters = dataset.labels.max() + 1
    assert scenario.config.n_components == n_clusters == 5
    claims("Five anisotropic clusters and five Gaussians")
    low, high = dataset.X.min(axis=0), dataset.X.max(axis=0)
    assert scenario.config.init == "random_range"
    assert ((snaps[0].means >= low) & (snaps[0].means <= high)).all()
    claims("start at random places inside the data's range")
    assert not any(s.events for s in snaps)
    counts = composition(final.labels, dataset.labels, 5)
    assert sorted(c for cs in spanned(counts) for c in cs) == list(range(5))
    assert all(len(cs) == 1 for cs in spanned(counts))
    assert (counts.max(axis=1) / counts.sum(axis=1)).min() > 0.95
    claims("every Gaussian finds its own cluster")
    assert final.converged
    claims(f"EM converges at iteration {final.iteration} at "
           f"{minus(final.mean_log_likelihood, 2)} per point")
    from gmm_viz import GaussianMixtureEM

    best = GaussianMixtureEM(5, n_init=5, random_state=0, tol=1e-8).fit(dataset.X)
    assert best.lower_bound_ <= final.mean_log_likelihood + 1e-4
    claims("scikit-learn's best of five k-means starts gets no higher")
    claims.every_number_checked()


# ----------------------------------------------------------------------------- 2
def test_2_random_start_is_trapped_in_a_local_optimum():
    scenario, dataset, snaps = run("local-optimum")
    final = snaps[-1]
    claims = Claims(scenario.explanation)
    counts = composition(final.labels, dataset.labels, 5)
    spans = [len(cs) for cs in spanned(counts)]
    wide = [j for j, n in enumerate(spans) if n > 1]
    assert len(wide) == 1
    claims(f"One Gaussian ends up spanning {WORDS[spans[wide[0]]]} of the "
           f"{WORDS[dataset.labels.max() + 1]} clusters")
    starving = np.flatnonzero(final.weights < STARVED)
    claims(f"while {WORDS[len(starving)]} others starve on a handful of points")
    sizes = sorted(round(float(final.nk[j])) for j in starving)
    claims(f"(about {' and '.join(str(n) for n in sizes)})")
    # Not a singularity: no rule fires, their determinants never reach the threshold.
    assert not any(s.events for s in snaps)
    smallest = min(float(s.det[starving].min()) for s in snaps[1:])
    threshold = scenario.config.threshold
    assert smallest > threshold
    claims(f"their determinants stay above {threshold:g} (the smallest is {smallest:.2g})")
    assert final.converged
    claims(f"EM converges at iteration {final.iteration} at "
           f"{minus(final.mean_log_likelihood, 2)} per point, below the ideal fit's "
           f"{minus(ideal_value(), 2)}")
    assert final.mean_log_likelihood < ideal_value() - 0.1
    claims.every_number_checked()


def test_2_remedy_k_means_plus_plus_starts_one_mean_per_cluster():
    scenario, dataset, snaps = run("local-optimum", remedied=True)
    final = snaps[-1]
    claims = Claims(scenario.explanation)
    assert scenario.config.init == "k-means++"
    # k-means++ starts every mean at a data point: which true clusters are they in?
    nearest = [int(np.argmin(((dataset.X - m) ** 2).sum(axis=1))) for m in snaps[0].means]
    assert np.allclose(dataset.X[nearest], snaps[0].means, atol=1e-9)
    clusters = {int(dataset.labels[i]) for i in nearest}
    assert len(clusters) == dataset.labels.max() + 1 == 5
    claims(f"here one in each of the {WORDS[len(clusters)]} clusters")
    counts = composition(final.labels, dataset.labels, 5)
    assert all(len(cs) == 1 for cs in spanned(counts))
    claims("every cluster gets its own Gaussian")
    assert final.converged
    assert final.mean_log_likelihood == pytest.approx(ideal_value(), abs=SAME_FIT)
    claims(f"EM converges at iteration {final.iteration} at the ideal fit's "
           f"{minus(ideal_value(), 2)} per point")
    claims.every_number_checked()


# ----------------------------------------------------------------------------- 3
def test_3_collapse_is_caught_replaced_and_the_fit_improves():
    scenario, dataset, snaps = run("collapse")
    config = scenario.config
    claims = Claims(scenario.explanation)
    events = [e for s in snaps for e in s.events]
    first = events[0]
    k, caught = first.component, first.iteration
    assert {round(float(s.nk[k])) for s in snaps[:caught]} == {2}
    claims("One Gaussian starts on two points")
    dets = [float(s.det[k]) for s in snaps[:caught]]
    assert all(a > b for a, b in itertools.pairwise(dets))
    totals = [s.log_likelihood for s in snaps[:caught]]
    assert all(a < b for a, b in itertools.pairwise(totals))  # the likelihood rises
    claims(f"det(cov) falls towards 0 ({', '.join(f'{d:.2g}' for d in dets)}) while "
           "the likelihood rises")
    assert first.rule == "det" and first.value < config.threshold
    claims(f"At iteration {caught} det(cov) is {sci(first.value)}")
    claims(f"the study's rule (|det| < {config.threshold:g})")
    assert snaps[caught].weights[k] == pytest.approx(config.recovery_weight)
    assert first.new_mean != first.old_mean and first.action == "random_range"
    claims(f"moves the mean to a random place with weight {config.recovery_weight:g}")
    # The next re-placements: the new place held no points, the covariance is reg_covar.
    later = events[1:]
    assert [e.component for e in later] == [k] * len(later)
    assert [e.iteration for e in later] == [caught + 1 + i for i in range(len(later))]
    for e in later:
        assert snaps[e.iteration - 1].nk[k] < 0.5
        assert e.value == pytest.approx(config.reg_covar ** dataset.X.shape[1], rel=1e-6)
    claims(f"at iterations {' and '.join(str(e.iteration) for e in later)} that place "
           f"holds no points (det {sci(later[0].value)}, the reg_covar floor)")
    before, final = snaps[caught - 1], snaps[-1]
    assert snaps[caught].log_likelihood < before.log_likelihood
    assert final.converged and final.log_likelihood > before.log_likelihood
    claims(f"drops at the first move, then climbs above where it was "
           f"({minus(before.mean_log_likelihood, 2)} \u2192 "
           f"{minus(final.mean_log_likelihood, 2)} per point)")
    assert final.mean_log_likelihood < ideal_value() - 0.1
    claims(f"the fit stays below the ideal {minus(ideal_value(), 2)}")
    claims.every_number_checked()


def test_3_remedy_keeps_the_best_of_ten_starts():
    original = get_scenario("collapse")
    scenario, dataset, snaps = run("collapse", remedied=True)
    claims = Claims(scenario.explanation)
    n = original.remedy.best_of
    finals = {}
    for seed in range(n):
        config = original.config.with_changes(random_state=seed)
        finals[seed] = run_engine(EMEngine(dataset.X, config),
                                  original.iterations)[-1].mean_log_likelihood
    claims(f"Run EM from {WORDS[n]} random starts (seeds 0 to {n - 1})")
    best = max(finals, key=finals.get)
    assert scenario.config.random_state == best
    assert snaps[-1].mean_log_likelihood == pytest.approx(finals[best], abs=1e-12)
    ideal = [s for s, v in finals.items() if abs(v - ideal_value()) < SAME_FIT]
    assert best in ideal
    claims(f"{WORDS[len(ideal)]} of the {WORDS[n]} reach the ideal fit "
           f"({minus(ideal_value(), 2)} per point)")
    claims.every_number_checked()


# ----------------------------------------------------------------------------- 4
def test_4_det_rule_misses_the_needle():
    scenario, dataset, snaps = run("needle")
    config = scenario.config
    final = snaps[-1]
    claims = Claims(scenario.explanation)
    assert not any(s.events for s in snaps)
    k = int(final.condition_number.argmax())
    assert snaps[0].nk[k] > 3 * final.nk[k]  # it loses its points
    claims(f"until about {round(float(final.nk[k]))} are left")
    # At the edge of a cluster: most of its points are of a cluster another Gaussian has.
    counts = composition(final.labels, dataset.labels, 5)
    cluster = int(counts[k].argmax())
    assert counts[k, cluster] > counts[k].sum() / 2
    assert int(counts[:, cluster].argmax()) != k
    claims("at the edge of a cluster")
    limit = config.condition_limit
    passes = next(s.iteration for s in snaps if s.condition_number[k] > limit)
    ratio = math.sqrt(final.condition_number[k])
    claims(f"its condition number passes {sci(limit)} at iteration {passes} and ends at "
           f"{sci(final.condition_number[k])} (axes {round(ratio, -1):.0f} : 1)")
    smallest = min(float(s.det[k]) for s in snaps[1:])
    assert smallest > 10 * config.threshold
    claims(f"Its determinant never falls below {smallest:.2g}, far above "
           f"{config.threshold:g}")
    claims.every_number_checked()


def test_4_remedy_the_needle_rule_catches_it():
    scenario, _, snaps = run("needle", remedied=True)
    config = scenario.config
    claims = Claims(scenario.explanation)
    assert "needle" in config.rules
    claims(f"a condition number above {sci(config.condition_limit)} (or fewer than D + 1 "
           "points)")
    events = [e for s in snaps for e in s.events]
    first, later = events[0], events[1:]
    assert first.rule == "needle" and first.reason == "condition number"
    claims(f"It catches the needle at iteration {first.iteration} (condition number "
           f"{sci(first.value)}) and re-places it")
    assert {e.component for e in events} == {first.component}
    what = {"N_k": "with almost no points", "condition number": "as a needle again",
            "|det(cov)|": "by det"}
    assert later[0].reason != "N_k" or later[0].value < 1
    claims(f"caught {len(later)} more times ({', '.join(what[e.reason] for e in later)})")
    final = snaps[-1]
    assert final.converged
    assert final.mean_log_likelihood == pytest.approx(ideal_value(), abs=SAME_FIT)
    claims(f"EM converges at iteration {final.iteration} at the ideal fit's "
           f"{minus(ideal_value(), 2)} per point")
    claims.every_number_checked()


# ----------------------------------------------------------------------------- 5
def test_5_more_components_than_clusters_share_clusters():
    scenario, dataset, snaps = run("soft")
    final = snaps[-1]
    claims = Claims(scenario.explanation)
    assert scenario.soft_colours
    claims(f"{WORDS[scenario.config.n_components].capitalize()} Gaussians for "
           f"{WORDS[dataset.labels.max() + 1]} clusters")
    engine = EMEngine(dataset.X, scenario.config)
    engine.restore(final)
    resp = engine.responsibilities()
    # A cluster is shared by the components holding more than 15 % of its mass.
    sharing = [int((resp[dataset.labels == c].mean(axis=0) > 0.15).sum())
               for c in range(dataset.labels.max() + 1)]
    assert set(sharing) <= {1, 2}
    claims(f"{WORDS[sharing.count(2)]} of the clusters are shared by two Gaussians each, "
           f"the other {WORDS[sharing.count(1)]} have one each")
    soft = float((resp.max(axis=1) < 0.8).mean())
    claims(f"(for {100 * soft:.0f} % of the points no component has more than 0.8 of it)")
    claims.every_number_checked()


# ----------------------------------------------------------------------------- 6
def test_6_same_point_start_is_still_then_drifts_apart():
    scenario, dataset, snaps = run("same-point")
    config = scenario.config
    claims = Claims(scenario.explanation)
    assert config.init == "same_point" and config.same_point_location == "origin"
    assert np.abs(snaps[0].means).max() < 10 * config.perturbation * dataset.X.std()
    assert config.perturbation == 1e-5
    claims("Every mean starts at the origin, nudged by a hundred-thousandth of the "
           "data's standard deviation")
    # The first step gives every Gaussian the data's own covariance.
    data_cov = np.cov(dataset.X, rowvar=False)
    assert np.allclose(snaps[1].covariances, data_cov, rtol=0.05)
    claims(f"the first step, which gives all {WORDS[config.n_components]} the data's own "
           "covariance")
    width = np.ptp(dataset.X, axis=0).max()
    n = len(dataset.X) // config.n_components

    def still(t):
        return (np.round(snaps[t].nk) == n).all() and np.ptp(
            snaps[t].means, axis=0).max() < 0.05 * width and abs(mean_change(snaps, t)) < 1e-3

    last = next(t for t in range(2, len(snaps)) if not still(t)) - 1
    assert last > 2 and all(still(t) for t in range(2, last + 1))
    claims(f"nothing seems to move until iteration {last}: every Gaussian holds {n} "
           "points, the means stay within 5 % of the data's width, and the "
           "log-likelihood changes by less than 0.001 per point")
    stop = next(t for t in range(1, len(snaps)) if abs(mean_change(snaps, t)) < 1e-3)
    assert config.tol == 0 and not snaps[-1].converged
    claims(f"a tolerance of 0.001 (scikit-learn's default) would stop EM at iteration "
           f"{stop} (this run has none)")
    final = snaps[-1]
    counts = composition(final.labels, dataset.labels, 5)
    spans = [len(cs) for cs in spanned(counts)]
    split = [c for c in range(5) if (counts[:, c] >= 0.2 * counts[:, c].sum()).sum() == 2]
    assert spans.count(2) == 1 and max(spans) == 2 and len(split) == 1
    claims(f"at iteration {final.iteration} one Gaussian spans two clusters and another "
           "cluster is split between two")
    # Without the nudge the tie is exact and stays so for the whole run.
    tied = run_engine(EMEngine(dataset.X, config.with_changes(perturb=False)),
                      scenario.iterations)
    assert len(tied) - 1 == config.max_iter
    assert all((s.means == s.means[0]).all() for s in tied)
    claims.every_number_checked()


def test_6_remedy_k_means_plus_plus_breaks_no_tie():
    scenario, dataset, snaps = run("same-point", remedied=True)
    final = snaps[-1]
    claims = Claims(scenario.explanation)
    assert len({tuple(m) for m in snaps[0].means}) == scenario.config.n_components
    counts = composition(final.labels, dataset.labels, 5)
    assert all(len(cs) == 1 for cs in spanned(counts))
    assert final.converged
    assert final.mean_log_likelihood == pytest.approx(ideal_value(), abs=SAME_FIT)
    claims(f"gives every cluster its own Gaussian and converges at iteration "
           f"{final.iteration} at the ideal fit's {minus(ideal_value(), 2)} per point")
    claims.every_number_checked()


# ----------------------------------------------------------------------------- 7
def _moons_agreement(snap, truth):
    """Share of points whose Gaussian is their moon's, and whether the moons' majority
    Gaussians differ."""
    counts = composition(snap.labels, truth, 2)
    agree = max(counts[0, 0] + counts[1, 1], counts[0, 1] + counts[1, 0]) / len(truth)
    return agree, counts[:, 0].argmax() != counts[:, 1].argmax()


def _plateaus(snaps):
    """(first, last) iterations of every plateau (see the module docstring)."""
    flat = [abs(mean_change(snaps, t)) < PLATEAU_CHANGE for t in range(1, len(snaps))]
    found, start = [], None
    for t, is_flat in enumerate(flat + [False], start=1):
        if is_flat and start is None:
            start = t
        elif not is_flat and start is not None:
            if t - start >= PLATEAU_LENGTH:
                found.append((start, t - 1))
            start = None
    return found


def test_7_moons_first_take_a_crescent_each_then_the_likelihood_prefers_another_split():
    scenario, dataset, snaps = run("moons")
    final = snaps[-1]
    claims = Claims(scenario.explanation)
    truth = dataset.labels
    claims(f"Two interleaved half-moons, {WORDS[scenario.config.n_components]} Gaussians "
           "from a random start")

    def crescent_each(s):
        agree, distinct = _moons_agreement(s, truth)
        return agree >= CRESCENT_AGREEMENT and distinct

    assert crescent_each(snaps[0])
    end = next(s.iteration for s in snaps if not crescent_each(s)) - 1
    claims(f"At first each Gaussian takes one crescent (at least "
           f"{100 * CRESCENT_AGREEMENT:.0f} % of the points are with their own moon's "
           f"Gaussian until iteration {end}")
    even = min(snaps[: end + 1], key=lambda s: abs(s.nk[0] - s.nk[1]))
    held = sorted(float(v) for v in even.nk)
    claims(f"at iteration {even.iteration} the two hold {held[0]:.1f} and {held[1]:.1f} "
           f"points, {100 * _moons_agreement(even, truth)[0]:.0f} % from their own moon")
    # The split EM ends in: one Gaussian over a whole moon and part of the other.
    counts = composition(final.labels, truth, 2)
    big, small = int(np.argmax(final.nk)), int(np.argmin(final.nk))
    whole = int(counts[big].argmax())
    other = 1 - whole
    assert counts[big, whole] == (truth == whole).sum() and counts[small, whole] == 0
    claims(f"a Gaussian spread over a whole moon and {counts[big, other]} points of the "
           f"other, and a second on the rest of that moon ({counts[small, other]} points)")
    assert final.converged and final.log_likelihood > even.log_likelihood
    claims(f"the log-likelihood rises from {minus(even.log_likelihood, 1)} to "
           f"{minus(final.log_likelihood, 1)}")
    from sklearn.metrics import adjusted_rand_score
    from sklearn.mixture import GaussianMixture

    best = GaussianMixture(2, n_init=5, random_state=0, tol=1e-8, max_iter=2000)
    best.fit(dataset.X)
    assert best.score(dataset.X) * len(truth) == pytest.approx(final.log_likelihood,
                                                               abs=0.05)
    assert adjusted_rand_score(best.predict(dataset.X), final.labels) == 1.0
    claims("(scikit-learn's best of five starts finds the same)")
    plateaus = _plateaus(snaps)
    levels = [round(float(np.mean([s.log_likelihood for s in snaps[a : b + 1]])))
              for a, b in plateaus]
    claims(f"After {WORDS[len(plateaus)]} long plateaus (near "
           f"{' and '.join(minus(v, 0) for v in levels)}) EM converges only at iteration "
           f"{final.iteration}")
    claims.every_number_checked()


def test_7_remedy_more_components_tile_each_moon():
    scenario, dataset, snaps = run("moons", remedied=True)
    claims = Claims(scenario.explanation)
    k = scenario.config.n_components
    counts = composition(snaps[-1].labels, dataset.labels, k)
    assert (counts.max(axis=1) == counts.sum(axis=1)).all()  # each ellipse in one moon
    per_moon = np.bincount(counts.argmax(axis=1), minlength=2)
    assert per_moon[0] == per_moon[1]
    claims(f"{WORDS[k].capitalize()} Gaussians tile the crescents with small ellipses, "
           f"{WORDS[int(per_moon[0])]} per moon, every one inside a single moon")
    claims.every_number_checked()


# ----------------------------------------------------------------------------- checks
def test_a_changed_number_in_a_text_is_caught():
    # The checker itself: a text saying "two" where the run shows three fails.
    claims = Claims("One Gaussian spans two of the clusters.")
    with pytest.raises(AssertionError, match="does not say"):
        claims("One Gaussian spans three of the clusters")
    claims = Claims("It converges at iteration 50 after 3 moves.")
    claims("It converges at iteration 50")
    with pytest.raises(AssertionError, match="numbers no test checks"):
        claims.every_number_checked()
    assert sci(5.49e-6) == "5.5\u00b710\u207b\u2076"
    assert sci(9.9999999e-13) == "10\u207b\u00b9\u00b2" and sci(1e4) == "10\u2074"

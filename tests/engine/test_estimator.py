"""GaussianMixtureEM against scikit-learn's GaussianMixture, the reference."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.utils.estimator_checks import parametrize_with_checks

import gmm_viz
from gmm_viz import GaussianMixtureEM
from gmm_viz.engine.config import COVARIANCE_TYPES

FITTED = ("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_")


def blobs(seed, n_features, n=400):
    rng = np.random.RandomState(seed)
    centres = rng.uniform(-10, 10, size=(3, n_features))
    X = np.vstack([rng.normal(size=(n // 3, n_features)) * (1 + i) + c
                   for i, c in enumerate(centres)])
    return X * 3.0 + 50.0  # off-centre, not unit scale: standardisation must not show


def assert_close(ours, theirs):
    # relative 1e-8; an absolute floor at 1e-12 of the largest entry for values near zero
    # (off-diagonal covariances)
    atol = 1e-12 * np.abs(theirs).max()
    np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=atol)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("n_features", [1, 2, 3, 5])
@pytest.mark.parametrize("seed", [0, 1])
def test_same_parameters_as_sklearn_from_the_same_start(covariance_type, n_features, seed):
    X = blobs(seed, n_features)
    common = {"n_components": 3, "covariance_type": covariance_type, "random_state": seed,
                  "max_iter": 40, "tol": 1e-6}
    theirs = GaussianMixture(**common).fit(X)
    ours = GaussianMixtureEM(**common).fit(X)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.converged_ == theirs.converged_
    np.testing.assert_allclose(ours.lower_bounds_, theirs.lower_bounds_, rtol=1e-10)
    assert ours.lower_bound_ == pytest.approx(theirs.lower_bound_, rel=1e-10)
    for name in FITTED:
        assert_close(getattr(ours, name), getattr(theirs, name))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_same_as_sklearn_from_explicit_initial_parameters(covariance_type):
    X = blobs(3, 2)
    rng = np.random.RandomState(0)
    means = X[rng.choice(len(X), 3, replace=False)]
    precisions = {
        "full": np.array([np.eye(2) * 0.01] * 3),
        "tied": np.eye(2) * 0.01,
        "diag": np.full((3, 2), 0.01),
        "spherical": np.full(3, 0.01),
    }[covariance_type]
    common = {"n_components": 3, "covariance_type": covariance_type, "max_iter": 25, "tol": 0,
                  "means_init": means, "weights_init": [0.2, 0.3, 0.5], "precisions_init": precisions}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = GaussianMixture(**common).fit(X)
        ours = GaussianMixtureEM(**common).fit(X)
    assert ours.n_iter_ == theirs.n_iter_ == 25
    for name in FITTED:
        assert_close(getattr(ours, name), getattr(theirs, name))


@pytest.mark.parametrize("init_params", ["k-means++", "random", "random_from_data"])
def test_sklearn_initialisations_and_n_init_match(init_params):
    X = blobs(5, 2)
    common = {"n_components": 4, "init_params": init_params, "n_init": 3, "random_state": 11,
                  "max_iter": 200}
    theirs = GaussianMixture(**common).fit(X)
    ours = GaussianMixtureEM(**common).fit(X)
    assert ours.n_iter_ == theirs.n_iter_
    assert_close(ours.means_, theirs.means_)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


SKLEARN_INITS = ("kmeans", "k-means++", "random", "random_from_data")


def assert_same_lower_bounds(ours, theirs):
    """lower_bounds_ to 1e-10, but the first one of a one-point diag/spherical start.

    Started from one point each (k-means++, random_from_data), a component's variance is
    reg_covar alone. scikit-learn computes diag and spherical variances as raw moments in
    the user's units, ``x**2 / N_k - mu**2``, which leaves about ``10 eps x**2`` (1e-11
    here) on top of reg_covar = 1e-6: its first lower bound (about -1e7 per point) then
    carries ~1e-5 relative rounding. The engine gets reg_covar exactly (checked below),
    and everything after the first E-step agrees to 1e-10.
    """
    rtol = 1e-10
    if ours.init_params in ("k-means++", "random_from_data") and ours.covariance_type in (
            "diag", "spherical"):
        rtol = 1e-4
    assert ours.lower_bounds_[0] == pytest.approx(theirs.lower_bounds_[0], rel=rtol)
    np.testing.assert_allclose(ours.lower_bounds_[1:], theirs.lower_bounds_[1:], rtol=1e-10)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("init_params", SKLEARN_INITS)
@pytest.mark.parametrize("n_features", [1, 2, 3])
def test_every_initialisation_and_covariance_type_matches_sklearn(init_params,
                                                                  covariance_type,
                                                                  n_features):
    # k-means++ and random_from_data give one point per component: scikit-learn's tied
    # start then pools the whole data's second moment (about the origin), and its first
    # lower bound uses weights that sum to k / n_samples.
    X = blobs(7, n_features)
    common = {"n_components": 3, "covariance_type": covariance_type,
              "init_params": init_params, "random_state": 4, "max_iter": 30, "tol": 1e-6}
    theirs = GaussianMixture(**common).fit(X)
    ours = GaussianMixtureEM(**common).fit(X)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.converged_ == theirs.converged_
    assert_same_lower_bounds(ours, theirs)
    assert ours.lower_bound_ == pytest.approx(theirs.lower_bound_, rel=1e-10)
    for name in FITTED:
        assert_close(getattr(ours, name), getattr(theirs, name))
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("init_params", SKLEARN_INITS)
def test_first_iteration_matches_sklearn_for_every_initialisation(init_params,
                                                                  covariance_type):
    X = blobs(8, 2)
    common = {"n_components": 4, "covariance_type": covariance_type,
              "init_params": init_params, "random_state": 0, "max_iter": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs = GaussianMixture(**common).fit(X)
        ours = GaussianMixtureEM(**common).fit(X)
        model = GaussianMixtureEM(record_history=True, **common).fit(X)
    assert_same_lower_bounds(ours, theirs)
    for name in FITTED:
        assert_close(getattr(ours, name), getattr(theirs, name))
    # iteration 0 itself: scikit-learn's start, with weights that are proportions
    start = model.history_[0]
    assert start.weights.sum() == pytest.approx(1.0, abs=1e-12)
    reference = GaussianMixture(**common)
    reference._initialize_parameters(X, np.random.RandomState(0))
    np.testing.assert_allclose(start.weights, reference.weights_ / reference.weights_.sum(),
                               rtol=1e-12)
    assert_close(start.means, reference.means_)
    if init_params in ("k-means++", "random_from_data") and covariance_type != "tied":
        # one point per component: the variance is reg_covar, exactly
        np.testing.assert_allclose(np.einsum("kii->ki", start.covariances), 1e-6, rtol=1e-9)
    else:
        from gmm_viz.engine.covariance import to_sklearn_covariances

        assert_close(to_sklearn_covariances(np.array(start.covariances), covariance_type),
                     reference.covariances_)


def test_scores_bic_aic_and_labels_match_sklearn():
    X = blobs(2, 2)
    theirs = GaussianMixture(3, random_state=0).fit(X)
    ours = GaussianMixtureEM(3, random_state=0).fit(X)
    assert ours.bic(X) == pytest.approx(theirs.bic(X), rel=1e-10)
    assert ours.aic(X) == pytest.approx(theirs.aic(X), rel=1e-10)
    assert ours.score(X) == pytest.approx(theirs.score(X), rel=1e-10)
    np.testing.assert_array_equal(ours.fit_predict(X), theirs.fit_predict(X))
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-9)


def test_to_sklearn_predicts_the_same():
    X = blobs(4, 3)
    ours = GaussianMixtureEM(3, covariance_type="diag", random_state=0).fit(X)
    theirs = ours.to_sklearn()
    assert type(theirs) is GaussianMixture
    np.testing.assert_array_equal(theirs.predict(X), ours.predict(X))
    np.testing.assert_allclose(theirs.score_samples(X), ours.score_samples(X))
    samples, _labels = theirs.sample(10)
    assert samples.shape == (10, 3)


def test_is_importable_from_the_package_top_level():
    assert gmm_viz.GaussianMixtureEM is GaussianMixtureEM


def test_history_holds_every_iteration():
    X = blobs(0, 2)
    model = GaussianMixtureEM(3, random_state=0, record_history=True, tol=1e-3,
                              max_iter=30).fit(X)
    history = model.history_
    assert [s.iteration for s in history] == list(range(model.n_iter_ + 1))
    np.testing.assert_allclose(history[-1].means, model.means_)
    # iteration n of scikit-learn records the log-likelihood of the parameters entering it
    np.testing.assert_allclose([s.mean_log_likelihood for s in history[:-1]],
                               model.lower_bounds_)
    assert all(s.labels is None for s in history)


def test_singularity_rule_in_the_estimator_records_events():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(size=(200, 2)) * 3, np.tile([[6.0, 6.0]], (5, 1))])
    model = GaussianMixtureEM(2, means_init=[[0, 0], [6, 6]], weights_init=[0.9, 0.1],
                              precisions_init=[np.eye(2) / 9, np.eye(2) * 4],
                              singularity_rule="det", max_iter=20, tol=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
    assert model.singularity_events_
    assert np.isfinite(model.covariances_).all()


def test_warm_start_continues():
    X = blobs(1, 2)
    model = GaussianMixtureEM(3, warm_start=True, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X)
        first = model.lower_bound_
        model.fit(X)
    assert model.lower_bound_ >= first


@parametrize_with_checks([GaussianMixtureEM()])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("n_features", [1, 2, 4])
def test_parameter_count_matches_sklearn(covariance_type, n_features):
    from gmm_viz.engine.covariance import n_parameters

    model = GaussianMixture(4, covariance_type=covariance_type).fit(blobs(0, n_features))
    assert n_parameters(4, n_features, covariance_type) == model._n_parameters()


@pytest.mark.parametrize("scale, reg_covar, words", [
    (1e20, 1e-6, "exceed"),   # covariances ~1e40: beyond float32's 3.4e38
    (1e30, 1e-6, "exceed"),
    (1e-25, 0.0, "exceed"),   # variances ~1e-50, precisions ~1e50
])
def test_float32_input_beyond_its_range_is_refused_with_a_hint(scale, reg_covar, words):
    X = (blobs(0, 2) * scale).astype(np.float32)
    model = GaussianMixtureEM(2, random_state=0, reg_covar=reg_covar)
    with pytest.raises(ValueError, match="float32") as caught:
        model.fit(X)
    assert words in str(caught.value) and "X.astype(np.float64)" in str(caught.value)
    assert not hasattr(model, "covariances_")  # nothing half-fitted is left
    # the same data in float64 fit, with finite parameters
    model.fit(X.astype(np.float64))
    for name in FITTED:
        assert np.isfinite(getattr(model, name)).all(), name


@pytest.mark.parametrize("scale", [1e15, 1e-15, 1.0])
def test_float32_input_within_its_range_keeps_float32(scale):
    X = (blobs(0, 2) * scale).astype(np.float32)
    model = GaussianMixtureEM(2, random_state=0, reg_covar=1e-6 * scale**2).fit(X)
    for name in FITTED:
        value = getattr(model, name)
        assert value.dtype == np.float32 and np.isfinite(value).all(), name


# --- scikit-learn's behaviour at the edges ----------------------------------------------


def two_points_repeated():
    """10 points in 5-D, only 2 distinct (scikit-learn's test_regularisation data)."""
    return np.vstack((np.ones((5, 5)), np.zeros((5, 5))))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_fewer_distinct_points_than_components_fit_with_reg_covar(covariance_type):
    X = two_points_repeated()
    common = {"n_components": 10, "covariance_type": covariance_type, "random_state": 0}
    theirs = GaussianMixture(**common).fit(X)
    ours = GaussianMixtureEM(**common).fit(X)
    assert ours.n_iter_ == theirs.n_iter_
    for name in FITTED:
        assert np.isfinite(getattr(ours, name)).all(), name
    np.testing.assert_allclose(ours.weights_, theirs.weights_, atol=1e-12)
    # The 8 empty components hold no point: scikit-learn puts their means at the user's
    # origin (0 / 10 eps), the engine at the data's centre. Only the others are compared.
    held = theirs.weights_ > 1e-6
    assert held.sum() == 2
    np.testing.assert_allclose(ours.means_[held], theirs.means_[held], atol=1e-12)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


ILL_DEFINED = "ill-defined empirical covariance"


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_collapsed_components_without_reg_covar_raise_sklearns_error(covariance_type):
    model = GaussianMixtureEM(10, covariance_type=covariance_type, reg_covar=0,
                              random_state=0)
    with pytest.raises(ValueError, match=ILL_DEFINED):
        model.fit(two_points_repeated())
    with pytest.raises(ValueError, match="passing float64 data instead of float32"):
        model.fit(two_points_repeated().astype(np.float32))


@pytest.mark.parametrize("covariance_type", ["full", "tied"])
@pytest.mark.parametrize("seed", [1, 2])
def test_collinear_data_without_reg_covar_raise_as_in_sklearn(covariance_type, seed):
    t = np.random.RandomState(seed).normal(size=200)
    X = np.c_[t, 2 * t + 1]  # on a line: every covariance is singular
    common = {"n_components": 2, "covariance_type": covariance_type, "reg_covar": 0,
              "random_state": seed}
    with pytest.raises(ValueError, match=ILL_DEFINED):
        GaussianMixture(**common).fit(X)
    with pytest.raises(ValueError, match=ILL_DEFINED):
        GaussianMixtureEM(**common).fit(X)


def test_the_app_engine_keeps_its_clear_refusal_of_k_above_the_distinct_points():
    from gmm_viz.data import DataError
    from gmm_viz.engine import EMConfig, EMEngine

    with pytest.raises(DataError, match="distinct points"):
        EMEngine(two_points_repeated(), EMConfig(n_components=3))


@pytest.mark.parametrize("verbose", [1, 2])
def test_verbose_prints_what_sklearn_prints(verbose, capsys):
    import re

    X = blobs(0, 2)
    common = {"n_components": 3, "n_init": 2, "random_state": 0, "verbose": verbose,
              "verbose_interval": 1}
    GaussianMixture(**common).fit(X)
    theirs = capsys.readouterr().out
    GaussianMixtureEM(**common).fit(X)
    ours = capsys.readouterr().out

    def without_times(text):
        return re.sub(r"time lapse [0-9.]+s", "time lapse _s", text)

    assert "Iteration 1" in ours and "Initialization 1" in ours
    assert without_times(ours) == without_times(theirs)


@pytest.mark.parametrize("changes, message", [
    ({"weights_init": [[0.5], [0.5]]}, "The parameter 'weights' should have the shape"),
    ({"weights_init": [0.7, 0.7]}, "The parameter 'weights' should be normalized"),
    ({"means_init": np.zeros((3, 2))}, "The parameter 'means' should have the shape"),
    ({"precisions_init": -np.ones((2, 2, 2))}, "'full precision' should be symmetric"),
])
def test_initial_parameters_are_checked_with_sklearns_messages(changes, message):
    model = GaussianMixtureEM(2, **changes)
    with pytest.raises(ValueError, match=message):
        model.fit(blobs(0, 2))

"""gmm_viz.run.agreement: the ARI against scikit-learn, the sentence, the matching of true
classes to components and the truth colours."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from gmm_viz.data import make_dataset
from gmm_viz.palette import component_colors
from gmm_viz.run.agreement import (
    ARI_EXPLANATION,
    adjusted_rand_index,
    agreement_text,
    class_colour_indices,
    contingency,
    truth_colours,
)


@pytest.mark.parametrize("seed", range(5))
def test_ari_is_scikit_learns(seed):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, 300)
    fitted = np.where(rng.random(300) < 0.7, truth, rng.integers(0, 6, 300))
    ari = adjusted_rand_index(truth, fitted)
    assert isinstance(ari, float)
    assert ari == adjusted_rand_score(truth, fitted)
    assert 0.2 < ari < 1.0


def test_ari_ignores_the_numbering_and_sees_chance():
    truth = np.repeat([0, 1, 2], 50)
    assert adjusted_rand_index(truth, (truth + 1) % 3) == 1.0
    rng = np.random.default_rng(0)
    assert abs(adjusted_rand_index(truth, rng.integers(0, 3, 150))) < 0.05


def test_ari_of_the_engine_fit_on_iris():
    from gmm_viz.engine.estimator import GaussianMixtureEM

    ds = make_dataset("iris")
    fitted = GaussianMixtureEM(n_components=3, random_state=0).fit(ds.X).predict(ds.X)
    assert adjusted_rand_index(ds.labels, fitted) == adjusted_rand_score(ds.labels, fitted)


@pytest.mark.parametrize(("truth", "fitted", "match"), [
    (np.zeros(4, int), np.zeros(3, int), r"shape \(4,\)"),
    (np.zeros((2, 2), int), np.zeros(4, int), "shape"),
    (np.zeros(4), np.zeros(4, int), "integers"),
    (np.array([0, -1, 0, 1]), np.zeros(4, int), "codes 0, 1"),
])
def test_ari_refuses_what_is_not_two_labellings(truth, fitted, match):
    with pytest.raises(ValueError, match=match):
        adjusted_rand_index(truth, fitted)


@pytest.mark.parametrize(("ari", "source", "text"), [
    (0.9449, "column 'species'", "Agreement with the true labels (column 'species'): ARI 0.94"),
    (1.0, "", "Agreement with the true labels: ARI 1 (the same groups)"),
    (0.996, "", "Agreement with the true labels: ARI 0.996"),  # never a 1.00 that is not
    (0.99996, "", "Agreement with the true labels: ARI 0.999+"),
    (-0.001, "", "Agreement with the true labels: ARI 0.00"),
    (-0.25, "", "Agreement with the true labels: ARI -0.25"),
])
def test_agreement_text(ari, source, text):
    assert agreement_text(ari, source) == text


def test_agreement_text_is_empty_without_an_ari_and_refuses_nan():
    assert agreement_text(None) == ""
    with pytest.raises(ValueError):
        agreement_text(float("nan"))
    assert "1 when they make the same groups" in ARI_EXPLANATION


def test_contingency_counts_points_per_class_and_component():
    truth = np.array([0, 0, 1, 1, 1, 2])
    fitted = np.array([1, 1, 0, 0, 1, 0])
    counts = contingency(truth, fitted, 3, 2)
    assert counts.dtype == np.int64 and counts.shape == (3, 2)
    np.testing.assert_array_equal(counts, [[0, 2], [2, 1], [1, 0]])
    with pytest.raises(ValueError, match="below"):
        contingency(truth, fitted, 2, 2)


def test_matching_is_right_on_a_permuted_labelling():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 5, 400)
    permutation = np.array([3, 0, 4, 1, 2])  # class c is component permutation[c]
    fitted = permutation[truth]
    noisy = fitted.copy()
    flip = rng.random(400) < 0.15
    noisy[flip] = rng.integers(0, 5, flip.sum())
    for labels in (fitted, noisy):
        indices = class_colour_indices(truth, 5, labels, 5)
        assert indices.dtype == np.int64 and indices.shape == (5,)
        np.testing.assert_array_equal(indices, permutation)


def test_matching_with_more_classes_than_components_gives_the_rest_unused_colours():
    truth = np.repeat([0, 1, 2, 3], 10)
    fitted = np.repeat([1, 1, 0, 0], 10)
    fitted[10:20] = 0  # class 1 sits in component 0 too
    fitted[20:30] = 1  # and class 2 in component 1
    indices = class_colour_indices(truth, 4, fitted, 2)
    assert sorted(indices.tolist()) == [0, 1, 2, 3]
    assert set(indices[indices < 2].tolist()) == {0, 1}  # two classes have a component
    assert len(set(indices.tolist())) == 4


def test_more_components_than_classes_each_class_gets_the_component_with_most_of_it():
    truth = np.repeat([0, 1], 20)
    fitted = np.concatenate([np.full(15, 3), np.full(5, 0), np.full(12, 1), np.full(8, 2)])
    np.testing.assert_array_equal(class_colour_indices(truth, 2, fitted, 4), [3, 1])


def test_without_a_fit_class_c_takes_colour_c():
    np.testing.assert_array_equal(class_colour_indices([0, 2, 1], 3), [0, 1, 2])
    with pytest.raises(ValueError, match="below n_classes"):
        class_colour_indices([0, 3], 3)


def test_truth_colours_use_the_palette_and_match_the_fits_colours():
    truth = np.repeat([0, 1, 2], 4)
    fitted = np.repeat([2, 0, 1], 4)
    colours = truth_colours(truth, 3, fitted, 3)
    assert colours.dtype == np.uint8 and colours.shape == (12, 3)
    # Colour by truth == colour by fit (the canvas's component colours) for a match.
    np.testing.assert_array_equal(colours, component_colors(3)[fitted])
    plain = truth_colours(truth, 3)
    np.testing.assert_array_equal(plain, component_colors(3)[truth])


def test_truth_colours_of_a_built_in_data_set():
    ds = make_dataset("blobs")
    colours = truth_colours(ds.labels, ds.n_classes)
    assert colours.shape == (ds.n_samples, 3)
    assert len(np.unique(colours, axis=0)) == ds.n_classes

"""scikit-learn's own Gaussian mixture tests, run against GaussianMixtureEM.

scikit-learn ships ``sklearn/mixture/tests/test_gaussian_mixture.py``. It is run here in
a child pytest (so its fixtures, marks and parametrisations are scikit-learn's own, from
``sklearn/conftest.py``) with the module's ``GaussianMixture`` name replaced by a subclass
of :class:`GaussianMixtureEM` named ``GaussianMixture`` (its messages name the class:
"This GaussianMixture instance is not fitted yet"). Skipped when scikit-learn was
installed without its tests.

What cannot apply, and why, is listed in CANNOT_APPLY; everything else must pass.
"""

import importlib.util
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

MODULE = "sklearn.mixture.tests.test_gaussian_mixture"

#: scikit-learn tests that cannot apply to GaussianMixtureEM, with the reason.
CANNOT_APPLY = {
    "test_gaussian_mixture_all_init_does_not_estimate_gaussian_parameters": (
        "counts calls of scikit-learn's private M-step function "
        "_estimate_gaussian_parameters; the engine's M-step is its own kernel and never "
        "calls it"
    ),
}

#: Skips that come from what is installed here, not from the estimator.
ENVIRONMENT_SKIPS = ("array_api", "array api", "SCIPY_ARRAY_API", "torch", "cupy")

PLUGIN = '''
import pytest
from gmm_viz import GaussianMixtureEM


class GaussianMixture(GaussianMixtureEM):
    """GaussianMixtureEM under scikit-learn's name (its messages name the class)."""


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    if getattr(item, "module", None) is not None and hasattr(item.module, "GaussianMixture"):
        item.module.GaussianMixture = GaussianMixture
'''


def sklearn_test_file():
    spec = importlib.util.find_spec(MODULE)
    if spec is None or spec.origin is None:
        pytest.skip("scikit-learn is installed without its test modules")
    return Path(spec.origin)


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Run scikit-learn's module once; {test id: (outcome, message)}."""
    test_file = sklearn_test_file()
    folder = tmp_path_factory.mktemp("sklearn_suite")
    (folder / "gmm_viz_as_sklearn.py").write_text(PLUGIN, encoding="utf-8")
    report = folder / "report.xml"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(folder), os.environ.get("PYTHONPATH", "")]).strip(os.pathsep),
        SKLEARN_RUN_FLOAT32_TESTS="1", PYTHONDONTWRITEBYTECODE="1")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "-p", "gmm_viz_as_sklearn", f"--rootdir={folder}", f"--junitxml={report}",
         "-W", "ignore::DeprecationWarning", str(test_file)],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    if not report.exists():
        pytest.fail(f"scikit-learn's tests did not run:\n{result.stdout}\n{result.stderr}")
    found = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for child in case:
            if child.tag in ("failure", "error", "skipped"):
                outcome = {"failure": "failed", "error": "error"}.get(child.tag, "skipped")
                message = child.get("message", "")
        found[case.get("name")] = (outcome, message)
    return found


def base_name(test_id):
    return test_id.split("[", 1)[0]


def test_sklearn_suite_ran_against_the_engine(outcomes):
    passed = [t for t, (o, _) in outcomes.items() if o == "passed"]
    assert len(passed) >= 70  # 76 with scikit-learn 1.9.1
    assert any(base_name(t) == "test_regularisation" for t in passed)
    assert any(base_name(t) == "test_gaussian_mixture_verbose" for t in passed)


def test_every_applicable_sklearn_test_passes(outcomes):
    problems = []
    for test_id, (outcome, message) in sorted(outcomes.items()):
        if base_name(test_id) in CANNOT_APPLY:
            continue
        if outcome == "skipped" and any(word in message for word in ENVIRONMENT_SKIPS):
            continue
        if outcome != "passed":
            problems.append(f"{test_id}: {outcome}: {message[:300]}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", sorted(CANNOT_APPLY))
def test_what_cannot_apply_is_still_in_sklearns_suite(outcomes, name):
    # If scikit-learn drops or renames one, this list must follow.
    assert any(base_name(t) == name for t in outcomes), CANNOT_APPLY[name]

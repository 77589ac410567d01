"""The licence: an SPDX expression in pyproject.toml (PEP 639) and the LICENSE file shipped."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_license_is_an_spdx_expression_with_its_file():
    config = _project()
    project = config["project"]
    # A table ({text = "MIT"}) is deprecated by setuptools (builds stop in 2027).
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert not any(c.startswith("License ::") for c in project.get("classifiers", []))
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 the gmm-viz developers" in text
    assert "WITHOUT WARRANTY OF ANY KIND" in text


def test_the_build_backend_understands_spdx_licenses():
    requires = _project()["build-system"]["requires"]
    setuptools = [r for r in requires if r.replace(" ", "").startswith("setuptools")]
    assert setuptools, requires
    minimum = setuptools[0].split(">=")[1]
    assert tuple(int(part) for part in minimum.split(".")[:1]) >= (77,)  # PEP 639 support

"""What `pip install .` puts on a user's machine: every package and the shipped data.

The tests import the source tree (pytest's pythonpath), so a module that the wheel leaves
out would still pass them; these checks look at what the build configuration includes.
"""

import tomllib
from pathlib import Path

import gmm_viz

ROOT = Path(gmm_viz.__file__).resolve().parent.parent


def test_every_folder_with_python_code_is_a_package():
    # setuptools' find_packages skips folders without __init__.py (it once dropped gui/)
    for folder in (ROOT / "gmm_viz").rglob("*"):
        if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py")):
            assert (folder / "__init__.py").exists(), f"{folder} has no __init__.py"


def test_shipped_data_is_declared_as_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["gmm_viz.data"]
    data_files = list((ROOT / "gmm_viz" / "data").glob("*.csv"))
    assert data_files, "faithful.csv is missing from gmm_viz/data"
    for path in data_files:
        assert any(path.match(p) for p in patterns), f"{path.name} would not be installed"


def test_console_script_points_at_the_cli():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert config["project"]["scripts"]["gmm-viz"] == "gmm_viz.cli:main"
    from gmm_viz.cli import main

    assert callable(main)

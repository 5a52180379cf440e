"""The domain layer stands alone: nothing under geo/ imports streamlit or components, even in a function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("streamlit", "streamlit_folium", "components")


def forbidden_imports(path: Path) -> list[str]:
    """Every import of a UI package in ``path``, as ``"line: module"`` (any depth: functions, branches)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            modules = [node.args[0].value]
        else:
            continue
        found += [f"{node.lineno}: {m}" for m in modules if m.split(".")[0] in FORBIDDEN]
    return found


GEO_MODULES = sorted((ROOT / "geo").rglob("*.py"))


def test_geo_has_modules():
    assert len(GEO_MODULES) > 20
    assert ROOT / "geo" / "cli" / "commands.py" in GEO_MODULES


@pytest.mark.parametrize("path", GEO_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_geo_never_imports_the_ui(path):
    assert forbidden_imports(path) == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("import streamlit as st\n", ["1: streamlit"]),
        ("def f():\n    from components.i18n import t\n    return t\n", ["2: components.i18n"]),
        ("if True:\n    import os, streamlit_folium\n", ["2: streamlit_folium"]),
        ("import importlib\nimportlib.import_module('streamlit')\n", ["2: streamlit"]),
        ("from geo import data\nimport streamlitish\nfrom . import components\n", []),
    ],
)
def test_checker_catches_a_planted_import(tmp_path, code, expected):
    planted = tmp_path / "planted.py"
    planted.write_text(code, encoding="utf-8")
    assert forbidden_imports(planted) == expected


def test_every_geo_module_says_what_it_is_for():
    missing = []
    for path in GEO_MODULES:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        if not doc or not doc.splitlines()[0].rstrip().endswith("."):
            missing.append(str(path.relative_to(ROOT)))
    assert missing == []


@pytest.mark.parametrize("folder", ["geo", "components"])
def test_modules_stay_small(folder):
    big = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / folder).rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 520
    }
    assert big == {}


def test_every_package_is_installed_with_its_data():
    # A plain `pip install .` ships only the packages listed; a forgotten sub-package breaks imports.
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("geo", "components")
        for p in (ROOT / top).rglob("__init__.py")
    }
    assert set(config["packages"]) == found
    assert config["package-data"]["geo.i18n"] == ["*.toml"]

"""Developer sessions: ``nox -s tests`` (default suite), ``lint``, ``slow``, ``docs``.

Sessions use pip in virtualenvs. torch comes from ``GANZOO_TORCH_SPEC`` (default
``torch==2.13.0``, a CPU build that pip takes from local disk on our machines); set it to
``torch`` or a CUDA wheel spec to test against another build. The core and every distribution
in ``plugins/`` are installed editable, like the README's Quickstart does.

torch is resolved in the same pip call as the project, never in a call of its own before it:
a later call resolves torch-fidelity's torchvision to its newest release, which pins a newer
torch, and pip would replace the pinned CPU build with a multi-GB CUDA one.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
PLUGINS = sorted(str(p.parent.relative_to(ROOT)) for p in (ROOT / "plugins").glob("*/pyproject.toml"))
TORCH = os.environ.get("GANZOO_TORCH_SPEC", "torch==2.13.0")


def _install_project(session: nox.Session, *groups: str) -> None:
    editable = ["-e", "."]
    for plugin in PLUGINS:
        editable += ["-e", plugin]
    deps = [dep for group in groups for dep in nox.project.dependency_groups(PYPROJECT, group)]
    session.install(TORCH, *editable, *deps)


def _test_paths() -> list[str]:
    return ["tests", *(f"{p}/tests" for p in PLUGINS if (ROOT / p / "tests").is_dir())]


@nox.session
def tests(session: nox.Session) -> None:
    """Default test suite (fast; slow tests excluded) for the core and every plugin."""
    _install_project(session, "test")
    session.run("pytest", "-m", "not slow", *_test_paths(), *session.posargs, env={"OMP_NUM_THREADS": "2"})


@nox.session(default=False)
def slow(session: nox.Session) -> None:
    """Only the slow tests (longer training runs, end-to-end checks)."""
    _install_project(session, "test")
    session.run("pytest", "-m", "slow", *_test_paths(), *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff on the core, the plugins, tests and benchmarks."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", "ganzoo", "tests", "plugins", "examples", "scripts", "benchmarks", "noxfile.py", *session.posargs)


@nox.session(default=False)
def docs(session: nox.Session) -> None:
    """Build the documentation site strictly (warnings are errors), then fail on any reST role
    that the site shows as literal text (``:class:`` before a name)."""
    _install_project(session, "docs")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site", *session.posargs)
    session.run("python", "scripts/convert_rest_roles.py", "--check-site", "site")

"""Helpers for the docs tests: the repository's paths, the gen scripts, a stdlib wheel builder.

The wheel builder needs no build backend (a fresh nox environment may lack setuptools): it
zips a pure-Python ``src/`` layout project into a valid wheel from its ``pyproject.toml``.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import sys
import tomllib
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@pytest.fixture
def gen_script() -> Iterator[Callable[[str], ModuleType]]:
    """Import a ``scripts/gen_*.py`` module by name (they are run by mkdocs, not installed)."""
    sys.path.insert(0, str(SCRIPTS))
    try:
        yield importlib.import_module
    finally:
        sys.path.remove(str(SCRIPTS))


@pytest.fixture(scope="session")
def wheel_builder() -> Callable[[Path, Path], Path]:
    """:func:`build_wheel`, for tests (test modules cannot import conftest under importlib mode)."""
    return build_wheel


def build_wheel(project: Path, out_dir: Path) -> Path:
    """Zip ``project`` (src layout, pure Python) into a wheel with its metadata and entry points."""
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    name, version = meta["name"], meta["version"]
    stem = name.replace("-", "_")
    info = f"{stem}-{version}.dist-info"
    files: dict[str, bytes] = {}
    src = project / "src"
    for path in sorted(src.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            files[path.relative_to(src).as_posix()] = path.read_bytes()
    requires = "".join(f"Requires-Dist: {dep}\n" for dep in meta.get("dependencies", []))
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{requires}".encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: ganzoo-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    groups = meta.get("entry-points", {})
    files[f"{info}/entry_points.txt"] = "".join(
        f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in entries.items()) + "\n"
        for group, entries in groups.items()
    ).encode()
    record = [
        f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}"
        for n, data in files.items()
    ]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    wheel = out_dir / f"{stem}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in files.items():
            zf.writestr(n, data)
    return wheel

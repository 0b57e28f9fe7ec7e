"""scripts/convert_rest_roles.py: reST roles become mkdocstrings cross-references or code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

SAMPLE = '''"""Module text: :class:`~ganzoo.data.spec.DataSpec`, :func:`read_run`, :mod:`ganzoo.report.figures`."""

#: A comment keeps :class:`RunData` as code.


class Row:
    """Uses :meth:`label`, :func:`_private`, :class:`pathlib.Path` and :data:`PROTOCOL_KEYS`."""

    @property
    def label(self) -> str:
        return ""
'''


@pytest.fixture
def script(gen_script: Callable[[str], ModuleType]) -> ModuleType:
    return gen_script("convert_rest_roles")


def test_roles_become_cross_references_or_code(script: ModuleType) -> None:
    resolver = script.Resolver(script.sources(), script.rendered_modules())
    out = script.convert_text(SAMPLE, "ganzoo.report.compare", resolver)
    assert "[`DataSpec`][ganzoo.data.spec.DataSpec]" in out  # ~ shows the last part
    assert "[`read_run`][ganzoo.report.rundata.read_run]" in out  # an import, followed to its module
    assert "[`ganzoo.report.figures`][ganzoo.report.figures]" in out
    assert "#: A comment keeps `RunData` as code." in out  # comments are not rendered as Markdown
    assert "[`label`][ganzoo.report.compare.Row.label]" in out  # a method of the docstring's class
    assert "`_private`" in out and "`pathlib.Path`" in out  # private or not on this site: code
    assert "[`PROTOCOL_KEYS`][ganzoo.report.compare.PROTOCOL_KEYS]" in out
    assert not script.ROLE.search(out)
    assert script.convert_text(out, "ganzoo.report.compare", resolver) == out  # idempotent


def test_without_a_module_every_role_is_code(script: ModuleType) -> None:
    assert script.convert_text(":mod:`${package}.plugin` and :class:`X`", None, None) == "`${package}.plugin` and `X`"


def test_site_check_finds_literal_roles(script: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.html").write_text("<p>Parameters (:class:<code>~x.Config</code>): ...</p>")
    (tmp_path / "b.html").write_text('<p><a href="#x"><code>Config</code></a></p>')
    found = script.literal_roles_in_site(tmp_path)
    assert [page.name for page, _ in found] == ["index.html"]
    assert script.main(["--check-site", str(tmp_path)]) == 1


def test_no_role_is_left_in_the_sources(script: ModuleType) -> None:
    """Docstrings are Markdown here: a role would show as literal ``:class:`` text on the site.
    ``python scripts/convert_rest_roles.py`` converts the Python-domain ones a change brings back."""
    left = [f"{path}:{line}: {role}" for path, line, role in script.remaining_roles()]
    assert left == [], "reST roles left (run scripts/convert_rest_roles.py):\n" + "\n".join(left)

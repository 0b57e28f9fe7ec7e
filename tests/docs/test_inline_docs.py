"""What the Markdown sources hold inline — example listings, key tables — matches the code.

The pages must read fully as plain Markdown (GitHub, an editor), so nothing a reader needs may
come from a snippet include or only from a generated page; ``scripts/gen_inline_docs.py``
rewrites the inline copies and these tests fail when one drifts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from ganzoo.metrics.configs import EvalConfig
from ganzoo.registry.config import TrainConfig

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "examples/ganzoo-example-plugin"
FIX = "run `python scripts/gen_inline_docs.py` to update it"


@pytest.fixture
def gen(gen_script: Callable[[str], ModuleType]) -> ModuleType:
    return gen_script("gen_inline_docs")


def test_no_page_uses_snippet_includes() -> None:
    pages = [p for p in (ROOT / "docs").rglob("*.md") if "--8<--" in p.read_text()]
    assert not pages, f"snippet includes are invisible in plain Markdown: {pages}"


@pytest.mark.parametrize("page", ["docs/plugins/tutorial.md", "docs/plugins/testing.md"])
def test_every_listing_matches_its_example_file(gen: ModuleType, page: str) -> None:
    found = gen.listings((ROOT / page).read_text())
    assert found, f"{page} has no marked listings"
    for source, body in found:
        assert source.startswith(f"{EXAMPLE}/"), f"{page}: listing of {source} is outside the example plugin"
        expected = gen.normalise((ROOT / source).read_text())
        assert gen.normalise(body) == expected, f"{page}: the listing of {source} differs from the file; {FIX}"


def test_tutorial_lists_every_file_of_the_example(gen: ModuleType) -> None:
    listed = {source for source, _ in gen.listings((ROOT / "docs/plugins/tutorial.md").read_text())}
    example = ROOT / EXAMPLE
    files = {
        f"{EXAMPLE}/{p.relative_to(example).as_posix()}"
        for p in [*example.glob("src/*/*.py"), *example.glob("tests/*.py"), example / "pyproject.toml"]
        if p.name != "__init__.py"
    }
    assert files - listed == set(), "the tutorial lacks listings of these example files"


def test_a_drifted_listing_is_detected(gen: ModuleType) -> None:
    text = (ROOT / "docs/plugins/tutorial.md").read_text()
    drifted = text.replace("latent_dim: PositiveInt = Field(8,", "latent_dim: PositiveInt = Field(16,", 1)
    assert drifted != text
    assert gen.render(drifted) == text


@pytest.mark.parametrize("page", ["docs/plugins/tutorial.md", "docs/plugins/testing.md", "docs/guide/experiment.md"])
def test_pages_are_up_to_date(gen: ModuleType, page: str) -> None:
    assert page in gen.PAGES
    text = (ROOT / page).read_text()
    assert gen.render(text) == text, f"{page} is stale; {FIX}"


@pytest.mark.parametrize(("key", "model"), [("train-keys", TrainConfig), ("eval-keys", EvalConfig)])
def test_experiment_guide_lists_every_key_with_default_and_meaning(gen: ModuleType, key: str, model: type) -> None:
    regions = dict(gen.regions((ROOT / "docs/guide/experiment.md").read_text()))
    rows = {row.split("|")[1].strip(" `"): row for row in regions[key].splitlines() if row.startswith("| `")}
    assert set(rows) == set(model.model_fields), f"{key}: keys differ from {model.__name__}; {FIX}"
    for name, row in rows.items():
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        assert len(cells) == 4 and cells[2] and cells[3], f"{key}: {name} lacks a default or a meaning: {row}"


def test_every_config_key_has_a_description() -> None:
    undescribed = [
        f"{model.__name__}.{name}"
        for model in (TrainConfig, EvalConfig)
        for name, field in model.model_fields.items()
        if not field.description
    ]
    assert not undescribed, f"describe these fields (Field(description=...)): {undescribed}"

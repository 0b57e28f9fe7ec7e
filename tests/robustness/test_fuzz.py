"""Property-based fuzzing (hypothesis) of the experiment loader and the CSV readers: whatever the
input, the result is a value or a one-line GanzooError, never another exception."""

from __future__ import annotations

import copy
import math
import tempfile
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganzoo.data.csv import CsvFile
from ganzoo.experiment.build import validate_experiment
from ganzoo.experiment.load import apply_override, parse_override, read_experiment
from ganzoo.registry.errors import GanzooError

from .conftest import RING

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Values a user might type: every TOML type, edge numbers, text that looks like other things.
scalars = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["", "nan", "inf", "-1", "1e39", "dcgan", "adam", "cpu", "../..", "\x00"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                      max_leaves=6)
#: Where in the experiment: real keys (so validation goes deep) and made-up ones.
paths = st.sampled_from([
    "name", "generator", "generator.name", "generator.params", "generator.params.hidden",
    "generator.params.latent_dim", "discriminator.params.dropout", "dataset.name", "dataset.params.n",
    "dataset.params.std", "losses", "losses.0", "losses.0.name", "losses.0.weight", "losses.0.params",
    "train", "train.steps", "train.epochs", "train.batch_size", "train.lr", "train.betas", "train.optimizer",
    "train.schedule", "train.schedule.kind", "train.ema", "train.ema.decay", "train.device", "train.nonfinite",
    "train.generator_optimizer.lr", "eval", "extra", "train.extra",
])


def _one_line(err: BaseException) -> None:
    assert isinstance(err, GanzooError), f"{type(err).__name__}: {err}"
    assert "\n" not in str(err).strip(), str(err)


def _edit(raw: dict[str, Any], path: str, value: Any) -> None:
    node: Any = raw
    *parents, last = path.split(".")
    for part in parents:
        if isinstance(node, list):
            if not node:
                return
            node = node[0]
        elif isinstance(node, dict):
            node = node.setdefault(part, {})
        else:
            return
        if not isinstance(node, (dict, list)):
            return
    if isinstance(node, dict):
        node[last] = value
    elif node:
        node[0] = value


@pytest.fixture(scope="module")
def registry(pristine_run: Path) -> Any:
    from ganzoo.plugins.manager import reset_manager

    from .conftest import load_toys

    manager = reset_manager(plugins=[("ganzoo-engine-toys", load_toys())])
    yield manager.registry
    reset_manager()


@FUZZ
@given(edits=st.lists(st.tuples(paths, values), min_size=1, max_size=4))
def test_experiment_files_validate_or_fail_in_one_line(registry: Any, edits: list[tuple[str, Any]]) -> None:
    raw = copy.deepcopy(RING)
    for path, value in edits:
        _edit(raw, path, value)
    try:
        text = tomli_w.dumps(raw)
    except (TypeError, ValueError):
        return  # not representable in TOML (e.g. a NUL in a key), so no user can write it
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "e.toml"
        path.write_text(text, encoding="utf-8")
        try:
            loaded, label = read_experiment(path, registry=registry)
            validate_experiment(loaded, registry, source=label)
        except Exception as err:  # noqa: BLE001 - the property: only one-line GanzooErrors
            _one_line(err)


@FUZZ
@given(content=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_arbitrary_bytes_as_an_experiment_file(registry: Any, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "e.toml"
        path.write_bytes(content)
        try:
            raw, label = read_experiment(path, registry=registry)
            validate_experiment(raw, registry, source=label)
        except Exception as err:  # noqa: BLE001
            _one_line(err)


@FUZZ
@given(text=st.text(max_size=40))
def test_set_overrides_parse_or_fail_in_one_line(registry: Any, text: str) -> None:
    raw = copy.deepcopy(RING)
    try:
        apply_override(raw, *parse_override(text))
        validate_experiment(raw, registry)
    except Exception as err:  # noqa: BLE001
        _one_line(err)


#: CSV text built from cells a messy export contains.
cells = st.one_of(
    st.sampled_from(["", " ", "1", "-2.5", "1e999", "inf", "-Infinity", "nan", "NA", "?", "1,5", '"a,b"', '"',
                     "x;y", "\t", "2023-01-01", "TRUE", "ü", "#c"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=5),
)
rows = st.lists(st.lists(cells, min_size=1, max_size=4), min_size=0, max_size=8)


@FUZZ
@given(header=st.lists(cells, min_size=1, max_size=4), body=rows, sep=st.sampled_from([",", ";", "\t"]),
       newline=st.sampled_from(["\n", "\r\n"]), nonfinite=st.sampled_from(["error", "missing"]))
def test_csv_files_read_or_fail_in_one_line(header: list[str], body: list[list[str]], sep: str, newline: str,
                                            nonfinite: str) -> None:
    text = newline.join(sep.join(row) for row in [header, *body]) + newline
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_text(text, encoding="utf-8")
        file = CsvFile(path, sep=sep, nonfinite=nonfinite, comment="#")  # type: ignore[arg-type]
        try:
            frame = file.read()
            for column in frame.columns:
                numbers = file.numbers(frame[column], str(column))
                assert not numbers.isin([math.inf, -math.inf]).any()  # never an infinite value
        except Exception as err:  # noqa: BLE001
            _one_line(err)

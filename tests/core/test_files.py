"""Atomic writes: the old file survives a failed rewrite and no temporary file is left behind."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ganzoo.files import write_json, write_text


def test_write_text_creates_parents_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "report.html"
    write_text(target, "first")
    write_text(target, "second ✓")
    assert target.read_text(encoding="utf-8") == "second ✓"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]


def test_unserialisable_json_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "eval.json"
    write_json(target, {"fid": 1.5})
    with pytest.raises(TypeError):
        write_json(target, {"fid": object()})  # no default: checkpoints must not stringify
    assert json.loads(target.read_text()) == {"fid": 1.5}
    assert [p.name for p in tmp_path.iterdir()] == ["eval.json"]


def test_default_stringifies_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "eval.json"
    write_json(target, {"path": Path("runs/x")}, default=str)
    assert json.loads(target.read_text()) == {"path": "runs/x"}


def test_failure_during_replace_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "config.toml"
    write_text(target, "old = 1\n")

    def refuse(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="disk full"):
        write_text(target, "new = 2\n")
    assert target.read_text() == "old = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_files_and_folders_follow_the_umask(tmp_path: Path, umask: int) -> None:
    from ganzoo.files import make_temp_dir

    previous = os.umask(umask)
    try:
        write_text(tmp_path / "config.toml", "a = 1\n")
        folder = make_temp_dir(tmp_path, ".tmp-step-")
    finally:
        os.umask(previous)
    assert (tmp_path / "config.toml").stat().st_mode & 0o777 == 0o666 & ~umask
    assert folder.stat().st_mode & 0o777 == 0o777 & ~umask

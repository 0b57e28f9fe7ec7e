"""One trainer per run directory: a second one is refused at once and changes nothing; a lock left
by a dead process is taken over, with a message."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tomli_w

import ganzoo
from ganzoo.cli.main import main
from ganzoo.engine.lock import LOCK_FILE, RunLock, RunLockedError
from ganzoo.engine.run import _claim_default_dir
from ganzoo.registry.registry import Registry

Experiment = Callable[..., dict[str, Any]]


def tree_hash(root: Path) -> dict[str, str]:
    """Every file under ``root`` with the hash of its content and its mode."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest() + oct(path.stat().st_mode)
        for path in sorted(root.rglob("*")) if path.is_file()
    }


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_second_lock_is_refused_with_the_owner_and_release_removes_the_file(tmp_path: Path) -> None:
    with RunLock(tmp_path) as first:
        assert first.held and (tmp_path / LOCK_FILE).is_file()
        with pytest.raises(RunLockedError, match=rf"{tmp_path}: in use by process {os.getpid()} on "):
            RunLock(tmp_path).acquire()
    assert not (tmp_path / LOCK_FILE).exists()
    with RunLock(tmp_path):  # free again
        pass


def test_stale_lock_of_a_dead_process_is_taken_over_with_a_message(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    pid = _dead_pid()
    (tmp_path / LOCK_FILE).write_text(json.dumps({"pid": pid, "host": "h", "since": "then"}))
    with RunLock(tmp_path):
        owner = json.loads((tmp_path / LOCK_FILE).read_text())
        assert owner["pid"] == os.getpid()
    assert capsys.readouterr().err == (f"ganzoo: warning: {tmp_path}: took over the lock of process {pid} on h "
                                       "(since then), which is no longer running\n")


def test_without_os_locks_a_live_owner_is_respected_and_a_dead_one_replaced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import socket

    import ganzoo.engine.lock as lock_module

    def unsupported(fd: int, operation: int) -> None:
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(lock_module.fcntl, "flock", unsupported)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / LOCK_FILE).write_text(json.dumps({"pid": live.pid, "host": socket.gethostname()}))
        with pytest.raises(RunLockedError, match=f"in use by process {live.pid}"):
            RunLock(tmp_path).acquire()
    finally:
        live.kill()
        live.wait()
    with RunLock(tmp_path):  # the owner is gone now
        pass


def test_second_trainer_is_refused_and_changes_nothing(toys: Registry, experiment: Experiment, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    run = ganzoo.train(experiment("ring", steps=4), run_dir=tmp_path / "run").directory
    config = tmp_path / "ring.toml"
    config.write_text(tomli_w.dumps(experiment("ring", steps=4)))
    (tmp_path / "empty").mkdir()
    capsys.readouterr()
    with RunLock(run):  # as a first trainer holds it
        before = tree_hash(run)
        for argv in (["train", "--resume", str(run), "--set", "train.steps=8"],
                     ["train", "--resume", str(run), "--allow-restart"]):
            assert main(argv) == 2
            err = capsys.readouterr().err
            assert err == f"ganzoo: error: {run}: in use by process {os.getpid()} on {err.split(' on ')[1]}"
            assert tree_hash(run) == before
    with RunLock(tmp_path / "empty"):  # two new runs into one empty directory: the second is refused
        assert main(["train", str(config), "--run-dir", str(tmp_path / "empty")]) == 2
        assert "empty: in use by process" in capsys.readouterr().err
        assert os.listdir(tmp_path / "empty") == [LOCK_FILE]


def test_a_run_that_fails_before_writing_leaves_no_directory(toys: Registry, experiment: Experiment,
                                                             tmp_path: Path) -> None:
    raw = experiment("ring", steps=4)
    raw["generator"]["params"] = {"hidden": -3}  # refused while building, after the directory was claimed
    config = tmp_path / "bad.toml"
    config.write_text(tomli_w.dumps(raw))
    assert main(["train", str(config), "--run-dir", str(tmp_path / "new" / "run")]) == 2
    assert not (tmp_path / "new").exists()


def test_default_run_directories_never_collide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first = _claim_default_dir("ring")
    try:
        second = _claim_default_dir("ring")
        try:
            assert second.directory != first.directory
        finally:
            second.release()
    finally:
        first.release()
    assert not (tmp_path / "runs").exists() or list((tmp_path / "runs").iterdir()) == []


def test_resume_without_a_checkpoint_is_refused_unless_asked(toys: Registry, experiment: Experiment,
                                                             tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = ganzoo.train(experiment("ring", steps=4), run_dir=tmp_path / "run").directory
    for checkpoint in (run / "checkpoints").iterdir():  # as if killed before its first checkpoint
        for file in checkpoint.iterdir():
            file.unlink()
        checkpoint.rmdir()
    before = tree_hash(run)
    capsys.readouterr()
    assert main(["train", "--resume", str(run)]) == 2
    assert capsys.readouterr().err == (f"ganzoo: error: {run}: no checkpoint yet (the run stopped before its "
                                       "first one); pass --allow-restart to train it again from step 0\n")
    assert tree_hash(run) == before
    assert main(["train", "--resume", str(run), "--allow-restart", "--no-progress"]) == 0
    assert "finished at step 4/4" in capsys.readouterr().out


@pytest.mark.slow
def test_two_trainer_processes_on_one_run(toys: Registry, experiment: Experiment, toys_env: dict[str, str], tmp_path: Path) -> None:
    """A real second process is refused while the first trains on, unharmed (then Ctrl-C'd)."""
    import signal

    config = tmp_path / "ring.toml"
    config.write_text(tomli_w.dumps(experiment("ring", steps=10**6, log_every=10, checkpoint_every=50)))
    run = tmp_path / "run"
    # SIGINT at its default in the child: a shell starts background jobs (`pytest ... &`) with it
    # ignored, children inherit that, and ganzoo rightly leaves an ignored SIGINT ignored
    first = subprocess.Popen([sys.executable, "-m", "ganzoo", "train", str(config), "--run-dir", str(run)],
                             env={**toys_env, "PYTHONFAULTHANDLER": "1"}, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 120
        while not (run / "metrics.jsonl").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        second = subprocess.run([sys.executable, "-m", "ganzoo", "train", "--resume", str(run)], env=toys_env,
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 2 and f"{run}: in use by process {first.pid}" in second.stderr
        first.send_signal(signal.SIGINT)
        try:
            _, err = first.communicate(timeout=120)
        except subprocess.TimeoutExpired:  # say where it went on
            first.send_signal(signal.SIGABRT)  # the fault handler prints every thread's stack
            pytest.fail(f"the trainer did not stop within 120 s of SIGINT; its threads:\n{first.communicate()[1]}")
    finally:
        first.kill()
    assert first.returncode == 128 + signal.SIGINT, err
    steps = [record["step"] for record in map(json.loads, (run / "metrics.jsonl").read_text().splitlines())
             if record["kind"] == "train"]
    assert steps == list(range(10, steps[-1] + 1, 10)) and len(steps) > 1
    assert ganzoo.load(run).sample(2, seed=0).shape == (2, 2)
    assert not (run / LOCK_FILE).exists()

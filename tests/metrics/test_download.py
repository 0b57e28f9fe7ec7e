"""``ganzoo weights fetch``: a real HTTP download from a local server, verified, converted, cached.

The server (http.server on 127.0.0.1, in a thread) serves a small ``torch.save`` state dict the
way the official Inception file is one; nothing about the download itself is mocked.
"""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file

from ganzoo.cli.main import main
from ganzoo.metrics.download import INCEPTION, cache_dir, cached_weights, fetch
from ganzoo.metrics.evaluate import eval_config, plan_metrics
from ganzoo.registry.config import ExperimentConfig
from ganzoo.registry.errors import DataError


@dataclass
class Server:
    url: str
    payload: bytes
    requests: list[str] = field(default_factory=list)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.payload).hexdigest()


@pytest.fixture(scope="module")
def state_dict() -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    return {"conv.weight": torch.randn(4, 3, 3, 3, generator=gen), "fc.bias": torch.randn(10, generator=gen)}


@pytest.fixture
def server(state_dict: dict[str, torch.Tensor], tmp_path: Path) -> Iterator[Server]:
    """``/weights.pth`` whole; ``/cut.pth`` announces its full length, sends half and closes."""
    torch.save(state_dict, tmp_path / "weights.pth")
    payload = (tmp_path / "weights.pth").read_bytes()
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            requests.append(self.path)
            if self.path not in ("/weights.pth", "/cut.pth"):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload if self.path == "/weights.pth" else payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield Server(f"http://127.0.0.1:{httpd.server_address[1]}", payload, requests)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def _cache_files() -> list[str]:
    return sorted(p.name for p in cache_dir().iterdir()) if cache_dir().is_dir() else []


def test_verified_download_is_cached_as_safetensors_once(server: Server, state_dict: dict[str, torch.Tensor]) -> None:
    assert cached_weights("inception") is None
    path = fetch("inception", url=f"{server.url}/weights.pth", sha256=server.sha256)
    assert path == cache_dir() / INCEPTION.filename == cached_weights("inception")
    assert _cache_files() == [INCEPTION.filename]  # no pickle, no temporary file left behind
    loaded = load_file(str(path))
    assert loaded.keys() == state_dict.keys()
    assert all(torch.equal(loaded[k], state_dict[k]) for k in state_dict)
    with safe_open(str(path), framework="pt") as fh:
        assert fh.metadata()["source_sha256"] == server.sha256
    fetch("inception", url=f"{server.url}/weights.pth", sha256=server.sha256)
    assert server.requests == ["/weights.pth"]  # cached: not downloaded again
    fetch("inception", url=f"{server.url}/weights.pth", sha256=server.sha256, force=True)
    assert server.requests == ["/weights.pth", "/weights.pth"]


def test_wrong_checksum_is_refused_before_loading_and_leaves_nothing(server: Server) -> None:
    wrong = "0" * 64
    with pytest.raises(DataError, match=f"checksum mismatch \\(SHA-256 {server.sha256}, expected {wrong}\\)"):
        fetch("inception", url=f"{server.url}/weights.pth", sha256=wrong)
    assert _cache_files() == [] and cached_weights("inception") is None


def test_interrupted_transfer_is_an_error_and_leaves_nothing(server: Server) -> None:
    total = len(server.payload)
    with pytest.raises(DataError, match=f"transfer interrupted after {total // 2} of {total} bytes"):
        fetch("inception", url=f"{server.url}/cut.pth", sha256=server.sha256)
    assert _cache_files() == []


def test_cli_fetches_lists_and_reports_http_errors_in_one_line(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["weights", "fetch", "inception", "--url", f"{server.url}/missing.pth", "--sha256", server.sha256]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"fetching inception from {server.url}/missing.pth",
                   f"ganzoo: error: {server.url}/missing.pth: download failed (HTTP 404 Not Found)"]
    assert main(["weights", "fetch", "inception", "--url", f"{server.url}/weights.pth", "--sha256", server.sha256]) == 0
    assert f"verified and cached at {cache_dir() / INCEPTION.filename}" in capsys.readouterr().out
    assert main(["weights", "list"]) == 0
    assert str(cache_dir() / INCEPTION.filename) in capsys.readouterr().out
    assert main(["weights", "fetch", "resnet"]) == 2
    assert "unknown weights 'resnet'; known: inception" in capsys.readouterr().err


def test_evaluate_finds_cached_weights_and_an_explicit_path_wins(server: Server, tmp_path: Path) -> None:
    from ganzoo.data.spec import DataSpec
    from ganzoo.plugins.manager import get_registry, reset_manager

    reset_manager(discover=False)  # the built-in metrics are the ones in question

    experiment = ExperimentConfig.model_validate({
        "generator": {"name": "dcgan"}, "discriminator": {"name": "dcgan"},
        "dataset": {"name": "image-folder", "params": {"root": "x"}}, "losses": [{"name": "adversarial"}],
    })
    spec = DataSpec("image", (3, 32, 32))
    cfg = eval_config(experiment)
    assert cfg.inception_weights is None
    assert plan_metrics(spec, cfg, get_registry())[1][0]["metric"] == "fid, kid"  # skipped
    fetch("inception", url=f"{server.url}/weights.pth", sha256=server.sha256)
    cfg = eval_config(experiment)
    assert cfg.inception_weights == cache_dir() / INCEPTION.filename
    planned, skipped = plan_metrics(spec, cfg, get_registry())
    assert [name for name, _, _ in planned] == ["fid", "kid"] and skipped == []
    explicit = tmp_path / "mine.safetensors"
    assert eval_config(experiment, inception_weights=explicit).inception_weights == explicit


def test_published_inception_checksum_matches_its_file_name() -> None:
    """torch.hub names files after their SHA-256's first digits; the pinned digest agrees."""
    assert INCEPTION.url.endswith("-6726825d.pth") and INCEPTION.sha256.startswith("6726825d")
    assert len(INCEPTION.sha256) == 64 and INCEPTION.filename.endswith(".safetensors")

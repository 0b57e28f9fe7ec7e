#!/usr/bin/env bash
# One prepared check for a GPU machine (issue 8), about 5 minutes on one H100:
#   1. environment: CUDA visible, ganzoo importable with its built-in components;
#   2. correctness: the losses of the first 3 steps with each fast-path switch (channels_last,
#      bf16, torch.compile, all of bf16 + channels_last + fused Adam, and for DCGAN CUDA graphs)
#      against fp32, for DCGAN at batch 64 and pix2pix at batch 1 (benchmarks/correctness.py;
#      the runs of a model go at once, each with its own time limit, so one hang loses one
#      variant). pix2pix also trains on the fast path with CUDA graphs, shown but not compared
#      (dropout draws differ when compiled); that run fills the compile caches which stage 3's
#      pix2pix b1 run reads. CUDA graphs are skipped in the rehearsal;
#   3. throughput: ganzoo against the baseline loops (run on CUDA through
#      benchmarks/baseline_cuda.py), interleaved in one run: pix2pix b1/b16 at 256 px, DCGAN
#      b64/b512, reference and fast path, the fast path with CUDA graphs at batch 1, where
#      kernel launches bound the step (benchmarks/throughput.py; finished cases are written as
#      they finish, so a stage stopped by its time limit keeps them: the cases with targets
#      go first, pix2pix b1 after the two that compile nothing, DCGAN b512 last).
# Each step has a hard time limit, so a hang costs its share of the budget, not the whole check.
# Results go to $OUT (the device runner's output folder) or benchmarks/results/; the last line
# on stdout is one JSON document naming every result file and the overall verdicts.
#
#   bash benchmarks/gpu_check.sh            # PYTHON=/path/to/python to pick the interpreter
#   REHEARSAL=1 bash benchmarks/gpu_check.sh  # the same stages on this CPU, tiny sizes
#
# The GPU machine has no network and its image lacks pydantic, kornia and tomli-w: fetch their
# wheels here first with `bash benchmarks/gpu_wheels.sh` and carry `.whl` to the machine; this
# script installs them (and ganzoo, without dependencies) before anything else.
set -u -o pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
RESULTS=${OUT:-benchmarks/results}
STAMP=$(date -u +%Y%m%d-%H%M%S)
mkdir -p "$RESULTS"
ENV_JSON="$RESULTS/gpu-env-$STAMP.json"
CORRECT_DCGAN="$RESULTS/gpu-correctness-dcgan-$STAMP.json"
CORRECT_PIX="$RESULTS/gpu-correctness-pix2pix-$STAMP.json"
BENCH="$RESULTS/gpu-throughput-$STAMP.json"
LOG="$RESULTS/gpu-check-$STAMP.log"

say() { echo "[gpu_check] $*" | tee -a "$LOG" >&2; }
# stage SECONDS CMD...: CMD under `timeout`, which leads a process group of its own. A stage cut
# off sends SIGTERM to that group, and a `ganzoo train` child answers SIGTERM by finishing its
# step and writing a checkpoint; whatever is left of the group is killed, so it cannot hold the
# GPU while the next stage is measured.
stage() {
    timeout "$@" &
    local pid=$!
    wait "$pid"
    local rc=$?
    pkill -KILL -g "$pid" 2>/dev/null
    return "$rc"
}

if [ "${REHEARSAL:-0}" = 1 ]; then
    DEVICE=cpu
    CORRECT_STEPS=(--steps 2 --jobs 1)
    # seconds per stage: the rehearsal checks that every stage works, not how fast, and a cold
    # torch.compile on a shared CPU takes about 110 s for DCGAN's variants at load 2
    DCGAN_S=360 PIX_S=240 BENCH_S=420 BENCH_CASE_S=180
    BENCH_ARGS=(--cases pix2pix-b1 dcgan-b64 --size 128 --steps 4 --warmup 2 --log-every 2 --workers 0)
else
    DEVICE=cuda
    # the fp32 reference and every variant of a model at once: a few small runs share the GPU,
    # and most of each run's time is start-up and compilation on the CPU cores
    CORRECT_STEPS=(--steps 3 --jobs 6)
    DCGAN_S=80 PIX_S=80  # pix2pix compiles its U-Net cold for CUDA graphs; DCGAN runs in parallel
    BENCH_S=180 BENCH_CASE_S=60
    # 40 steps, the first 10 untimed; logging every 10 steps keeps ganzoo from synchronising
    # the GPU each step; 6 loader workers decode the PNG batches (the baselines read no data).
    BENCH_ARGS=(--cases pix2pix-b16 dcgan-b64 pix2pix-b1 dcgan-b512
                --steps 40 --warmup 10 --log-every 10 --workers 6 --cuda-graphs-max-batch 1)
fi

# --- 1. environment -----------------------------------------------------------------------
if [ -d .whl ] && ! "$PY" -c "import pydantic, kornia, tomli_w" 2>/dev/null; then
    say "installing the carried wheels from .whl/ into /tmp/ganzoo-site"
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/ganzoo-site .whl/*.whl >>"$LOG" 2>&1
    export PYTHONPATH=/tmp/ganzoo-site${PYTHONPATH:+:$PYTHONPATH}
fi
if ! "$PY" -c "import ganzoo.cli.main" 2>>"$LOG"; then
    say "ganzoo not importable; installing this checkout without dependencies"
    "$PY" -m pip install -q --no-deps --no-build-isolation -e . >>"$LOG" 2>&1
fi
if ! "$PY" - >"$ENV_JSON" 2>>"$LOG" <<'EOF'
import json, platform, torch, ganzoo
from ganzoo import list_components
import os
if os.environ.get("REHEARSAL") != "1":
    assert torch.cuda.is_available(), "torch.cuda.is_available() is False"
names = list_components("generator")
assert {"unet", "dcgan"} <= set(names), f"built-in generators not registered: {names}"
gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else None
print(json.dumps({"python": platform.python_version(), "torch": torch.__version__,
                  "cuda": torch.version.cuda, "gpu": gpu,
                  "ganzoo": ganzoo.__version__, "generators": names}))
EOF
then
    say "environment check failed (see $LOG)"
    echo "{\"gpu_check\": \"failed\", \"stage\": \"environment\", \"log\": \"$LOG\"}"
    exit 2
fi
say "environment: $(cat "$ENV_JSON")"

# --- 2. correctness (about 2 minutes) -----------------------------------------------------
say "correctness: dcgan-b64"
stage "$DCGAN_S" "$PY" benchmarks/correctness.py --device "$DEVICE" --cases dcgan-b64 \
    --timeout $((DCGAN_S - 10)) \
    --variants channels_last bf16 compile fast cuda_graphs "${CORRECT_STEPS[@]}" \
    >"$CORRECT_DCGAN" 2>>"$LOG"
DCGAN_RC=$?
say "correctness: pix2pix-b1"
stage "$PIX_S" "$PY" benchmarks/correctness.py --device "$DEVICE" --cases pix2pix-b1 \
    --timeout $((PIX_S - 5)) \
    --variants bf16 fast fast_graphs "${CORRECT_STEPS[@]}" >"$CORRECT_PIX" 2>>"$LOG"
PIX_RC=$?

# --- 3. throughput against the baselines (about 3 minutes) ---------------------------------
say "throughput: cases x (baseline, ganzoo) x (reference, fast)"
stage "$BENCH_S" "$PY" benchmarks/throughput.py --device "$DEVICE" "${BENCH_ARGS[@]}" --timeout "$BENCH_CASE_S" \
    --out "$BENCH" >/dev/null 2>>"$LOG"
BENCH_RC=$?

"$PY" - "$CORRECT_DCGAN" "$CORRECT_PIX" "$BENCH" "$DCGAN_RC" "$PIX_RC" "$BENCH_RC" "$LOG" <<'EOF'
import json, sys
from pathlib import Path

dcgan, pix, bench, *codes, log = sys.argv[1:]

def load(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None

summary = {"gpu_check": "done", "log": log, "exit_codes": dict(zip(("correct_dcgan", "correct_pix2pix", "throughput"), map(int, codes)))}
for key, path in (("correctness_dcgan", dcgan), ("correctness_pix2pix", pix)):
    doc = load(path)
    summary[key] = {"file": path, "ok": None if doc is None else doc["ok"]}
doc = load(bench)
summary["throughput"] = {"file": bench, "complete": None if doc is None else doc.get("complete")}
if doc is not None:
    summary["throughput"]["cases"] = {
        name: {"images_per_s": case["images_per_s"], "ratios": case["ratios"], "targets": case["targets"]}
        for name, case in doc["cases"].items()
    }
print(json.dumps(summary))
EOF

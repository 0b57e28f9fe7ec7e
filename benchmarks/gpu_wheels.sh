#!/usr/bin/env bash
# Fetch, on a machine with PyPI access, the wheels that the GPU machine's image lacks, so that
# benchmarks/gpu_check.sh can install ganzoo there with no network. The image has torch, pluggy,
# safetensors, numpy, pillow, tqdm and tifffile, but not pydantic (and its three helpers),
# kornia or tomli-w; versions are pinned to the ones installed beside this script's Python, the
# versions the test suite ran with.
#
#   bash benchmarks/gpu_wheels.sh              # into .whl/, for CPython 3.12 (the image's)
#   PYVER=3.11 bash benchmarks/gpu_wheels.sh   # for a rehearsal on this machine's Python
#
# .whl/ is git-ignored; name it in the device run's carry list.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python}
PYVER=${PYVER:-3.12}
DEST=${1:-.whl}
PACKAGES=(pydantic pydantic-core annotated-types typing-inspection typing-extensions
          kornia kornia-rs tomli-w)
mapfile -t PINNED < <("$PY" - "${PACKAGES[@]}" <<'PYEOF'
import sys
from importlib.metadata import PackageNotFoundError, version

for name in sys.argv[1:]:
    try:
        print(f"{name}=={version(name)}")
    except PackageNotFoundError:
        print(name)
PYEOF
)
rm -rf "$DEST" && mkdir -p "$DEST"
PLATFORMS=()
for tag in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 \
           manylinux2014_x86_64 manylinux1_x86_64 manylinux_2_24_x86_64; do
    PLATFORMS+=(--platform "$tag")
done
"$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version "$PYVER" \
    --implementation cp "${PLATFORMS[@]}" -d "$DEST" "${PINNED[@]}"
ls "$DEST"
du -sh "$DEST"

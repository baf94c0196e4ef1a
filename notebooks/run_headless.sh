#!/usr/bin/env bash
# Runs every notebook headless on fresh small taosim outputs, made with the Python package
# (`import taosim`); fails if any cell errors.
#   TAOSIM_NB_PYTHON  a Python that already has the taosim package and notebooks/requirements.txt
#                     (CI passes its venv's); without it, a venv is made and filled:
#   TAOSIM_NB_VENV    where that venv lives (default ~/.cache/taosim-notebooks-venv); the package
#                     is built into it with `pip install .` when it cannot import taosim
#   TAOSIM_NB_TIMEOUT per-cell timeout in seconds (default 120)
# Writes nothing into the repository: data and executed notebooks go to a temporary directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
timeout="${TAOSIM_NB_TIMEOUT:-120}"

if [[ -n "${TAOSIM_NB_PYTHON:-}" ]]; then
  py="$TAOSIM_NB_PYTHON"
else
  venv="${TAOSIM_NB_VENV:-$HOME/.cache/taosim-notebooks-venv}"
  python="${PYTHON:-python3}"
  # The venv is reinstalled when requirements.txt changes.
  stamp="$venv/.requirements.sha256"
  want="$(sha256sum notebooks/requirements.txt | cut -d' ' -f1)"
  if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
    start=$SECONDS
    if [[ -e "$venv" && ! -f "$venv/pyvenv.cfg" ]]; then
      echo "run_headless: $venv exists and is not a venv; set TAOSIM_NB_VENV elsewhere" >&2
      exit 2
    fi
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r notebooks/requirements.txt
    echo "$want" > "$stamp"
    echo "venv: installed notebooks/requirements.txt into $venv in $((SECONDS - start)) s"
  fi
  py="$venv/bin/python"
  if ! "$py" -c "import taosim" 2>/dev/null; then
    echo "venv: building the taosim package into $venv (pip install ., a release build)"
    "$py" -m pip install --quiet --disable-pip-version-check .
  fi
fi
"$py" -c "import taosim, nbclient, nbformat" || {
  echo "run_headless: $py lacks the taosim package or the notebooks' requirements" >&2; exit 2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/taosim-notebooks.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# Fresh small inputs: a run, a two-point sweep and a compare of small.yaml against a variant
# with kappa 0.6 on both subnets (so B equals the sweep's point 1).
start=$SECONDS
sed -e 's/^name: notebooks-small$/name: notebooks-small-b/' \
    -e 's/^    tempo: 100$/    tempo: 100\n    hyperparameters: {kappa: 0.6}/' \
    notebooks/small.yaml > "$tmp/small-b.yaml"
data="$tmp/data"
"$py" - "$data" "$tmp/small-b.yaml" <<'PY'
import sys
from pathlib import Path

import taosim

data, b = sys.argv[1], Path(sys.argv[2])
small = Path("notebooks/small.yaml")
options = dict(out=data, report=False, progress=False)
taosim.run(small, **options)
taosim.sweep(small, **options)
taosim.run(small, compare=b, replicates=2, **options)
PY
echo "data: run, sweep and compare of notebooks/small.yaml (taosim package) in $((SECONDS - start)) s"

export TAOSIM_RUN_DIR="$data/notebooks-small/seed-7"
export TAOSIM_SWEEP_DIR="$data/notebooks-small/sweep"
export TAOSIM_AB_DIR="$data/notebooks-small-vs-notebooks-small-b"
for dir in "$TAOSIM_RUN_DIR" "$TAOSIM_SWEEP_DIR" "$TAOSIM_AB_DIR"; do
  [[ -f "$dir/manifest.json" ]] || { echo "run_headless: taosim wrote no $dir" >&2; exit 1; }
done

# Executes one notebook; the sweep A/B runs governance_ab a second time on the sweep directory.
run_notebook() {
  local nb="$1" name="$2"
  local start=$SECONDS
  if ! "$py" - "$nb" "$tmp/out/$name.ipynb" "$timeout" <<'PY'
import sys
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

src, dst, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3])
nb = nbformat.read(src, as_version=4)
client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                        resources={"metadata": {"path": "notebooks"}})
try:
    client.execute()
except CellExecutionError as err:
    nbformat.write(nb, dst)
    print(f"FAILED {src}:\n{err}", file=sys.stderr)
    sys.exit(1)
nbformat.write(nb, dst)
PY
  then
    echo "FAILED: $nb ($name) after $((SECONDS - start)) s"
    return 1
  fi
  echo "ok: $nb ($name) in $((SECONDS - start)) s"
}

mkdir -p "$tmp/out"
status=0
for nb in notebooks/*.ipynb; do
  name="$(basename "$nb" .ipynb)"
  run_notebook "$nb" "$name" 2> >(grep -v 'Kernel is running over TCP' >&2) || status=1
done
TAOSIM_AB_DIR="$TAOSIM_SWEEP_DIR" run_notebook notebooks/governance_ab.ipynb governance_ab-sweep \
  2> >(grep -v 'Kernel is running over TCP' >&2) || status=1
if [[ -n "${TAOSIM_NB_KEEP:-}" ]]; then
  mkdir -p "$TAOSIM_NB_KEEP" && cp "$tmp"/out/*.ipynb "$TAOSIM_NB_KEEP"/
  echo "executed notebooks copied to $TAOSIM_NB_KEEP"
fi
exit "$status"

#!/usr/bin/env bash
# Runs every notebook headless on fresh small taosim outputs; fails if any cell errors.
#   TAOSIM            the taosim binary (default target/debug/taosim, relative to the repo root)
#   TAOSIM_NB_VENV    where the Python venv lives (default ~/.cache/taosim-notebooks-venv)
#   TAOSIM_NB_TIMEOUT per-cell timeout in seconds (default 120)
# Writes nothing into the repository: data and executed notebooks go to a temporary directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
taosim="${TAOSIM:-target/debug/taosim}"
[[ "$taosim" = /* ]] || taosim="$root/$taosim"
[[ -x "$taosim" ]] || { echo "run_headless: no taosim binary at $taosim (build it or set TAOSIM)" >&2; exit 2; }
venv="${TAOSIM_NB_VENV:-$HOME/.cache/taosim-notebooks-venv}"
timeout="${TAOSIM_NB_TIMEOUT:-120}"
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

tmp="$(mktemp -d "${TMPDIR:-/tmp}/taosim-notebooks.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# Fresh small inputs: a run, a two-point sweep and a compare of small.yaml against a variant
# with kappa 0.6 on both subnets (so B equals the sweep's point 1).
start=$SECONDS
sed -e 's/^name: notebooks-small$/name: notebooks-small-b/' \
    -e 's/^    tempo: 100$/    tempo: 100\n    hyperparameters: {kappa: 0.6}/' \
    notebooks/small.yaml > "$tmp/small-b.yaml"
data="$tmp/data"
"$taosim" run notebooks/small.yaml --out "$data" --quiet --no-report > /dev/null
"$taosim" sweep notebooks/small.yaml --out "$data" --quiet --no-report > /dev/null
"$taosim" run notebooks/small.yaml --compare "$tmp/small-b.yaml" --replicates 2 \
  --out "$data" --quiet --no-report > /dev/null
echo "data: run, sweep and compare of notebooks/small.yaml in $((SECONDS - start)) s"

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
  if ! "$venv/bin/python" - "$nb" "$tmp/out/$name.ipynb" "$timeout" <<'PY'
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

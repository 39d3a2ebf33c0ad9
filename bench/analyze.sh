#!/usr/bin/env bash
# bench/analyze.sh: whole-process time of `crashlens analyze` over >= 1000
# Apple crash reports, against pycrashreport (PyPI) on the same .ips files and
# against a bare serde_json parse of the same bytes (the `bare_json` example of
# crates/read). Writes the hyperfine exports and a Markdown summary under
# target/bench/analyze/ and prints the summary. See bench/README.md.
#
# Knobs (environment): MIN_FILES (1000), RUNS (10), WARMUP (1), ROUNDS (3),
# CORPUS (../shared/corpus/apple next to this checkout), SKIP_BUILD=1 (time
# the binaries already in target/release as they are).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${CORPUS:-$ROOT/../shared/corpus/apple}
MIN_FILES=${MIN_FILES:-1000}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-1}
ROUNDS=${ROUNDS:-3}
RESULTS=$ROOT/target/bench/analyze
PY=${PYTHON:-python3}

cd "$ROOT"
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
mkdir -p "$RESULTS"
rm -f "$RESULTS"/round-*.json

WORK=$(mktemp -d "${TMPDIR:-/tmp}/crashlens-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "== building (release)" >&2
    cargo build --release -p crashlens >&2
    cargo build --release -p crashlens-read --example bare_json >&2
fi
# Time copies, so that another build of the shared target/ cannot swap the
# binaries in the middle of the run.
mkdir -p "$WORK/bin"
cp target/release/crashlens target/release/examples/bare_json "$WORK/bin/"
CRASHLENS=$WORK/bin/crashlens
BARE=$WORK/bin/bare_json
BUILT="$(date -u '+%H:%M UTC') from the working tree at $(git rev-parse --short HEAD), with $(git status --porcelain -- crates knowledge Cargo.lock | wc -l) uncommitted paths under crates/, knowledge/, Cargo.lock"

if ! "$PY" -c 'import pycrashreport' 2>/dev/null; then
    echo "== installing pycrashreport from PyPI" >&2
    "$PY" -m pip install --quiet 'pycrashreport==2.0.0' >&2
fi
PYCR_VERSION=$("$PY" -c 'import importlib.metadata as m; print(m.version("pycrashreport"))')

if ! command -v hyperfine >/dev/null; then
    echo "hyperfine is needed (apt-get install -y hyperfine, or cargo install hyperfine)" >&2
    exit 2
fi


# --- 1. the .ips set: JSON-body bug_type 309 reports every tool can parse ---
mapfile -t CANDIDATES < <(find "$CORPUS" -type f -name '*.ips' | sort; echo "$ROOT/examples/seed-agx-race.ips")
mapfile -t PY_OK < <("$PY" bench/pycrashreport_run.py --check "${CANDIDATES[@]}" 2>"$RESULTS/dropped.txt")
IPS=()
for f in "${PY_OK[@]}"; do
    if ! "$CRASHLENS" analyze --format json "$f" -o /dev/null 2>>"$RESULTS/dropped.txt"; then
        echo "dropped (crashlens cannot analyze it): $f" >>"$RESULTS/dropped.txt"
    elif ! "$BARE" "$f" >/dev/null 2>>"$RESULTS/dropped.txt"; then
        echo "dropped (bare serde_json cannot parse its body): $f" >>"$RESULTS/dropped.txt"
    else
        IPS+=("$f")
    fi
done
[ "${#IPS[@]}" -gt 0 ] || { echo "no .ips file is parsed by every tool" >&2; exit 1; }

# Copies each file the same number of times, to at least MIN_FILES in all.
replicate() { # replicate DIR FILES...
    local dir=$1; shift
    local n=$(( (MIN_FILES + $# - 1) / $# )) i f
    mkdir -p "$dir"
    for (( i = 0; i < n; i++ )); do
        for f in "$@"; do cp "$f" "$dir/$(printf %04d "$i")-$(basename "$f")"; done
    done
}
replicate "$WORK/ips" "${IPS[@]}"
N_IPS=$(find "$WORK/ips" -type f | wc -l)
BYTES_IPS=$(cat "$WORK"/ips/* | wc -c)

# --- 2. the whole Apple corpus (.ips and .crash), crashlens alone ---
mapfile -t ALL < <(find "$CORPUS" -type f \( -name '*.ips' -o -name '*.crash' \) | sort)
replicate "$WORK/all" "${ALL[@]}"
N_ALL=$(find "$WORK/all" -type f | wc -l)
BYTES_ALL=$(cat "$WORK"/all/* | wc -c)
# Which corpus files crashlens skips (kernel panics, jetsam, stackshots...):
: >"$RESULTS/skipped-by-crashlens.txt"
for f in "${ALL[@]}"; do
    "$CRASHLENS" analyze "$f" -o /dev/null 2>>"$RESULTS/skipped-by-crashlens.txt" || true
done

# --- 3. one checked run of each command (outputs kept for a look) ---
"$CRASHLENS" analyze --format json "$WORK"/ips/*.ips -o "$WORK/check.json"
N_JSON=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/check.json")
[ "$N_JSON" = "$N_IPS" ] || { echo "crashlens wrote $N_JSON reports for $N_IPS files" >&2; exit 1; }
"$BARE" "$WORK"/ips/*.ips >"$RESULTS/bare_json.out"
"$PY" bench/pycrashreport_run.py "$WORK"/ips/*.ips -o "$WORK/check.txt"
"$CRASHLENS" analyze "$WORK"/ips/*.ips -o "$RESULTS/crashlens-sample.md"
head -c 4000 "$WORK/check.txt" >"$RESULTS/pycrashreport-sample.txt"
N_ALL_OK=$({ "$CRASHLENS" analyze --format json "$WORK"/all/* -o "$WORK/all.json" 2>/dev/null || true; } &&
    "$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/all.json")

# --- 4. timings: ROUNDS hyperfine runs, the command order rotated each round ---
NAMES=("crashlens-md" "crashlens-json" "bare-serde-json" "pycrashreport" "crashlens-md-all" "crashlens-json-all")
CMDS=(
    "$CRASHLENS analyze $WORK/ips/*.ips -o /dev/null"
    "$CRASHLENS analyze --format json $WORK/ips/*.ips -o /dev/null"
    "$BARE $WORK/ips/*.ips"
    "$PY $ROOT/bench/pycrashreport_run.py $WORK/ips/*.ips -o /dev/null"
    "$CRASHLENS analyze $WORK/all/* -o /dev/null"
    "$CRASHLENS analyze --format json $WORK/all/* -o /dev/null"
)
for (( r = 0; r < ROUNDS; r++ )); do
    args=()
    for (( k = 0; k < ${#CMDS[@]}; k++ )); do
        j=$(( (k + r) % ${#CMDS[@]} ))
        args+=(-n "${NAMES[$j]}" "${CMDS[$j]}")
    done
    echo "== round $((r + 1)) of $ROUNDS" >&2
    # -i: the whole-corpus runs exit 1 because some corpus files are not
    # process crashes (named on stderr and skipped); the others exit 0.
    hyperfine -i --style basic --warmup "$WARMUP" --runs "$RUNS" \
        --export-json "$RESULTS/round-$((r + 1)).json" "${args[@]}" >&2
done

# --- 5. summary ---
{
    echo "date: $STARTED to $(date -u '+%H:%M UTC')"
    echo "binaries: copied at $BUILT"
    echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -sr)"
    echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "rustc: $(rustc --version)"
    echo "python: $("$PY" --version 2>&1), pycrashreport $PYCR_VERSION"
    echo "hyperfine: $(hyperfine --version), --warmup $WARMUP --runs $RUNS, $ROUNDS rounds, order rotated"
    echo "ips set: ${#IPS[@]} files x $(( N_IPS / ${#IPS[@]} )) = $N_IPS files, $BYTES_IPS bytes: $(for f in "${IPS[@]}"; do basename "$f"; done | tr '\n' ' ')"
    echo "all set: ${#ALL[@]} files x $(( N_ALL / ${#ALL[@]} )) = $N_ALL files, $BYTES_ALL bytes; crashlens wrote $N_ALL_OK reports"
    echo "bare_json: $(cat "$RESULTS/bare_json.out")"
} >"$RESULTS/context.txt"
"$PY" bench/summarize.py "$RESULTS" "$N_IPS" "$N_ALL" | tee "$RESULTS/summary.md"

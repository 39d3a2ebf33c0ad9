#!/usr/bin/env bash
# The `crashlens group` benchmark: 100,000 reports (the Apple corpus repeated,
# every copy unique, one in ten a signature variant) grouped on 2 cores, first
# run and second run with --db, peak RSS from /usr/bin/time -v.
#
# Usage: crates/bucket/bench.sh BIN_DIR CORPUS_DIR [COUNT]
#   BIN_DIR holds release builds of `crashlens` and the `gen_reports` example
#   (and, optionally, the `read_floor` and `phases` examples):
#   cargo build --release -p crashlens && cargo build --release -p crashlens-bucket --examples
# BASELINE=path/to/older/crashlens also times that binary (no --db) on the
# same files, right after the first run. ROUNDS=N adds N alternating rounds
# (see the end). GEN_SLIDE=1 gives every copy an address slide of its own
# (see gen_reports.rs). GEN_UNIQUE_IMAGES=1 makes every
# copy's image UUIDs unique (see gen_reports.rs).
set -euo pipefail
BIN=$1
CORPUS=$2
COUNT=${3:-100000}
WORK=$(mktemp -d)
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), pinned to CPUs 0,1"
"$BIN/gen_reports" "$CORPUS" "$WORK/reports" "$COUNT"
echo "input: $(find "$WORK/reports" -type f | wc -l) files, $(du -sh "$WORK/reports" | cut -f1)"
find "$WORK/reports" -type f -print0 | xargs -0 cat > /dev/null   # warm the page cache
# The floor: only reading every file (two `cat`s at a time, as `-j 2` reads them).
start=$(date +%s.%N)
find "$WORK/reports" -type f -print0 | taskset -c 0,1 xargs -0 -P 2 -n 500 cat > /dev/null
echo "read-only floor: wall $(echo "$(date +%s.%N) - $start" | bc) s (cat of every file, 2 at a time)"
# The same in-process: walk, read and hash every file on 2 threads, nothing else.
if [ -x "$BIN/read_floor" ]; then
  echo "read-and-hash floor: $(taskset -c 0,1 "$BIN/read_floor" "$WORK/reports" 2)"
fi
# Some VMs page out file pages nobody touched for a minute or so (this one
# runs DAMON's "pageout" scheme), so every run starts from a warm page cache.
warm() { find "$WORK/reports" -type f -print0 | xargs -0 -P 2 -n 2000 cat > /dev/null; }
run() {
  local name=$1; shift
  local bin="$BIN/crashlens"
  if [ "$name" = baseline ]; then bin=$BASELINE; fi
  warm
  /usr/bin/time -v taskset -c 0,1 "$bin" group -j 2 "$@" > "$WORK/$name.out" 2> "$WORK/$name.time"
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$WORK/$name.time" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$WORK/$name.time" | awk '{print $NF}')
  echo "$name: wall $wall, peak RSS $((rss / 1024)) MB, user $(grep 'User time' "$WORK/$name.time" | awk '{print $NF}') s"
}
[ -z "${SKIP_NODB:-}" ] && run no-db "$WORK/reports" -f json
[ -n "${BASELINE:-}" ] && run baseline "$WORK/reports" -f json
run db-first "$WORK/reports" --db "$WORK/db.sqlite" -f json
run db-second "$WORK/reports" --db "$WORK/db.sqlite" -f json
run db-stored --db "$WORK/db.sqlite" -f json
python3 - "$WORK" <<'PY' || true
import json, sys
w = sys.argv[1]
import os
for n in ["no-db", "baseline", "db-first", "db-second", "db-stored"]:
    if not os.path.exists(f"{w}/{n}.out"): continue
    d = json.load(open(f"{w}/{n}.out"))
    print(n, d["totals"], "largest bucket", d["buckets"][0]["count"], len(d["possibly_the_same"]), "near pairs")
PY
cmp <(python3 -c "import json,sys; d=json.load(open('$WORK/db-first.out')); print([(b['signature'],b['count']) for b in d['buckets']])") \
    <(python3 -c "import json,sys; d=json.load(open('$WORK/db-second.out')); print([(b['signature'],b['count']) for b in d['buckets']])") \
  && echo "first and second run: same buckets"
if [ -n "${BASELINE:-}" ] && [ -z "${SKIP_NODB:-}" ]; then
  cmp <(python3 -c "import json; d=json.load(open('$WORK/no-db.out')); print(sorted((b['signature'],b['count']) for b in d['buckets']))") \
      <(python3 -c "import json; d=json.load(open('$WORK/baseline.out')); print(sorted((b['signature'],b['count']) for b in d['buckets']))") \
    && echo "this build and the baseline: same buckets"
fi
# ROUNDS=N: N more rounds of the first run without --db (this build, then the
# baseline when set), each after warming the page cache; a shared VM's speed
# changes from minute to minute, so one run says little and rounds compare
# builds in the same minutes. Prints every wall time, then min, median, max.
if [ "${ROUNDS:-0}" -gt 0 ]; then
  files=$(find "$WORK/reports" -type f | wc -l)
  : > "$WORK/rounds"
  for _ in $(seq "$ROUNDS"); do
    for name in this baseline; do
      bin="$BIN/crashlens"
      if [ "$name" = baseline ]; then
        [ -n "${BASELINE:-}" ] || continue
        bin=$BASELINE
      fi
      warm
      /usr/bin/time -f "%e" -o "$WORK/round.time" taskset -c 0,1 "$bin" group -j 2 "$WORK/reports" -f json > /dev/null
      echo "$name $(cat "$WORK/round.time")" | tee -a "$WORK/rounds"
    done
  done
  python3 - "$WORK/rounds" "$files" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
files = int(sys.argv[2])
for name in ["this", "baseline"]:
    t = sorted(float(w) for n, w in rows if n == name)
    if t:
        m = statistics.median(t)
        print(f"{name}: {len(t)} runs, min {t[0]:.2f} s, median {m:.2f} s, max {t[-1]:.2f} s; "
              f"{files / m:,.0f} reports/s at the median, {files / t[0]:,.0f} at best")
PY
fi
"$BIN/phases" "$WORK/reports/000" | sed 's/^/phases (1 thread, first 1000 files): /'
rm -rf "$WORK"

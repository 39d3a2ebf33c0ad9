#!/usr/bin/env bash
# Capture benchmarks for BENCHMARKS.md "## capture" (issue 6).
#   bash crates/capture/bench.sh [path/to/crashlens] [runs]
# 1. Capture latency: from the fatal signal's stop to the minidump on disk, as
#    `crashlens run` reports it, for a NULL dereference among 9 threads and a
#    stack overflow (8 MiB of stack to walk).
# 2. Slowdown of a traced run that does not crash: CPU-bound threads, thread
#    churn (create/join), and fork+exec churn; median wall time of N runs each,
#    untraced vs traced, interleaved.
set -euo pipefail
BIN=${1:-target/release/crashlens}
RUNS=${2:-11}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

cat > "$W/null.c" <<'EOF'
#include <pthread.h>
#include <unistd.h>
static void *idle(void *a) { (void)a; for (;;) pause(); return 0; }
__attribute__((noinline)) static int rd(int *p) { return p[4]; }
static void *crash(void *a) { (void)a; usleep(50000); return (void *)(long)rd(0); }
int main(void) { pthread_t t[8]; for (int i = 0; i < 7; i++) pthread_create(&t[i], 0, idle, 0);
  pthread_create(&t[7], 0, crash, 0); pthread_join(t[7], 0); return 0; }
EOF
cat > "$W/so.c" <<'EOF'
__attribute__((noinline)) static int f(int n) { volatile char b[256]; b[0] = (char)n; return f(n + 1) + b[0]; }
int main(void) { return f(0); }
EOF
cat > "$W/cpu.c" <<'EOF'
#include <pthread.h>
static void *spin(void *a) { volatile unsigned long x = 0; for (unsigned long i = 0; i < 100000000UL; i++) x += i; return a; }
int main(void) { pthread_t t[4]; for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, spin, 0);
  for (int i = 0; i < 4; i++) pthread_join(t[i], 0); return 0; }
EOF
cat > "$W/churn.c" <<'EOF'
#include <pthread.h>
static void *nop(void *a) { return a; }
int main(void) { for (int i = 0; i < 2000; i++) { pthread_t t; pthread_create(&t, 0, nop, 0); pthread_join(t, 0); } return 0; }
EOF
for p in null so cpu churn; do cc -O2 -g -pthread -o "$W/$p" "$W/$p.c"; done

echo "## latency (ms, from the signal stop to the dump on disk)"
for p in null so; do
  lat=()
  for _ in $(seq "$RUNS"); do
    rm -rf "$W/out"
    "$BIN" run -o "$W/out" -- "$W/$p" 2>"$W/err" || true
    lat+=("$(sed -n 's/.*minidump .* (\([0-9]*\) ms).*/\1/p' "$W/err" | head -1)")
  done
  printf '%s\n' "${lat[@]}" | sort -n | awk -v p="$p" '{a[NR]=$1} END {print p": min "a[1]" median "a[int((NR+1)/2)]" max "a[NR]" ms (n="NR")"}'
done

echo "## slowdown of a traced run that does not crash (hyperfine: median wall s; mean user+sys CPU s)"
summ() {
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
u, t = r[0], r[1]
def cpu(x): return x["user"] + x["system"]
print(f"untraced {u['median']:.3f} s (cpu {cpu(u):.3f}), traced {t['median']:.3f} s (cpu {cpu(t):.3f}); "
      f"wall {100 * (t['median'] - u['median']) / u['median']:+.1f}%, cpu {100 * (cpu(t) - cpu(u)) / cpu(u):+.1f}%")
PY
}
for w in cpu churn forks python; do
  case $w in
    forks) cmd="sh -c 'for i in \$(seq 300); do /bin/true; done'" ;;
    python) cmd="python3 -c 'import json, threading, ctypes'" ;;
    *) cmd="$W/$w" ;;
  esac
  hyperfine -N --style none --warmup 2 --runs "$RUNS" --export-json "$W/h.json" \
    "$cmd" "$BIN run -o $W/out2 -- $cmd" > /dev/null
  echo "$w: $(summ "$W/h.json")"
done

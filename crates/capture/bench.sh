#!/usr/bin/env bash
# Capture benchmarks for BENCHMARKS.md "## capture" (issue 6).
#   bash crates/capture/bench.sh [path/to/crashlens] [runs] [path/to/baseline-crashlens]
# (a baseline binary, e.g. one built before a change, runs in the same loops)
# 1. Capture latency: from the fatal signal's stop to the minidump on disk, as
#    `crashlens run` reports it, for a NULL dereference among 9 threads and a
#    stack overflow (8 MiB of stack, of which the dump keeps 1 MiB).
# 2. Slowdown of a traced run that does not crash: CPU-bound threads, thread
#    churn (create/join), fork+exec churn and Python start-up; median wall
#    time of N runs each, untraced vs `crashlens run` vs a minimal C tracer
#    (the floor for following threads with ptrace), interleaved.
set -euo pipefail
BIN=${1:-target/release/crashlens}
RUNS=${2:-11}
BASE=${3:-}
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

echo "## latency (ms, from the signal stop to the dump on disk; dump size in bytes)"
BINS=("$BIN")
[ -n "$BASE" ] && BINS+=("$BASE")
for p in null so; do
  for b in "${!BINS[@]}"; do : > "$W/lat$b"; done
  for _ in $(seq "$RUNS"); do
    for b in "${!BINS[@]}"; do
      rm -rf "$W/out"
      # (the shell's own "Segmentation fault" notice is silenced: the crash is expected)
      { "${BINS[$b]}" run -o "$W/out" -- "$W/$p" 2>"$W/err"; } 2>/dev/null || true
      sed -n 's/.*minidump .* (\([0-9]*\) ms).*/\1/p' "$W/err" | head -1 >> "$W/lat$b"
      stat -c %s "$W"/out/*.dmp > "$W/size$b"
    done
  done
  for b in "${!BINS[@]}"; do
    sort -n "$W/lat$b" | awk -v p="$p" -v b="${BINS[$b]}" -v s="$(cat "$W/size$b")" \
      '{a[NR]=$1} END {print p" ("b"): min "a[1]" median "a[int((NR+1)/2)]" max "a[NR]" ms (n="NR"), dump "s}'
  done
done

cat > "$W/mintrace.c" <<'EOF'
/* The floor: a minimal C tracer that follows threads, forks and execs as
   crashlens run does (PTRACE_SEIZE, the same options, resume at every stop)
   and does nothing else. */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
  (void)argc; pid_t c = fork();
  if (c == 0) { raise(SIGSTOP); execvp(argv[1], argv + 1); _exit(127); }
  int st; waitpid(c, &st, WUNTRACED);
  ptrace(PTRACE_SEIZE, c, 0, PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC);
  kill(c, SIGCONT);
  for (;;) {
    pid_t t = waitpid(-1, &st, __WALL);
    if (t < 0) return 1;
    if (WIFEXITED(st) || WIFSIGNALED(st)) { if (t == c) return 0; continue; }
    int ev = st >> 16, sig = WSTOPSIG(st);
    if (ev == 0) ptrace(PTRACE_CONT, t, 0, sig);
    else if (ev == PTRACE_EVENT_STOP && (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)) ptrace(PTRACE_LISTEN, t, 0, 0);
    else { if (ev == PTRACE_EVENT_CLONE) { unsigned long m; ptrace(PTRACE_GETEVENTMSG, t, 0, &m); } ptrace(PTRACE_CONT, t, 0, 0); }
  }
}
EOF
cc -O2 -o "$W/mintrace" "$W/mintrace.c"

# Untraced, under `crashlens run`, under the minimal tracer (and under the
# baseline's `crashlens run`), in turn (the order alternating), RUNS times each: median (and min) wall time, and median
# CPU time (user + system of the command and its tracer together).
interleave() {
  python3 - "$RUNS" "$@" <<'PY'
import resource, statistics, subprocess, sys, time
runs, cmds = int(sys.argv[1]), [c.split("\x1f") for c in sys.argv[2:]]
wall = [[] for _ in cmds]
cpu = [[] for _ in cmds]
for i in range(runs):
    for k in (range(len(cmds)) if i % 2 == 0 else reversed(range(len(cmds)))):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmds[k], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t1 = time.perf_counter()
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall[k].append(t1 - t0)
        cpu[k].append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
w = [statistics.median(x) for x in wall]
c = [statistics.median(x) for x in cpu]
names = ["untraced", "crashlens run", "minimal tracer", "baseline crashlens run"]
print("  " + "; ".join(f"{names[k]} {w[k]:.3f} s (min {min(wall[k]):.3f}, cpu {c[k]:.3f})" for k in range(len(cmds))))
for k in range(1, len(cmds)):
    print(f"  {names[k]} vs untraced: wall {100 * (w[k] - w[0]) / w[0]:+.1f}%, cpu {100 * (c[k] - c[0]) / c[0]:+.1f}%")
PY
}

echo "## slowdown of a traced run that does not crash (n=$RUNS each, interleaved)"
US=$'\x1f'
for w in cpu churn forks python; do
  case $w in
    forks) cmd=(sh -c 'for i in $(seq 300); do /bin/true; done') ;;
    python) cmd=(python3 -c 'import json, threading, ctypes') ;;
    *) cmd=("$W/$w") ;;
  esac
  plain=$(IFS=$US; echo "${cmd[*]}")
  echo "$w:"
  args=("$plain" "$BIN${US}run${US}-o${US}$W/out2${US}--${US}$plain" "$W/mintrace${US}$plain")
  [ -n "$BASE" ] && args+=("$BASE${US}run${US}-o${US}$W/out2${US}--${US}$plain")
  interleave "${args[@]}"
done

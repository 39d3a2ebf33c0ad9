#!/usr/bin/env python3
"""Summarizes bench/analyze.sh's hyperfine exports as Markdown.

Usage: summarize.py RESULTS_DIR N_IPS N_ALL. Reads RESULTS_DIR/context.txt and
RESULTS_DIR/round-*.json (one hyperfine export per round). Ratios are taken
within one round (one hyperfine run, same machine state); round 1 is "the
run", and the spread of each ratio over all rounds is shown beside it.
"""

import glob
import json
import os
import sys

RATIOS = [
    ("crashlens md / bare serde_json", "crashlens-md", "bare-serde-json"),
    ("crashlens json / bare serde_json", "crashlens-json", "bare-serde-json"),
    ("pycrashreport / crashlens md", "pycrashreport", "crashlens-md"),
    ("pycrashreport / crashlens json", "pycrashreport", "crashlens-json"),
    ("pycrashreport / bare serde_json", "pycrashreport", "bare-serde-json"),
]


def main() -> int:
    results, n_ips, n_all = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    paths = sorted(glob.glob(os.path.join(results, "round-*.json")),
                   key=lambda p: int(p.rsplit("-", 1)[1].split(".")[0]))
    rounds = []
    for path in paths:
        with open(path) as fh:
            rounds.append({r["command"]: r for r in json.load(fh)["results"]})
    if not rounds:
        print("no round-*.json in", results, file=sys.stderr)
        return 1

    with open(os.path.join(results, "context.txt")) as fh:
        print("```text")
        print(fh.read().rstrip())
        print("```")
    print()
    print("| command | files | median s (round 1) | min–max s (round 1) | user+sys s (round 1) "
          "| ms / report | medians over all rounds, s |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for name in rounds[0]:
        r = rounds[0][name]
        n = n_all if name.endswith("-all") else n_ips
        meds = ", ".join(f"{rd[name]['median']:.3f}" for rd in rounds)
        print(f"| {name} | {n} | {r['median']:.3f} | {r['min']:.3f}–{r['max']:.3f} "
              f"| {r['user'] + r['system']:.3f} | {1000 * r['median'] / n:.2f} | {meds} |")
    print()
    def cpu(rd, name):
        return rd[name]["user"] + rd[name]["system"]

    print("| ratio | wall (medians), round 1 | wall, all rounds (min–max) "
          "| CPU user+sys (means), round 1 | CPU, all rounds (min–max) |")
    print("|---|---:|---:|---:|---:|")
    for label, a, b in RATIOS:
        wall = [rd[a]["median"] / rd[b]["median"] for rd in rounds]
        cpus = [cpu(rd, a) / cpu(rd, b) for rd in rounds]
        print(f"| {label} | {wall[0]:.2f} | {min(wall):.2f}–{max(wall):.2f} "
              f"| {cpus[0]:.2f} | {min(cpus):.2f}–{max(cpus):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

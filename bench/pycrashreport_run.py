#!/usr/bin/env python3
"""The pycrashreport side of bench/analyze.sh.

In one process, for each file named on the command line: open it, run
pycrashreport.crash_report.get_crash_report_from_file (reads the JSON header
line with json.loads, picks the parser class from bug_type, and json.loads
the body), then str() the report (its own text rendering: header, exception
type/subtype, application-specific information, the crashed thread's
registers and frames), and write that text to the output (default
/dev/null). This is what `python3 -m pycrashreport FILE` does, per file, but
without starting a new interpreter for each one.

With --check, nothing is timed: each file is parsed and rendered once and
the script prints the files that pycrashreport parses as a JSON-body
bug_type 309 user-mode report (one per line) and names the others on stderr.
"""

import argparse
import sys

from pycrashreport.crash_report import UserModeCrashReport, get_crash_report_from_file


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("-o", "--output", default="/dev/null")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    if args.check:
        for path in args.files:
            try:
                with open(path, encoding="utf-8") as fh:
                    report = get_crash_report_from_file(fh)
                text = str(report)
            except Exception as e:  # noqa: BLE001 - report any failure, keep going
                print(f"dropped (pycrashreport fails: {e!r:.120}): {path}", file=sys.stderr)
                continue
            if not isinstance(report, UserModeCrashReport) or report.bug_type_str != "309":
                print(f"dropped (not bug_type 309 user mode: {type(report).__name__} {report.bug_type_str}): {path}", file=sys.stderr)
                continue
            if not report._is_json:  # a legacy text body under an .ips header
                print(f"dropped (body is not JSON to pycrashreport): {path}", file=sys.stderr)
                continue
            if not report.frames or not text:
                print(f"dropped (no frames rendered): {path}", file=sys.stderr)
                continue
            print(path)
        return 0

    failed = 0
    with open(args.output, "w", encoding="utf-8") as out:
        for path in args.files:
            try:
                with open(path, encoding="utf-8") as fh:
                    report = get_crash_report_from_file(fh)
                out.write(str(report))
                out.write("\n")
            except Exception as e:  # noqa: BLE001
                print(f"pycrashreport_run: {path}: {e!r}", file=sys.stderr)
                failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Turn one QEMU test run into per-suite results and a closing count.

Usage: report.py RUNDIR EXPECTED_FILE [LABEL]

RUNDIR holds tests.log (the guest's test channel: suite markers and KTAP)
and console.log (the kernel console).  EXPECTED_FILE lists the skips that
are expected on this bed, one per line: `skip SUITE TEST REASON...`
(TEST may be a shell glob).  Any other skip fails the run.

Exit status is 0 only if every test passed or skipped as expected, every
KTAP suite printed its plan and all its results, the guest reached the end
of its script, and the console shows no splat.
"""
import fnmatch
import os
import re
import sys

SPLATS = re.compile(
    r"(BUG:|WARNING:|Oops|Kernel panic|general protection fault|"
    r"KASAN|UBSAN|kmemleak: [0-9]+ new suspected|unreferenced object|"
    r"possible circular locking|possible recursive locking|"
    r"inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|"
    r"detected stalls|lockdep is turned off)")
RESULT = re.compile(r"^(not ok|ok) (\d+) ([^#]*?)\s*(#\s*(\w+)\s*(.*))?$")


def load_expected(path):
    """Lines: "skip SUITE TEST REASON" or "leak SUITE FUNCTION REASON"."""
    exp = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            kind, suite, test, *reason = line.split()
            exp.append((kind, suite, test, " ".join(reason)))
    return exp


def expected(exp, kind, suite, test):
    for k, s, t, reason in exp:
        if k == kind and s == suite and fnmatch.fnmatchcase(test, t):
            return reason
    return None


def parse_suites(lines):
    suites, cur = [], None
    for line in lines:
        line = line.rstrip("\r\n")
        if line.startswith("### BEGIN "):
            name, kind = line.split()[2:4]
            cur = {"name": name, "kind": kind, "lines": [], "rc": None,
                   "secs": None}
            suites.append(cur)
        elif line.startswith("### END ") and cur:
            m = re.search(r"rc=(\d+) secs=(\d+)", line)
            cur["rc"], cur["secs"] = int(m.group(1)), int(m.group(2))
            cur = None
        elif cur is not None:
            cur["lines"].append(line)
    return suites


def main():
    rundir, expfile = sys.argv[1], sys.argv[2]
    label = sys.argv[3] if len(sys.argv) > 3 else os.path.basename(rundir)
    exp = load_expected(expfile)
    with open(os.path.join(rundir, "tests.log"), errors="replace") as f:
        tlines = f.readlines()
    try:
        with open(os.path.join(rundir, "console.log"), errors="replace") as f:
            clines = f.readlines()
    except FileNotFoundError:
        clines = []

    npass = nfail = nskip = 0
    problems = []
    known = []
    for s in parse_suites(tlines):
        name, kind = s["name"], s["kind"]
        sp = sf = ss = 0
        if kind == "report":
            # kmemleak:SUITE: leaks found after SUITE ran.  A leak whose
            # backtrace names a function listed as "leak SUITE FUNCTION
            # REASON" in the expected file is a known defect of the base.
            suite = name.split(":", 1)[-1]
            leaks = "\n".join(s["lines"]).split("unreferenced object")[1:]
            unknown = 0
            for leak in leaks:
                reason = None
                for k, su, fn, why in exp:
                    if k == "leak" and su == suite and fn + "+" in leak:
                        reason = why
                if reason:
                    known.append(f"{name}: known leak ({reason})")
                else:
                    unknown += 1
            if unknown:
                problems.append(f"{name}: {unknown} unexpected leaks, see tests.log")
                sf += 1
            else:
                sp += 1
        elif s["rc"] is None:
            problems.append(f"{name}: no END marker (guest crashed or hung)")
            sf += 1
        elif kind == "prog":
            if s["rc"] == 0:
                sp += 1
            elif s["rc"] == 4 and expected(exp, "skip", name, name):
                ss += 1
            else:
                why = "skipped unexpectedly" if s["rc"] == 4 else f"rc={s['rc']}"
                problems.append(f"{name}: {why}")
                sf += 1
        else:
            plan = None
            seen = 0
            for line in s["lines"]:
                m = re.match(r"^1\.\.(\d+)", line)
                if m and plan is None:
                    plan = int(m.group(1))
                    continue
                m = RESULT.match(line)
                if not m:
                    continue
                seen += 1
                ok, test = m.group(1) == "ok", m.group(3).strip()
                directive = (m.group(5) or "").upper()
                if ok and directive == "SKIP":
                    if expected(exp, "skip", name, test) is not None:
                        ss += 1
                    else:
                        sf += 1
                        problems.append(f"{name}: {test}: unexpected SKIP ({m.group(6)})")
                elif ok:
                    sp += 1
                else:
                    sf += 1
                    problems.append(f"{name}: {test}: FAILED")
            if plan is None:
                problems.append(f"{name}: no KTAP plan line")
                sf += 1
            elif seen != plan:
                problems.append(f"{name}: planned {plan} tests, saw {seen}")
                sf += 1
            elif s["rc"] != 0 and sf == 0:
                problems.append(f"{name}: exit status {s['rc']}")
                sf += 1
        secs = "" if s["secs"] is None else f" in {s['secs']}s"
        print(f"{label}: {name}: {sp} passed, {sf} failed, {ss} skipped{secs}")
        npass, nfail, nskip = npass + sp, nfail + sf, nskip + ss

    if not any(l.startswith("### DONE") for l in tlines):
        problems.append("guest did not reach the end of its script "
                        "(crash, hang or timeout: see console.log)")
        nfail += 1
    splats = [l.rstrip() for l in clines if SPLATS.search(l)]
    if splats:
        problems.append(f"console: {len(splats)} splat lines, first: {splats[0]}")
        nfail += 1

    for k in known:
        print(f"{label}: NOTE: {k}")
    for p in problems:
        print(f"{label}: FAIL: {p}")
    print(f"{label}: logs in {rundir}")
    with open(os.path.join(rundir, "counts"), "w") as f:
        f.write(f"{npass} {nfail} {nskip}\n")
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())

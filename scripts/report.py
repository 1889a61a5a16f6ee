#!/usr/bin/env python3
"""Turn one QEMU test run into per-suite results and a closing count.

Usage: report.py RUNDIR SUITES [LABEL]

RUNDIR holds tests.log (the guest's test channel: suite markers, KTAP and
taint readings, as tests/guest/init prints them) and console.log (the
kernel console).  SUITES is the suites file the guest ran.  Beside it,
`expected` lists the skips, leaks and taint flags expected on the bed and
`required` what each suite must report; each file describes its format in
its header.

Exit status is 0 only if:
- SUITES declares at least one suite, each of them began and ended, and no
  other suite ran;
- each KTAP suite printed one plan 1..N with N > 0, then results numbered
  exactly 1 to N in order;
- each suite reported what `required` asks of it;
- every test passed or skipped as `expected` allows;
- the kernel was untainted at boot and after each suite, but for the flags
  `expected` allows;
- the guest reached the end of its script;
- console.log exists, shows the kernel banner and no splat.
RUNDIR/counts gets "PASSED FAILED SKIPPED" for scripts/run-tests.sh.
"""
import fnmatch
import os
import re
import sys

SPLATS = re.compile(
    # "BUG:" also covers "watchdog: BUG: soft lockup".
    r"(BUG:|WARNING:|Oops|Kernel panic|general protection fault|"
    r"KASAN|UBSAN|kmemleak: [0-9]+ new suspected|unreferenced object|"
    r"possible circular locking|possible recursive locking|"
    r"inconsistent lock state|suspicious RCU usage|INFO: task .* blocked|"
    r"detected stalls|lockdep is turned off|"
    # SLUB debugging: "BUG kmalloc-64 (Not tainted): Poison overwritten".
    r"BUG \S+ \((Not t|T)ainted|"
    r"printk messages dropped|"
    # kmemleak disabling itself: its own "disabled" line is pr_info, which
    # the console's loglevel=6 hides, the warnings that lead to it are not.
    r"kmemleak: .*([Dd]isabl|Memory pool empty|"
    r"Cannot allocate a kmemleak_object|Cannot insert))")
BANNER = "Linux version "
PLAN = re.compile(r"^1\.\.(\d+)")
RESULT = re.compile(r"^(not ok|ok) (\d+) ([^#]*?)\s*(#\s*(\w+)\s*(.*))?$")
TAINT = re.compile(r"^### TAINT (\S+) (\d+)$")
# One letter per bit of /proc/sys/kernel/tainted (kernel/panic.c).
TAINT_FLAGS = "PFSRMBUDAWCIOELKXTNJ"


def load_list(path):
    """Lines "KIND SUITE ARG [REASON...]", comments and blanks skipped."""
    entries = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            kind, suite, arg, *reason = line.split()
            entries.append((kind, suite, arg, " ".join(reason)))
    return entries


def load_suites(path):
    """Names of the suites declared in a suites file, in order."""
    with open(path) as f:
        return [line.split()[0] for line in f
                if line.strip() and not line.lstrip().startswith("#")]


def read_lines(path):
    try:
        with open(path, errors="replace") as f:
            return f.readlines()
    except FileNotFoundError:
        return None


def expected(exp, kind, suite, test):
    for k, s, t, reason in exp:
        if k == kind and s == suite and fnmatch.fnmatchcase(test, t):
            return reason
    return None


def parse_log(lines):
    """The suites in the order they began, and the taint readings by name."""
    suites, taints, cur = [], {}, None
    for line in lines:
        line = line.rstrip("\r\n")
        m = TAINT.match(line)
        if m:
            taints[m.group(1)] = int(m.group(2))
        elif line.startswith("### BEGIN "):
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
    return suites, taints


def check_leaks(s, exp, known):
    """kmemleak:SUITE: leaks found after SUITE ran.  A leak whose backtrace
    names a function listed as "leak SUITE FUNCTION REASON" in the expected
    file is a known defect of the base."""
    suite = s["name"].split(":", 1)[-1]
    unknown = 0
    for leak in "\n".join(s["lines"]).split("unreferenced object")[1:]:
        reason = None
        for k, su, fn, why in exp:
            if k == "leak" and su == suite and fn + "+" in leak:
                reason = why
        if reason:
            known.append(f"{s['name']}: known leak ({reason})")
        else:
            unknown += 1
    problems = []
    if unknown:
        problems.append(f"{unknown} unexpected leaks, see tests.log")
    if s["rc"] != 0:
        problems.append(f"kmemleak scan failed (rc={s['rc']}): kmemleak "
                        "disabled itself?")
    return 0 if problems else 1, 0, problems


def check_prog(s, exp):
    """A program without KTAP is one test: exit 0 pass, 4 skip."""
    name, rc = s["name"], s["rc"]
    if rc == 0:
        return 1, 0, [], [name]
    if rc == 4 and expected(exp, "skip", name, name) is not None:
        return 0, 1, [], [name]
    return 0, 0, ["skipped unexpectedly" if rc == 4 else f"rc={rc}"], [name]


def check_ktap(s, exp):
    """Passed and skipped counts, problems and test names of a KTAP suite."""
    plans = [int(m.group(1)) for m in map(PLAN.match, s["lines"]) if m]
    results = [m for m in map(RESULT.match, s["lines"]) if m]
    passed = skipped = 0
    problems = []
    for m in results:
        test = m.group(3).strip()
        if m.group(1) != "ok":
            problems.append(f"{test}: FAILED")
        elif (m.group(5) or "").upper() != "SKIP":
            passed += 1
        elif expected(exp, "skip", s["name"], test) is not None:
            skipped += 1
        else:
            problems.append(f"{test}: unexpected SKIP ({m.group(6)})")
    if not plans:
        problems.append("no KTAP plan line")
    elif len(plans) > 1:
        problems.append(f"{len(plans)} KTAP plan lines")
    elif plans[0] == 0:
        problems.append("plan of 0 tests (1..0)")
    elif len(results) != plans[0]:
        problems.append(f"planned {plans[0]} tests, saw {len(results)}")
    numbers = [int(m.group(2)) for m in results]
    for i, n in enumerate(numbers, 1):
        if n != i:
            problems.append(f"result {i} is numbered {n}: not 1..N in order")
            break
    if s["rc"] != 0 and not problems:
        problems.append(f"exit status {s['rc']}")
    return passed, skipped, problems, [m.group(3).strip() for m in results]


def check_required(name, tests, req):
    problems = []
    for kind, suite, arg, _ in req:
        if suite != name:
            continue
        if kind == "min" and len(tests) < int(arg):
            problems.append(f"{len(tests)} tests, required: at least {arg}")
        elif kind == "need" and not any(fnmatch.fnmatchcase(t, arg)
                                        for t in tests):
            problems.append(f"required: no test named {arg}")
    return problems


def bad_required(req, declared):
    """Rules of the required file that cannot be applied."""
    return [f"required: cannot apply '{kind} {suite} {arg}'"
            for kind, suite, arg, _ in req
            if suite not in declared or kind not in ("min", "need")
            or kind == "min" and not arg.isdigit()]


def flags(mask):
    return [TAINT_FLAGS[b] if b < len(TAINT_FLAGS) else f"bit{b}"
            for b in range(mask.bit_length()) if mask >> b & 1]


def check_taint(who, before, after, exp, known):
    """Taint flags set between two readings that expected does not allow."""
    bad = []
    for flag in flags(after & ~before):
        reason = expected(exp, "taint", who, flag)
        if reason is None:
            bad.append(flag)
        else:
            known.append(f"{who}: taint {flag} ({reason})")
    return [f"kernel tainted: {''.join(bad)} (/proc/sys/kernel/tainted "
            f"{after})"] if bad else []


def main():
    rundir, suitesfile = sys.argv[1], sys.argv[2]
    label = sys.argv[3] if len(sys.argv) > 3 else os.path.basename(rundir)
    lists = os.path.dirname(suitesfile)
    exp = load_list(os.path.join(lists, "expected"))
    req = load_list(os.path.join(lists, "required"))
    declared = load_suites(suitesfile)
    tlines = read_lines(os.path.join(rundir, "tests.log")) or []
    clines = read_lines(os.path.join(rundir, "console.log"))
    suites, taints = parse_log(tlines)

    # Problems of the run as a whole, each one failure; those of a suite
    # are counted in its line.
    run = bad_required(req, declared)
    if not declared:
        run.append(f"{suitesfile} declares no suite")
    known, problems = [], []
    if "boot" in taints:
        run += [f"boot: {p}"
                for p in check_taint("boot", 0, taints["boot"], exp, known)]
    else:
        run.append("no taint reading at boot")
    taint = taints.get("boot", 0)
    npass = nfail = nskip = 0
    ran = []
    for s in suites:
        name, kind = s["name"], s["kind"]
        if kind == "report":
            sp, ss, sprob = check_leaks(s, exp, known)
        elif name not in declared:
            sp, ss, sprob = 0, 0, [f"not declared in {suitesfile}"]
        elif name in ran:
            sp, ss, sprob = 0, 0, ["ran twice"]
        elif s["rc"] is None:
            sp, ss, sprob = 0, 0, ["no END marker (guest crashed or hung)"]
        else:
            check = check_prog if kind == "prog" else check_ktap
            sp, ss, sprob, tests = check(s, exp)
            sprob += check_required(name, tests, req)
            if name in taints:
                sprob += check_taint(name, taint, taints[name], exp, known)
                taint = taints[name]
            else:
                sprob.append("no taint reading after the suite")
        if kind != "report":
            ran.append(name)
        secs = "" if s["secs"] is None else f" in {s['secs']}s"
        print(f"{label}: {name}: {sp} passed, {len(sprob)} failed, "
              f"{ss} skipped{secs}")
        problems += [f"{name}: {p}" for p in sprob]
        npass, nfail, nskip = npass + sp, nfail + len(sprob), nskip + ss
    for name in declared:
        if name not in ran:
            print(f"{label}: {name}: 0 passed, 1 failed, 0 skipped")
            problems.append(f"{name}: never began (no BEGIN marker)")
            nfail += 1

    if not any(l.startswith("### DONE") for l in tlines):
        run.append("guest did not reach the end of its script "
                   "(crash, hang or timeout: see console.log)")
    if clines is None:
        run.append("no console.log")
    elif not any(BANNER in l for l in clines):
        run.append(f"console.log has no kernel banner ({BANNER.strip()})")
    splats = [l.rstrip() for l in clines or [] if SPLATS.search(l)]
    if splats:
        run.append(f"console: {len(splats)} splat lines, first: {splats[0]}")
    problems += run
    nfail += len(run)

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

#!/usr/bin/env python3
"""Test of the test runner: feed scripts/report.py deliberately broken runs
and check that each of its rules fires, and that good runs pass.

Usage: test-report.py

Each case starts from a good run, breaks it in one way and writes it to a
temporary directory: tests.log as tests/guest/init prints it, console.log as
the kernel does, and the suites, expected and required files beside them.
A last case runs the repository's own tests/ lists on a run made to satisfy
them.  Prints KTAP, with the FAIL line each broken run drew, and ends with
"runner: N passed, N failed" for scripts/run-tests.sh.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(os.path.dirname(HERE), "tests")

SUITES = """# NAME KIND TIMEOUT COMMAND
gmem_edu_dma ktap 300 ./gmem_edu_dma
guest_memfd_test prog 300 ./guest_memfd_test
iommufd ktap 1200 ./iommufd
"""
EXPECTED = """# skip/leak/taint SUITE TEST-or-FUNCTION-or-FLAG REASON
skip iommufd iommufd_gmem.no_domain.* needs a domain, by design
leak iommufd dev_iommu_get a known leak of the base
"""
REQUIRED = """# min SUITE N / need SUITE GLOB
min gmem_edu_dma 3
need gmem_edu_dma fault_after_*
min iommufd 5
need iommufd iommufd_gmem.*
"""
E2E = ["map", "dma_to_gmem", "fault_after_punch_hole"]
IOMMUFD = ["iommufd.simple_close", "iommufd_ioas.mock_domain.basic",
           "iommufd_gmem.one_domain.map_pfns",
           "iommufd_gmem.one_domain.punch_hole",
           "iommufd_gmem.no_domain.memory_failure"]
CONSOLE = """\
Linux version 7.3.4 (root@bed) (gcc (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC
Command line: console=ttyS0 panic=-1 oops=panic intel_iommu=on loglevel=6
DMAR: IOMMU enabled
kmemleak: Kernel memory leak detector initialized (mem pool available: 15874)
kvm_amd: Nested Paging enabled
DMAR: DRHD: handling fault status reg 2
DMAR: [DMA Write NO_PASID] Request device [00:03.0] fault addr 0x100000 [fault reason 0x05] PTE Write access is not set
reboot: Power down
"""
LEAK = """unreferenced object 0xffff888004a1c000 (size 64):
  comm "iommufd", pid 301, jiffies 4294912345
  backtrace (crc 0):
    kmemleak_alloc+0x4a/0x80
    {}+0x2c/0x60
    iommufd_test+0x1a3/0x1c0"""


def ktap(names, plan=None, numbers=None, skip=()):
    """A kselftest-harness KTAP body."""
    lines = ["TAP version 13", f"1..{len(names) if plan is None else plan}",
             f"# Starting {len(names)} tests from 3 test cases."]
    for i, name in zip(numbers or range(1, len(names) + 1), names):
        lines += [f"#  RUN           {name} ...", f"#            OK  {name}",
                  f"ok {i} {name}" + (" # SKIP by design" if name in skip
                                      else "")]
    return lines + [f"# Totals: pass:{len(names)} fail:0 xfail:0 xpass:0 "
                    "skip:0 error:0"]


class Suite:
    def __init__(self, name, kind, body, rc=0):
        self.name, self.kind, self.body, self.rc = name, kind, body, rc
        self.taint, self.leaks, self.scan_rc = 0, [], 0


class Run:
    """The good run that each case breaks."""
    def __init__(self):
        self.suites, self.expected, self.required = SUITES, EXPECTED, REQUIRED
        self.boot_taint = 0
        self.ran = [Suite("gmem_edu_dma", "ktap", ktap(E2E)),
                    Suite("guest_memfd_test", "prog", ["Random seed: 1"]),
                    Suite("iommufd", "ktap", ktap(IOMMUFD, skip=IOMMUFD[4:]))]
        self.kmemleak = False
        self.done = True
        self.console = CONSOLE

    def __getitem__(self, name):
        return next(s for s in self.ran if s.name == name)

    def tests_log(self):
        out = ["### BOOT 7.3.4"]
        if self.boot_taint is not None:
            out.append(f"### TAINT boot {self.boot_taint}")
        for s in self.ran:
            out += [f"### BEGIN {s.name} {s.kind}"] + s.body
            if s.rc is None:
                break
            out.append(f"### END {s.name} rc={s.rc} secs=7")
            if s.taint is not None:
                out.append(f"### TAINT {s.name} {s.taint}")
            if self.kmemleak:
                out += [f"### BEGIN kmemleak:{s.name} report"] + s.leaks + \
                       [f"### END kmemleak:{s.name} rc={s.scan_rc} secs=0"]
        if self.done:
            out.append("### DONE")
        return "".join(line + "\r\n" for line in out)


def report(run):
    """Exit status, output and counts of report.py on the run."""
    with tempfile.TemporaryDirectory() as d:
        files = {"suites": run.suites, "expected": run.expected,
                 "required": run.required, "run/tests.log": run.tests_log()}
        if run.console is not None:
            files["run/console.log"] = run.console.replace("\n", "\r\n")
        os.mkdir(os.path.join(d, "run"))
        for name, text in files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        p = subprocess.run([sys.executable, os.path.join(HERE, "report.py"),
                            os.path.join(d, "run"), os.path.join(d, "suites"),
                            "bed"], capture_output=True, text=True)
        try:
            with open(os.path.join(d, "run", "counts")) as f:
                counts = f.read().split()
        except FileNotFoundError:
            counts = None
        return p.returncode, p.stdout + p.stderr, counts


CASES = []


def case(want):
    """A case whose run must fail with a FAIL line containing want (a
    string), or pass: with the counts want (["PASSED", "FAILED", "SKIPPED"])
    unless want is None."""
    def register(fn):
        CASES.append((fn.__name__, fn, want))
        return fn
    return register


@case(["8", "0", "1"])
def good_run(r):
    pass


@case(["11", "0", "1"])
def good_debug_run_with_known_leak(r):
    r.kmemleak = True
    r["iommufd"].leaks = LEAK.format("dev_iommu_get").splitlines()


@case(["8", "0", "1"])
def allowed_taint(r):
    r.expected += "taint iommufd N the suite loads a test module\n"
    r["iommufd"].taint = 1 << 18


# tests/suites is enforced.
@case("declares no suite")
def no_suite_declared(r):
    r.suites, r.required, r.ran = "# nothing\n", "", []


@case("guest_memfd_test: never began")
def suite_dropped(r):
    del r.ran[1]


@case("extra: not declared")
def undeclared_suite(r):
    r.ran.append(Suite("extra", "prog", []))


@case("iommufd: ran twice")
def suite_ran_twice(r):
    r.ran.append(r["iommufd"])


@case("iommufd: no END marker")
def no_end_marker(r):
    r["iommufd"].rc, r.done = None, False


@case("did not reach the end of its script")
def guest_not_done(r):
    r.done = False


# KTAP plans and result numbers.
@case("gmem_edu_dma: plan of 0 tests")
def plan_of_zero(r):
    r["gmem_edu_dma"].body = ["TAP version 13", "1..0 # SKIP no edu device"]
    r["gmem_edu_dma"].rc = 4


@case("iommufd: no KTAP plan line")
def no_plan(r):
    r["iommufd"].body = [l for l in r["iommufd"].body
                         if not l.startswith("1..")]


@case("iommufd: 2 KTAP plan lines")
def two_plans(r):
    r["iommufd"].body.append("1..5")


@case("iommufd: planned 4 tests, saw 5")
def plan_shorter_than_results(r):
    r["iommufd"].body = ktap(IOMMUFD, plan=4, skip=IOMMUFD[4:])


@case("iommufd: planned 5 tests, saw 4")
def results_truncated(r):
    r["iommufd"].body = ktap(IOMMUFD[:4], plan=5)


@case("iommufd: result 3 is numbered 4")
def result_number_gap(r):
    r["iommufd"].body = ktap(IOMMUFD, numbers=[1, 2, 4, 5, 6],
                             skip=IOMMUFD[4:])


@case("iommufd: result 3 is numbered 2")
def result_number_repeated(r):
    r["iommufd"].body = ktap(IOMMUFD, numbers=[1, 2, 2, 3, 4],
                             skip=IOMMUFD[4:])


# tests/required.
@case("iommufd: 4 tests, required: at least 5")
def shorter_plan_below_minimum(r):
    r["iommufd"].body = ktap(IOMMUFD[1:], skip=IOMMUFD[4:])


@case("iommufd: required: no test named iommufd_gmem.*")
def required_fixture_dropped(r):
    r["iommufd"].body = ktap(IOMMUFD[:2] + ["iommufd.a", "iommufd.b",
                                            "iommufd.c"])


@case("required: cannot apply 'min gmem_stress 1'")
def required_rule_for_undeclared_suite(r):
    r.required += "min gmem_stress 1\n"


# Results.
@case("iommufd: iommufd_gmem.one_domain.punch_hole: FAILED")
def test_failed(r):
    body = r["iommufd"].body
    body[body.index("ok 4 iommufd_gmem.one_domain.punch_hole")] = \
        "not ok 4 iommufd_gmem.one_domain.punch_hole"


@case("iommufd: iommufd.simple_close: unexpected SKIP")
def unexpected_skip(r):
    r["iommufd"].body = ktap(IOMMUFD, skip=[IOMMUFD[0], IOMMUFD[4]])


@case("guest_memfd_test: skipped unexpectedly")
def prog_skipped(r):
    r["guest_memfd_test"].rc = 4


@case("guest_memfd_test: rc=1")
def prog_failed(r):
    r["guest_memfd_test"].rc = 1


@case("iommufd: exit status 1")
def ktap_complete_but_exit_status(r):
    r["iommufd"].rc = 1


@case("kmemleak:iommufd: 1 unexpected leaks")
def unexpected_leak(r):
    r.kmemleak = True
    r["iommufd"].leaks = LEAK.format("iopt_alloc").splitlines()


@case("kmemleak:guest_memfd_test: kmemleak scan failed (rc=1)")
def kmemleak_scan_failed(r):
    r.kmemleak = True
    r["guest_memfd_test"].leaks = ["sh: write error: Operation not permitted"]
    r["guest_memfd_test"].scan_rc = 1


# console.log.
@case("no console.log")
def console_missing(r):
    r.console = None


@case("console.log has no kernel banner")
def console_without_banner(r):
    r.console = "".join(l + "\n" for l in CONSOLE.splitlines()
                        if "Linux version" not in l)


def splat(line):
    def add(r):
        r.console = CONSOLE.replace("reboot:", f"{line}\nreboot:")
    return add


for _name, _line in [
    ("warning", "WARNING: CPU: 1 PID: 312 at drivers/iommu/iommufd/"
                "pages.c:1589 iopt_area_unfill_domain+0x1f/0x30"),
    ("slub_bug", "BUG kmalloc-64 (Not tainted): Poison overwritten"),
    ("slub_bug_tainted", "BUG kmalloc-192 (Tainted: G        W          ): "
                         "Object already free"),
    ("printk_dropped", "** 12 printk messages dropped **"),
    ("kmemleak_disabled", "kmemleak: Kernel memory leak detector disabled"),
    ("kmemleak_disabling", "kmemleak: Early log buffer exceeded (3000), "
                           "disabling"),
    ("kmemleak_cannot_allocate", "kmemleak: Cannot allocate a "
                                 "kmemleak_object structure"),
    ("kmemleak_pool_empty", "kmemleak: Memory pool empty, consider "
                            "increasing CONFIG_DEBUG_KMEMLEAK_MEM_POOL_SIZE"),
    ("hung_task", "INFO: task iommufd:345 blocked for more than 61 seconds."),
    ("hung_task_blocker", "INFO: task iommufd:346 is blocked on a mutex "
                          "likely owned by task iommufd:345."),
    ("soft_lockup", "watchdog: BUG: soft lockup - CPU#1 stuck for 22s! "
                    "[gmem_stress:400]"),
    ("rcu_stall", "rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:"),
]:
    CASES.append((f"splat_{_name}", splat(_line),
                  f"console: 1 splat lines, first: {_line}"))


# Taint.
@case("FAIL: boot: kernel tainted: I (/proc/sys/kernel/tainted 2048)")
def taint_at_boot(r):
    r.boot_taint = 1 << 11


@case("FAIL: no taint reading at boot")
def no_taint_reading_at_boot(r):
    r.boot_taint = None


@case("guest_memfd_test: kernel tainted: W (/proc/sys/kernel/tainted 512)")
def taint_by_suite(r):
    r["guest_memfd_test"].taint = r["iommufd"].taint = 1 << 9


@case("iommufd: kernel tainted: L (/proc/sys/kernel/tainted 16896)")
def taint_added_by_later_suite(r):
    r["guest_memfd_test"].taint = 1 << 9
    r.expected += "taint guest_memfd_test W allowed for this case\n"
    r["iommufd"].taint = 1 << 9 | 1 << 14


@case("iommufd: no taint reading after the suite")
def no_taint_reading_after_suite(r):
    r["iommufd"].taint = None


@case(None)
def repo_lists(r):
    """The repository's own tests/ lists apply, and a run that meets them
    passes: each suite reports its minimum and a test per required glob."""
    def read(name):
        with open(os.path.join(TESTS, name)) as f:
            return f.read()
    r.suites, r.expected, r.required = map(read, ("suites", "expected",
                                                  "required"))
    lines = [l.split() for l in r.suites.splitlines()
             if l.strip() and not l.startswith("#")]
    rules = [l.split() for l in r.required.splitlines()
             if l.strip() and not l.startswith("#")]
    r.ran = []
    for name, kind, *_ in lines:
        names = [g.replace("*", "x").replace("?", "x")
                 for k, s, g in rules if k == "need" and s == name]
        need = max([int(n) for k, s, n in rules if k == "min" and s == name]
                   + [1])
        names += [f"{name}.t{i}" for i in range(need - len(names))]
        r.ran.append(Suite(name, kind, [] if kind == "prog" else ktap(names)))


def main():
    print("TAP version 13")
    print(f"1..{len(CASES)}")
    passed = 0
    for i, (name, fn, want) in enumerate(CASES, 1):
        run = Run()
        fn(run)
        rc, out, counts = report(run)
        fails = [l for l in out.splitlines() if "FAIL: " in l]
        if isinstance(want, str):
            shown = [l for l in fails if want in l]
            ok = rc == 1 and shown
        else:
            shown = []
            ok = rc == 0 and not fails and (want is None or counts == want)
        if ok:
            passed += 1
            print(f"ok {i} {name}")
            print("".join(f"#   {l}\n" for l in shown[:1]), end="")
        else:
            print(f"# wanted {want!r}, report.py exit {rc}, counts {counts}:")
            print("".join(f"#   {l}\n" for l in out.splitlines()), end="")
            print(f"not ok {i} {name}")
    print(f"runner: {passed} passed, {len(CASES) - passed} failed")
    return 0 if passed == len(CASES) else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Load test of `migcheck hook` against one inventory (issue 12).

    hook-load.py MIGCHECK DATADIR [SERIAL [PARALLEL]]   (defaults 334, 50)

Builds a temporary inventory holding the profile embedded in a guest's
migcheck metadata (tests/data/domxml/live-tcg-stamped.xml, a real capture)
as this host, then runs `migcheck hook` with that domain XML on stdin,
SERIAL times in a row and PARALLEL at once per round, all reading the same
inventory (3 rounds of 334: 1,002 hooks in all).

Baseline, same run: `migcheck plan` of the same pair (the embedded profile,
from a file, to this host from the inventory) with the pins the hook takes
from the domain XML (CPU, MACHINE, VIRTTYPE), started the same way (the XML
on stdin). The hook's extra work is reading the domain XML and its
metadata. Rounds alternate (tests/bench/lib.sh): SERIAL plans in a row, then
SERIAL hooks in a row, again ($BENCH_RUNS rounds, default 3, at least 3,
odd); then PARALLEL plans at once, PARALLEL hooks at once, again.

Prints, per kind: failures (a hook exit other than 0, a plan exit other than
0/1: the hook lets the guest in, so the plan is ok or action; expected 0),
the medians over the rounds of the per-invocation wall time p50/p99/max and
of the largest max RSS (getrusage of each child, wait4), and the median of
the per-round ratios hook/plan. No figure is asserted: it exits 1 only on
failures.
"""
import base64
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

mc, data = sys.argv[1], sys.argv[2]
serial = int(sys.argv[3]) if len(sys.argv) > 3 else 334
parallel = int(sys.argv[4]) if len(sys.argv) > 4 else 50
rounds = max(3, int(os.environ.get("BENCH_RUNS") or 3))
rounds += 1 - rounds % 2
xml = open(os.path.join(data, "domxml", "live-tcg-stamped.xml"), "rb").read()
b64 = re.search(rb'encoding="base64">([^<]*)<', xml).group(1)
dom = ET.fromstring(xml)
pins = {
    "VIRTTYPE": dom.get("type"),
    "MACHINE": dom.find("os/type").get("machine"),
    "CPU": dom.find("cpu/model").text,
}
tmp = tempfile.mkdtemp(prefix="migcheck-hookload.")
db = os.path.join(tmp, "inventory.db")
conf = os.path.join(tmp, "hook.conf")
open(conf, "w").close()
facts = os.path.join(tmp, "src.facts")
open(facts, "wb").write(base64.b64decode(b64))
subprocess.run([mc, "--db", db, "import", facts, "--host", "dest"], check=True,
               stdout=subprocess.DEVNULL)
ARGV = {
    "hook": [mc, "--db", db, "hook", "--config", conf, "--profile", "dest",
             "mcguest", "migrate", "begin", "-"],
    "plan": [mc, "--db", db, "plan", facts, "dest"]
    + [a for n, v in sorted(pins.items()) for a in ("--pin", "%s=%s" % (n, v))],
}
OK = {"hook": (0,), "plan": (0, 1)}


def start(kind):
    r, w = os.pipe()
    p = subprocess.Popen(ARGV[kind], stdin=r, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    os.close(r)
    try:
        os.write(w, xml)  # far below the pipe buffer: never blocks
    except BrokenPipeError:
        pass  # it ended without reading stdin (plan does not read it)
    os.close(w)
    return p, time.monotonic()


def reap(p, t0, pid=None, status=None, ru=None):
    if pid is None:
        _, status, ru = os.wait4(p.pid, 0)
    t = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    err = p.stderr.read().decode(errors="replace").strip()
    p.stderr.close()
    return p.returncode, t, ru.ru_maxrss, err


def in_a_row(kind, n):
    return [reap(*start(kind)) for _ in range(n)]


def at_once(kind, n):
    procs = {}
    for _ in range(n):
        p, t0 = start(kind)
        procs[p.pid] = (p, t0)
    res = []
    while procs:  # whichever ends first: its own time, not its place in line
        pid, status, ru = os.wait4(-1, 0)
        if pid in procs:
            p, t0 = procs.pop(pid)
            res.append(reap(p, t0, pid, status, ru))
    return res


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def stats(kind, results):
    times = [r[1] * 1000 for r in results]
    return {
        "fails": [r for r in results if r[0] not in OK[kind]],
        "p50": pct(times, 0.5), "p99": pct(times, 0.99), "max": max(times),
        "rss": max(r[2] for r in results),
    }


def run(name, fn, n):
    per = {"plan": [], "hook": []}
    for _ in range(rounds):
        for kind in ("plan", "hook"):
            per[kind].append(stats(kind, fn(kind, n)))
    bad = 0
    for kind in ("plan", "hook"):
        s = per[kind]
        fails = [f for r in s for f in r["fails"]]
        med = {k: statistics.median(r[k] for r in s) for k in ("p50", "p99", "max", "rss")}
        print("%-15s %-4s %4d x %d rounds  %d failures  p50 %.1f ms  p99 %.1f ms  "
              "max %.1f ms  max RSS %d KiB" % (name, kind, n, rounds, len(fails),
                                              med["p50"], med["p99"], med["max"],
                                              med["rss"]))
        for f in fails[:5]:
            print("  %s exit %d: %s" % (kind, f[0], f[3]))
        bad += len(fails)
    for k in ("p50", "p99", "rss"):
        r = [h[k] / p[k] for h, p in zip(per["hook"], per["plan"])]
        print("%-15s hook/plan %-3s ratio %.2f (rounds: %s)" % (
            name, k, statistics.median(r), " ".join("%.2f" % x for x in r)))
    return bad


print("hook: migcheck %s\nbaseline: migcheck %s" % (" ".join(ARGV["hook"][3:]),
                                                  " ".join(ARGV["plan"][3:])))
bad = run("in a row", in_a_row, serial)
bad += run("%d in parallel" % parallel, at_once, parallel)
print("medians of %d alternating rounds" % rounds)
subprocess.run(["rm", "-rf", tmp])
sys.exit(1 if bad else 0)

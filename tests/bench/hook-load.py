#!/usr/bin/env python3
"""Load test of `migcheck hook` against one inventory (issue 12).

    hook-load.py MIGCHECK DATADIR [SERIAL [PARALLEL]]

Builds a temporary inventory holding the profile embedded in a guest's
migcheck metadata (tests/data/domxml/live-tcg-stamped.xml, a real capture)
as this host, then runs `migcheck hook` with that domain XML on stdin
SERIAL times in a row (default 1000) and PARALLEL at once (default 50), all
reading the same inventory. Prints, per round: failures (exit status other
than 0; expected 0), the per-invocation wall time p50/p99/max, and the
largest max RSS of any invocation (getrusage of each child, wait4). No
figure is asserted: it exits 1 only on failures.
"""
import base64
import os
import re
import subprocess
import sys
import tempfile
import time

mc, data = sys.argv[1], sys.argv[2]
serial = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
parallel = int(sys.argv[4]) if len(sys.argv) > 4 else 50
xml = open(os.path.join(data, "domxml", "live-tcg-stamped.xml"), "rb").read()
b64 = re.search(rb'encoding="base64">([^<]*)<', xml).group(1)
tmp = tempfile.mkdtemp(prefix="migcheck-hookload.")
db = os.path.join(tmp, "inventory.db")
conf = os.path.join(tmp, "hook.conf")
open(conf, "w").close()
facts = os.path.join(tmp, "src.facts")
open(facts, "wb").write(base64.b64decode(b64))
subprocess.run([mc, "--db", db, "import", facts, "--host", "dest"], check=True,
               stdout=subprocess.DEVNULL)
argv = [mc, "--db", db, "hook", "--config", conf, "--profile", "dest",
        "mcguest", "migrate", "begin", "-"]


def start():
    r, w = os.pipe()
    p = subprocess.Popen(argv, stdin=r, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    os.close(r)
    os.write(w, xml)  # far below the pipe buffer: never blocks
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


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def report(name, results):
    fails = [r for r in results if r[0] != 0]
    times = [r[1] * 1000 for r in results]
    rss = max(r[2] for r in results)
    print("%-22s %5d runs  %d failures  p50 %.1f ms  p99 %.1f ms  max %.1f ms  "
          "max RSS %d KiB" % (name, len(results), len(fails), pct(times, 0.5),
                              pct(times, 0.99), max(times), rss))
    for f in fails[:5]:
        print("  exit %d: %s" % (f[0], f[3]))
    return len(fails)


bad = 0
res = []
for _ in range(serial):
    res.append(reap(*start()))
bad += report("in a row", res)
procs = {}
for _ in range(parallel):
    p, t0 = start()
    procs[p.pid] = (p, t0)
res = []
while procs:  # whichever ends first: its own time, not its place in line
    pid, status, ru = os.wait4(-1, 0)
    if pid in procs:
        p, t0 = procs.pop(pid)
        res.append(reap(p, t0, pid, status, ru))
bad += report("%d in parallel" % parallel, res)
subprocess.run(["rm", "-rf", tmp])
sys.exit(1 if bad else 0)

#!/usr/bin/env python3
"""Process start-up cost (issue 16 "a cheap hook, a quick plan").

    startup.py BUILDDIR DATADIR [ROUNDS [NETNS URI]]

libvirt runs the qemu hook synchronously for every domain operation, and a
plan is often asked from scripts, so what a whole process costs matters.
Each command runs once per round, in a new random order each round, ROUNDS rounds
(default 30); the figure is the median wall time and its ratio to
/bin/true's median in the same run. The commands:
  - the installed hook wrapper (cmd/install/install-hook.sh) called for an
    operation it ignores ("DOMAIN start begin -"): its do-nothing path;
  - `migcheck hook DOMAIN start begin -` called directly: the same decision
    taken by the binary;
  - `migcheck --version`: start-up alone, and `migcheck-full --version`,
    the program with libvirt and libcurl (README "Two programs");
  - `migcheck plan` of two arm64 profiles and of two x86 profiles (the x86
    plan reads libvirt's CPU map, from the cache as usual, and once more
    with no cache: MIGCHECK_CACHE_DIR empty);
  - with NETNS and URI (tests/bench/startup.sh starts a libvirtd in that
    network namespace): `virsh hypervisor-cpu-compare` of a qemu64 <cpu>
    against that daemon, libvirt's own answer to "can this CPU run there",
    and `ip netns exec NETNS /bin/true`, the share of the namespace switch;
  - empty C programs linked against libvirt, libcurl, and glib + libxml2 +
    sqlite3 (what migcheck links), to attribute the start-up cost: they run
    no code of their own, only the dynamic loader and the libraries'
    constructors.
No figure is asserted.
"""
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

build, data = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 30
mc = os.path.join(build, "migcheck")
src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
tmp = tempfile.mkdtemp(prefix="migcheck-startup.")
env = dict(os.environ, MIGCHECK_DB=os.path.join(tmp, "none.db"),
           MIGCHECK_HOOK_CONFIG=os.path.join(tmp, "hook.conf"),
           MIGCHECK_CACHE_DIR=os.path.join(tmp, "cache"))
open(env["MIGCHECK_HOOK_CONFIG"], "w").close()
hooks = os.path.join(tmp, "hooks")
subprocess.run(["sh", os.path.join(src, "cmd/install/install-hook.sh"), "install", hooks, mc],
               check=True, stdout=subprocess.DEVNULL)

empty = os.path.join(tmp, "empty.c")
with open(empty, "w") as f:
    f.write("int main(void) { return 0; }\n")


def link(name, libs):
    out = os.path.join(tmp, name)
    flags = subprocess.run(["pkg-config", "--libs"] + libs, capture_output=True, text=True)
    if flags.returncode != 0:
        return None
    r = subprocess.run(["cc", "-o", out, empty, "-Wl,--no-as-needed"] + flags.stdout.split())
    return out if r.returncode == 0 else None


cases = [
    ("/bin/true (baseline)", ["/bin/true"]),
    ("installed hook wrapper, ignored operation", [os.path.join(hooks, "qemu.d", "migcheck"), "g", "start", "begin", "-"]),
    ("migcheck hook, ignored operation", [mc, "hook", "g", "start", "begin", "-"]),
    ("migcheck --version", [mc, "--version"]),
    ("migcheck-full --version", [mc + "-full", "--version"]),
    ("migcheck plan (arm64 profiles)", [mc, "plan", os.path.join(data, "matrix/psci.old"),
                                        os.path.join(data, "matrix/psci.new")]),
    ("migcheck plan (x86 profiles, CPU map)", [mc, "plan", os.path.join(data, "fleet/profiles/x86-epyc.facts"),
                                               os.path.join(data, "fleet/profiles/x86-max.facts")]),
    ("migcheck plan (x86 profiles, no cache)", [mc, "plan",
                                                 os.path.join(data, "fleet/profiles/x86-epyc.facts"),
                                                 os.path.join(data, "fleet/profiles/x86-max.facts")]),
]
if len(sys.argv) > 5:
    ns, uri = sys.argv[4], sys.argv[5]
    cpu = os.path.join(tmp, "cpu.xml")
    with open(cpu, "w") as f:
        f.write("<cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model></cpu>\n")
    cases += [("ip netns exec (namespace switch alone)", ["ip", "netns", "exec", ns, "/bin/true"]),
              ("virsh hypervisor-cpu-compare (in netns)",
               ["ip", "netns", "exec", ns, "virsh", "-q", "-c", uri, "hypervisor-cpu-compare", cpu])]
for name, libs in [("empty program + libvirt", ["libvirt"]), ("empty program + libcurl", ["libcurl"]),
                   ("empty program + glib, libxml2, sqlite3", ["glib-2.0", "libxml-2.0", "sqlite3"])]:
    exe = link(name.replace(" ", "_").replace(",", ""), libs)
    if exe:
        cases.append((name, [exe]))

case_env = {name: env for name, _ in cases}
case_env["migcheck plan (x86 profiles, no cache)"] = dict(env, MIGCHECK_CACHE_DIR="")
subprocess.run(dict(cases)["migcheck plan (x86 profiles, CPU map)"], env=env,
               stdout=subprocess.DEVNULL)  # the CPU map cache, warm
times = {name: [] for name, _ in cases}
for _ in range(rounds):
    for name, argv in random.sample(cases, len(cases)):  # no fixed position
        t0 = time.perf_counter()
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=case_env[name])
        times[name].append((time.perf_counter() - t0) * 1000)
base = statistics.median(times[cases[0][0]])
print("%-45s %9s %8s" % ("process (median of %d alternating runs)" % rounds, "ms", "x true"))
for name, _ in cases:
    m = statistics.median(times[name])
    print("%-45s %9.2f %8.1f" % (name, m, m / base))
shutil.rmtree(tmp)

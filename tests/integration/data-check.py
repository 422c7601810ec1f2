#!/usr/bin/env python3
"""Independent checks of the expected outputs under tests/data.

Usage: data-check.py DATADIR CHECK...     check the expectations of folders
       data-check.py --page PAGE.html    every cell of a `migcheck report
                                         --html` page against `migcheck plan`

Each unit test compares migcheck with a file of expectations; this script
backs those files with a second opinion that shares no code with migcheck:
Python's own XML parser (expat), sqlite3 module, hashlib, base64 and sort,
coreutils' sha256sum, libxml2's RelaxNG validator (xmllint) on the schemas,
a writer of its own, or single `migcheck plan SRC DST` runs for aggregate
outputs (report cells, gate pairs, matrix rows). CHECK is one of the names
in CHECKS below (or "all"); each folder's README says which check backs it.

Prints "CHECK: N checked" per check and "FAIL FILE: reason" per mismatch;
exit 1 on any mismatch, or when a check found nothing to check. An
expectation the independent reading cannot reproduce is a mismatch, so a
new kind of expectation needs a new rule here.
Environment: MIGCHECK (the binary, for the plan-based checks); XMLLINT
(default xmllint); MC_DATA_CHECK_ONLY=NAME (only the case NAME of each
folder); MC_DATA_CHECK_CACHE=FILE (plan answers kept between runs). Run by
tests/integration/data-check.sh and report-html.sh. Test helper only: the
standard library, xmllint and sha256sum.
"""
import base64
import binascii
import concurrent.futures
import fnmatch
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse
import xml.etree.ElementTree as ET
import xml.parsers.expat

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.dirname(os.path.dirname(HERE))
SCHEMAS = os.path.join(SRCDIR, "schemas")
LEVELS = {"ok": 0, "action": 1, "blocked": 2}

fails = []


def fail(what, why):
    fails.append(f"FAIL {what}: {why}")


def read(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def names(folder, ext):
    """The cases of a folder; only MC_DATA_CHECK_ONLY when that is set (the
    corruption runs of data-check.sh look at the corrupted case alone)."""
    only = os.environ.get("MC_DATA_CHECK_ONLY")
    return sorted(f[: -len(ext)] for f in os.listdir(folder)
                  if f.endswith(ext) and (not only or f == only + ext))


def expect_lines(path):
    """Lines of an expectation file without comments and blank lines."""
    return [l for l in read(path).splitlines() if l.strip() and not l.startswith("#")]


# ---- facts, as README "Facts" specifies them (a second implementation) ----

class FactsError(Exception):
    pass


def field_error(what, s, may_be_empty):
    if not s and not may_be_empty:
        return f"fact {what} is empty"
    if any(c in s for c in (b"\t", b"\n", b"\r")):
        return f"fact {what} contains a tab or line break"
    try:
        text = s.decode("utf-8")
    except UnicodeDecodeError as e:
        return f"fact {what} has a control character or invalid UTF-8 at byte {e.start}"
    for i, ch in enumerate(text):
        if ord(ch) < 0x20 or ord(ch) == 0x7F or ch in "\ufffe\uffff":
            return (f"fact {what} has a control character or invalid UTF-8 at byte "
                    f"{len(text[:i].encode())}")
    if s.endswith(b" "):
        return f"fact {what} has trailing white space"
    return None


def parse_facts(data):
    """bytes -> {(domain, key): value} (bytes), or FactsError."""
    if b"\0" in data:
        raise FactsError("contains a NUL byte")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    facts = {}
    for n, line in enumerate(data.split(b"\n"), 1):
        if not line or line.startswith(b"#"):
            continue
        parts = line.split(b"\t", 2)
        if len(parts) < 3:
            raise FactsError(f"{n}: expected DOMAIN<TAB>KEY<TAB>VALUE")
        for what, s, empty_ok in (("domain", parts[0], False), ("key", parts[1], False),
                                  ("value", parts[2], True)):
            why = field_error(what, s, empty_ok)
            if why:
                raise FactsError(f"{n}: {why}")
        if parts[0].startswith(b"#"):
            raise FactsError(f"{n}: fact domain starts with '#'")
        if parts[0].startswith(b"\xef\xbb\xbf"):
            raise FactsError(f"{n}: fact domain starts with a byte order mark")
        k = (parts[0], parts[1])
        if k in facts:
            raise FactsError(f"duplicate fact {k[0].decode()} {k[1].decode()}")
        facts[k] = parts[2]
    return facts


def canonical(facts):
    """Sorted bytewise by (domain, key): plain sorted() on bytes tuples."""
    return b"".join(b"%s\t%s\t%s\n" % (d, k, v) for (d, k), v in sorted(facts.items()))


def profile_id(facts):
    return hashlib.sha256(canonical(facts)).hexdigest()


def load_facts(path):
    return parse_facts(read(path, "rb"))


def arch_of(facts):
    a = facts.get((b"kernel", b"arch"))
    return a.decode() if a is not None else None


# ---- single plan runs ----

def migcheck():
    m = os.environ.get("MIGCHECK") or os.path.join(SRCDIR, "migcheck")
    if not os.access(m, os.X_OK):
        print(f"FAIL no migcheck binary at {m} (set MIGCHECK)")
        sys.exit(1)
    return m


def plan(src, dst, pins=(), xml_out=False):
    """One `migcheck plan SRC DST` run: (kind, xml text or None), kind one of
    ok/action/blocked (exit 0/1/2), na (refused: other architecture) or
    error (refused otherwise)."""
    cmd = [migcheck(), "plan", src, dst]
    for p in pins:
        cmd += ["--pin", p]
    if xml_out:
        cmd += ["--format", "xml"]
    r = subprocess.run(cmd, capture_output=True, text=True, errors="replace")
    kind = {0: "ok", 1: "action", 2: "blocked"}.get(r.returncode)
    if kind is None:
        kind = "na" if "cannot migrate between architectures" in r.stderr else "error"
        if r.returncode != 65:
            kind = f"exit {r.returncode}: {r.stderr.strip()}"
    return kind, (r.stdout if xml_out else None)


PLANNED = {}
CACHE = os.environ.get("MC_DATA_CHECK_CACHE")  # FILE: plan answers kept between runs
if CACHE and os.path.exists(CACHE):
    PLANNED.update({tuple(k.split("\t")): v for k, v in
                    (l.rstrip("\n").rsplit("\t", 1) for l in open(CACHE))})


def save_plan_cache():
    if CACHE:
        with open(CACHE, "w") as f:
            f.writelines(f"{s}\t{d}\t{k}\n" for (s, d), k in sorted(PLANNED.items()))


def plan_all(pairs):
    """{(src, dst): kind} for many pairs, two at a time (each pair once)."""
    todo = set(pairs) - set(PLANNED)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
        futs = {p: ex.submit(plan, p[0], p[1]) for p in todo}
        PLANNED.update({p: f.result()[0] for p, f in futs.items()})
    return {p: PLANNED[p] for p in pairs}


# ---- XML helpers ----

def has_doctype(data):
    """True when the document has a DOCTYPE (expat, stopped right there so
    no entity is ever expanded)."""
    p = xml.parsers.expat.ParserCreate()
    seen = []

    def on_doctype(*_):
        seen.append(1)
        raise StopIteration

    p.StartDoctypeDeclHandler = on_doctype
    try:
        p.Parse(data, True)
    except (StopIteration, xml.parsers.expat.ExpatError):
        pass
    return bool(seen)


def xml_root(data):
    """The document's root element, or None and why it is refused as every
    migcheck reader refuses it (a DOCTYPE first, then malformed XML)."""
    if has_doctype(data):
        return None, "DOCTYPE not allowed"
    root = parse_xml(data)
    return root, None if root is not None else "malformed XML"


def parse_xml(data):
    """ElementTree of a document without DOCTYPE, or None if malformed."""
    try:
        return ET.fromstring(data)
    except ET.ParseError:
        return None


def rng_valid(schema, data):
    with tempfile.NamedTemporaryFile(suffix=".xml") as t:
        t.write(data if isinstance(data, bytes) else data.encode())
        t.flush()
        r = subprocess.run([os.environ.get("XMLLINT", "xmllint"), "--noout", "--relaxng",
                            os.path.join(SCHEMAS, schema), t.name], capture_output=True)
    return r.returncode == 0


def local(tag):
    return tag.rsplit("}", 1)[-1]


# ==== report: tests/data/report/NAME.expect cells vs single plans ====

def unescape_host(h):
    return re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), h.encode())


def check_report(data):
    d = os.path.join(data, "report")
    n = 0
    for name in names(d, ".expect"):
        what = f"report/{name}.expect"
        fleet = []  # (host, file)
        for l in read(os.path.join(d, name + ".fleet")).splitlines():
            if l and not l.startswith("#"):
                h, f = l.split("\t")
                fleet.append((unescape_host(h), f))
        opts = {}
        if os.path.exists(os.path.join(d, name + ".opts")):
            opts = dict(l.split(None, 1) for l in expect_lines(os.path.join(d, name + ".opts")))
        # The fleet's distinct profiles by content; hosts per profile.
        prof, hosts, arch = {}, {}, {}
        for h, f in fleet:
            facts = load_facts(os.path.join(data, f))
            pid = profile_id(facts)
            prof.setdefault(pid, f)
            hosts.setdefault(pid, []).append(h)
            arch[pid] = arch_of(facts)
        if "arch" in opts:
            keep = [p for p in prof if arch[p] == opts["arch"]]
        else:
            keep = list(prof)
        lines = expect_lines(os.path.join(d, name + ".expect"))
        if lines[0].startswith("error "):
            code, text = lines[0].split(" ", 2)[1:]
            want = ("the fleet has no hosts" if not fleet else
                    f"the fleet has no {opts.get('arch')} profile" if not keep else None)
            if code != "66" or want is None or want not in text:
                fail(what, f"'{lines[0]}': the fleet gives '{want}' (README: exit 66)")
            n += 1
            continue
        mx = int(opts.get("max", 500))
        # the N profiles with the most hosts (README "report")
        shown = sorted(keep, key=lambda p: (-len(hosts[p]), p))[:mx]
        nh = sum(len(hosts[p]) for p in shown)
        want_head = [f"shown {len(shown)} of {len(keep)}",
                     f"hosts {nh} of {sum(len(hosts[p]) for p in keep)}"]
        if lines[:2] != want_head:
            fail(what, f"{lines[:2]}, the fleet gives {want_head}")
        cells = {}
        for l in lines:
            if l.startswith("cell "):
                _, s, t, kind = l.split()
                cells[(s, t)] = kind
            elif l.startswith("label "):
                _, f, text = l.split(" ", 2)
                hs = hosts[profile_id(load_facts(os.path.join(data, f)))]
                m = re.fullmatch(r"(\d+) hosts?: (.*)", text)
                ok = (int(m.group(1)) == len(hs) and m.group(2).split(", ") ==
                      sorted(h.decode() for h in hs)) if m else text.encode() in hs
                if not ok:
                    fail(what, f"'{l}': the fleet's hosts of {f} are {hs}")
        files = sorted(prof[p] for p in shown)
        want_pairs = {(s, t) for s in files for t in files}
        if set(cells) != want_pairs:
            fail(what, f"cells for {len(cells)} pairs, the shown profiles make {len(want_pairs)}")
        got = plan_all([(os.path.join(data, s), os.path.join(data, t)) for s, t in cells])
        for (s, t), kind in cells.items():
            k = got[(os.path.join(data, s), os.path.join(data, t))]
            if k != kind:
                fail(what, f"cell {s} -> {t} is {kind}; migcheck plan says {k}")
            n += 1
    return n


# ==== report page: every cell of a rendered page vs single plans ====

def check_page(page):
    """The page's cells are data (<div id="mc-data">: a set id per cell, the
    sets naming their kind) that its script draws; the row and column labels
    name the profiles."""
    root = parse_xml(read(page, "rb"))
    if root is None:
        fail(page, "not well-formed XML")
        return 0
    rows, cols, data = {}, {}, None
    for e in root.iter():
        cls = (e.get("class") or "").split()
        if local(e.tag) == "text" and cls[:1] == ["rl"]:
            rows[int(e.get("id")[3:])] = e.get("data-profile")
        elif local(e.tag) == "text" and cls[:1] == ["cl"]:
            cols[int(e.get("id")[3:])] = e.get("data-profile")
        elif local(e.tag) == "div" and e.get("id") == "mc-data":
            data = json.loads(e.text or "null")
    n = len(rows)
    if n == 0 or rows != cols:
        fail(page, f"{n} row and {len(cols)} column profiles, not the same list")
        return 0
    if not data or [p["id"] for p in data["profiles"]] != [rows[i] for i in range(n)]:
        fail(page, "no data, or its profiles are not the rows")
        return 0
    seen = {}
    for r, row in enumerate(data["cells"]):
        for col, sid in enumerate(row):
            seen[(rows[r], cols[col])] = data["sets"][sid]["kind"]
    if len(data["cells"]) != n or len(seen) != n * n:
        fail(page, f"{len(seen)} cells for {n} profiles")
    got = plan_all(list(seen))
    counts = {}
    for (s, t), kind in seen.items():
        counts[got[(s, t)]] = counts.get(got[(s, t)], 0) + 1
        if got[(s, t)] != kind:
            fail(page, f"cell {s[:12]} -> {t[:12]} is {kind}; migcheck plan says {got[(s, t)]}")
    print("page cells by single plan runs: " +
          ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return len(seen)


# ==== gate: every pair of NAME.expect vs single plans ====

def check_gate(data):
    d = os.path.join(data, "gate")
    n = 0
    for name in names(d, ".expect"):
        what = f"gate/{name}.expect"
        fleet = [l.split() for l in expect_lines(os.path.join(d, name + ".fleet"))]
        cand_f = expect_lines(os.path.join(d, name + ".candidate"))[0].strip()
        base_p = os.path.join(d, name + ".base")
        base_f = expect_lines(base_p)[0].strip() if os.path.exists(base_p) else None
        lines = expect_lines(os.path.join(d, name + ".expect"))
        cand = load_facts(os.path.join(data, cand_f))
        carch = arch_of(cand)
        order, facts_of, file_of, nhosts = [], {}, {}, {}
        for _, f in fleet:
            fa = load_facts(os.path.join(data, f))
            pid = profile_id(fa)
            if pid not in facts_of:
                order.append(pid)
                facts_of[pid], file_of[pid] = fa, f
            nhosts[pid] = nhosts.get(pid, 0) + 1
        same = [p for p in order if arch_of(facts_of[p]) == carch]
        skipped = len(order) - len(same)
        if lines[0].startswith("error "):
            if not (lines[0].startswith("error 65 ") and not same and
                    f"the fleet has no {carch} profile" in lines[0]):
                fail(what, f"'{lines[0]}', but the fleet has {len(same)} {carch} profiles")
            n += 1
            continue
        want = []
        if profile_id(cand) in facts_of:
            want = ["status 0", f"equal {file_of[profile_id(cand)]}", f"skipped {skipped}"]
        else:
            if base_f:
                base = profile_id(load_facts(os.path.join(data, base_f)))
            else:
                # README: fewest differing facts; ties: more hosts, then smaller id
                def ndiff(p):
                    a = facts_of[p]
                    return sum(1 for k in set(a) | set(cand) if a.get(k) != cand.get(k))
                base = min(same, key=lambda p: (ndiff(p), -nhosts[p], p))
            B, C = os.path.join(data, file_of[base]), os.path.join(data, cand_f)
            pairs = []
            for q in same:
                Q = os.path.join(data, file_of[q])
                pairs += [("forward", q, (B, Q), (C, Q)), ("backward", q, (Q, B), (Q, C))]
            got = plan_all([p for _, _, a, b in pairs for p in (a, b)])
            status, body = 0, []
            for direction, q, today, candidate in pairs:
                t, c = got[today], got[candidate]
                if t not in LEVELS or c not in LEVELS:
                    fail(what, f"{direction} {file_of[q]}: plan refused ({t}, {c})")
                    continue
                reg = LEVELS[c] > LEVELS[t]
                if reg:
                    status = max(status, LEVELS[c])
                body.append(f"{direction} {file_of[q]} today {t} candidate {c}" +
                            (" regression" if reg else ""))
            want = [f"status {status}", f"base {file_of[base]}"] + body + [f"skipped {skipped}"]
        if lines != want:
            fail(what, "expected\n    " + "\n    ".join(lines) +
                 "\n  single plan runs give\n    " + "\n    ".join(want))
        n += len(want)
    return n


# ==== targets, baseline: NAME.expect vs single plans ====

def plan_json(data, src, dst, pins_from=None):
    """`migcheck plan SRC DST [--pins-from FILE] --format json` with the
    committed CPU map: (exit status, document or None)."""
    cmd = [migcheck(), "plan", src, dst, "--format", "json"]
    if pins_from:
        cmd += ["--pins-from", pins_from]
    env = dict(os.environ, MIGCHECK_CPU_MAP=os.path.abspath(os.path.join(data, "cpu_map")))
    r = subprocess.run(cmd, capture_output=True, text=True, errors="replace", cwd=data, env=env)
    import json
    return r.returncode, (json.loads(r.stdout) if r.returncode in (0, 1, 2) else None)


def check_targets(data):
    """README "targets": every other host of NAME.fleet, planned alone from
    NAME.src's file, sorted ok < action < blocked, then fewest actions,
    fewest blocked verdicts, another architecture last, then the name; the
    status 0 with an ok host, 1 with only actions, else 2."""
    d = os.path.join(data, "targets")
    n = 0
    for name in names(d, ".expect"):
        what = f"targets/{name}.expect"
        fleet = [l.split() for l in expect_lines(os.path.join(d, name + ".fleet"))]
        src = expect_lines(os.path.join(d, name + ".src"))[0].strip()
        pf = os.path.join(d, name + ".pins-from")
        pins = expect_lines(pf)[0].strip() if os.path.exists(pf) else None
        sfile = dict(fleet)[src]
        rows = []
        for host, f in fleet:
            if host == src:
                continue
            rc, doc = plan_json(data, sfile, f, pins)
            pid = profile_id(load_facts(os.path.join(data, f)))[:12]
            if doc is None:
                if rc != 65:
                    fail(what, f"plan {sfile} {f}: exit {rc}")
                rows.append((2, 1, 0, 0, host, f"blocked {host} {pid} actions=0 blocked=0"))
                continue
            na = sum(v["level"] == "action" for v in doc["verdicts"])
            nb = sum(v["level"] == "blocked" for v in doc["verdicts"])
            rows.append((rc, 0, na, nb, host,
                         f"{doc['verdict']} {host} {pid} actions={na} blocked={nb}"))
        rows.sort(key=lambda r: (r[0], r[1], r[2], r[3], r[4].encode()))
        best = rows[0][0] if rows else 2
        want = [f"status {best}"] + [r[5] for r in rows]
        lines = expect_lines(os.path.join(d, name + ".expect"))
        if lines != want:
            fail(what, "expected\n    " + "\n    ".join(lines) +
                 "\n  single plan runs give\n    " + "\n    ".join(want))
        n += len(want)
    return n


def check_baseline(data):
    """README "baseline": NAME.expect is a pins file. Every file of
    NAME.args is either joined or cannot join (once); every ordered pair of
    the joined ones, planned alone with --pins-from NAME.expect, is ok (or
    action where the file lists actions, and then at least one pair is);
    every host that cannot join fails with these pins (a plan to or from a
    joined host, or with itself, blocked or refused)."""
    d = os.path.join(data, "baseline")
    n = 0
    for name in names(d, ".expect"):
        what = f"baseline/{name}.expect"
        exp = os.path.abspath(os.path.join(d, name + ".expect"))
        text = read(exp)
        args = expect_lines(os.path.join(d, name + ".args"))
        label = r"^# (joined|cannot join): (.*?) \(profile [0-9a-f]{12}(?:, a class of \d+ profiles)?\)"
        joined, out = [], []
        for m in re.finditer(label, text, re.M):
            (joined if m.group(1) == "joined" else out).extend(m.group(2).split(", "))
        if sorted(joined + out) != sorted(args):
            fail(what, f"joined {joined} and cannot join {out} are not the files {args}")
            continue
        actions = "\n# action " in text
        worst = 0
        for a in joined:
            for b in joined:
                rc, _ = plan_json(data, a, b, exp)
                n += 1
                worst = max(worst, rc)
                if rc not in ((0, 1) if actions else (0,)):
                    fail(what, f"plan {a} {b} --pins-from {name}.expect: exit {rc}")
        if actions and worst != 1:
            fail(what, "lists actions, but no pair planned with the pins needs one")
        for x in out:
            rcs = [plan_json(data, x, x, exp)[0]]
            for j in joined:
                rcs += [plan_json(data, x, j, exp)[0], plan_json(data, j, x, exp)[0]]
            n += 1
            if all(rc in (0, 1) for rc in rcs):
                fail(what, f"{x} cannot join, yet every plan with it and the pins passes")
    return n


# ==== matrix: the five rows of NAME.expect vs five single plans ====

# The compat pins' feature and machine-type part (README "--matrix"),
# restated from the README, not from the planner's code: a vCPU feature the
# new (arm64) host's kernel offers and the old one's lacks is turned off;
# when the old QEMU does not know the new one's default machine type by its
# own name, MACHINE is the newest type of that family both know.
COMPAT_FEATURES = {"KVM_CAP_ARM_PMU_V3": "PMU", "KVM_CAP_ARM_SVE": "SVE",
                   "KVM_CAP_ARM_PTRAUTH_ADDRESS": "PTRAUTH",
                   "KVM_CAP_ARM_PTRAUTH_GENERIC": "PTRAUTH",
                   "KVM_CAP_ARM_EL1_32BIT": "AARCH32", "KVM_CAP_ARM_MTE": "MTE"}


def compat_model(new, old):
    """{NAME: VALUE} of the feature and MACHINE compat pins of new -> old."""
    want = {}
    if arch_of(new) == "aarch64" and arch_of(old) == "aarch64":
        for cap, pin in COMPAT_FEATURES.items():
            k = (b"kvm.cap", cap.encode())
            if k in new and k not in old:
                want[pin] = "off"

    def machines(f):
        return {k[1].decode(): v.decode() for k, v in f.items() if k[0] == b"qemu.machine"}
    mn, mo = machines(new), machines(old)
    has_q = lambda f, m: m or (b"qemu", b"version") in f
    default = new.get((b"qemu", b"default_machine"))
    if has_q(new, mn) and has_q(old, mo) and default:
        default = default.decode()
        if mn.get(default, "").startswith("alias "):
            default = mn[default][len("alias "):]
        if mo.get(default) is None or mo[default].startswith("alias "):
            fam = default[:default.rfind("-") + 1] if "-" in default else ""
            both = [m for m, v in mn.items()
                    if v == "1" and mo.get(m) == "1" and m.startswith(fam)]
            nat = lambda m: [(0, int(t), "") if t.isdigit() else (1, 0, t)
                             for t in re.findall(r"\d+|\D+", m)]
            if both:
                want["MACHINE"] = max(both, key=nat)
    return want


def check_matrix(data):
    d = os.path.join(data, "matrix")
    n = 0
    for name in names(d, ".expect"):
        what = f"matrix/{name}.expect"
        A, B = os.path.join(d, name + ".new"), os.path.join(d, name + ".old")
        lines = expect_lines(os.path.join(d, name + ".expect"))
        head = lines[0].split()
        if head[0] != "compat" or len(head) < 2:
            fail(what, "first line is not 'compat PINS|-'")
            continue
        # "NAME=VALUE,NAME=VALUE" (mc_pins_format); a value may hold commas
        # itself (CPU_DISABLE=f1,f2): a pin starts at NAME= in upper case
        compat = ([] if head[1:] == ["-"] else
                  [p for w in head[1:] for p in re.split(r",(?=[A-Z][A-Z0-9_]*=)", w)])
        got = {p.split("=", 1)[0]: p.split("=", 1)[1] for p in compat
               if p.split("=", 1)[0] in ("MACHINE", *COMPAT_FEATURES.values())}
        want = compat_model(load_facts(A), load_facts(B))
        if got != want:
            fail(what, f"compat feature/machine pins {got}; the README's rule gives {want}")
        runs = {"new->new": (A, A, []), "old->new": (B, A, []), "new->old": (A, B, []),
                "compat->old": (A, B, compat), "old->compat": (B, A, [])}
        for l in lines[1:]:
            w = l.split()
            if w[0] not in runs:
                fail(what, f"unknown row '{l}'")
                continue
            src, dst, pins = runs.pop(w[0])
            kind, out = plan(src, dst, pins, xml_out=True)
            if kind != w[1]:
                fail(what, f"{w[0]} is {w[1]}; migcheck plan" +
                     "".join(f" --pin {p}" for p in pins) + f" says {kind}")
            elif len(w) == 4:
                vs = [(v.get("family"), v.get("subject")) for v in ET.fromstring(out)
                      if v.get("level") == w[1]]
                if (w[2], w[3]) not in vs:
                    fail(what, f"{w[0]}: no {w[1]} verdict {w[2]} {w[3]} in the single plan")
            n += 1
        if runs:
            fail(what, f"rows missing: {', '.join(runs)}")
    return n


# ==== profile-xml: expat + RelaxNG + sha256 ====

def check_profile_xml(data):
    d = os.path.join(data, "profile-xml")
    n = 0
    for name in names(d, ".xml"):
        what = f"profile-xml/{name}"
        doc = read(os.path.join(d, name + ".xml"), "rb")
        canon_p, err_p = (os.path.join(d, name + e) for e in (".canon", ".err"))
        want_err = read(err_p).strip() if os.path.exists(err_p) else None
        n += 1
        root, why = xml_root(doc)
        if why:
            pass
        elif not rng_valid("profile.rng", doc):
            why = "not a migcheck profile document"
        else:
            facts, why = {}, None
            for e in root:
                if local(e.tag) != "fact":
                    continue
                k = (e.get("domain").encode(), e.get("key").encode())
                v = e.get("value").encode()
                if k in facts:
                    why = f"duplicate fact {k[0].decode()} {k[1].decode()}"
                    break
                for s, empty_ok in ((k[0], False), (k[1], False), (v, True)):
                    why = why or field_error("", s, empty_ok)
                facts[k] = v
            if not why and root.get("id") and root.get("id") != profile_id(facts):
                why = "does not match its content"
            if not why:
                if want_err is not None:
                    fail(what, f"expected error '{want_err}'; Python and the schema accept it")
                elif read(canon_p, "rb") != canonical(facts):
                    fail(what, ".canon differs from the document's facts sorted by Python")
                continue
        if want_err is None:
            fail(what, f"expected {name}.canon; the independent check refuses it: {why}")
        elif want_err not in why:
            fail(what, f"expected error '{want_err}'; the independent reason is '{why}'")
    return n


# ==== inventory: Python's sqlite3 on the same files ====

MIGCHECK_APP_ID = 0x6D676368  # README "Inventory"


def schema_version_latest():
    return max(int(f[10:13]) for f in os.listdir(SCHEMAS) if re.fullmatch(r"inventory-\d{3}\.sql", f))


def table_shape(db):
    shape = {}
    for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        shape[t] = [r[1] for r in db.execute(f"PRAGMA table_info({t})")]
    return shape


def schema_shape(version):
    db = sqlite3.connect(":memory:")
    for v in range(1, version + 1):
        db.executescript(read(os.path.join(SCHEMAS, f"inventory-{v:03d}.sql")))
    return table_shape(db)


def inventory_reason(path):
    """Why a migcheck inventory must refuse PATH (None if it is fine)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        app = db.execute("PRAGMA application_id").fetchone()[0]
        ver = db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError:
        return "not a migcheck inventory (not an SQLite database)"
    if app != MIGCHECK_APP_ID:
        return f"not a migcheck inventory (SQLite application_id 0x{app & 0xFFFFFFFF:08x})"
    if ver == 0:
        return "inventory has no schema version"
    if ver > schema_version_latest():
        return f"inventory schema {ver} is newer than this migcheck ({schema_version_latest()})"
    shape = table_shape(db)
    if "profiles" not in shape:
        return "inventory is corrupt: hosts.pid: no such table: profiles"
    if shape != schema_shape(ver):
        return f"inventory is corrupt: its tables do not match schema version {ver}"
    for table, col, what in (("profiles", "id", "not a profile id"),
                             ("hosts", "name", "not a host name")):
        for typ in ("null", "blob"):
            k = db.execute(f"SELECT count(*) FROM {table} WHERE typeof({col}) = ?",
                           (typ,)).fetchone()[0]
            if k:
                return f"inventory is corrupt: {table}.{col} in {k} row: {what} ({typ})"
    return None


def check_inventory(data):
    d = os.path.join(data, "inventory")
    n = 0
    with tempfile.TemporaryDirectory() as tmp:
        for ext in (".sql", ".bytes"):
            for name in names(d, ext):
                what = f"inventory/{name}"
                path = os.path.join(tmp, name + ".db")
                if ext == ".sql":
                    db = sqlite3.connect(path)
                    db.executescript(read(os.path.join(d, name + ext)))
                    db.close()
                else:
                    with open(path, "wb") as f:
                        f.write(read(os.path.join(d, name + ext), "rb"))
                why = inventory_reason(path)
                err_p = os.path.join(d, name + ".err")
                n += 1
                if os.path.exists(err_p):
                    code, text = read(err_p).split("\n")[:2]
                    if code != "65" or not why or text not in why:
                        fail(what, f"expected exit {code} '{text}'; Python's sqlite3 finds "
                             f"'{why}' (README: a refused inventory is exit 65)")
                    continue
                if why:
                    fail(what, f"expected {name}.hosts; Python's sqlite3 finds '{why}'")
                    continue
                db = sqlite3.connect(path)
                want = []
                for hname, pid, probed in db.execute(
                        "SELECT h.name, p.id, h.probed_at FROM hosts h JOIN profiles p "
                        "USING (pid) ORDER BY h.name"):
                    facts = {(dd.encode(), k.encode()): v.encode() for dd, k, v in db.execute(
                        "SELECT domain, key, value FROM facts JOIN profile_facts USING (fid) "
                        "JOIN profiles USING (pid) WHERE id = ?", (pid,))}
                    if profile_id(facts) != pid:
                        fail(what, f"profile {pid[:12]}: its facts hash to {profile_id(facts)[:12]}")
                    want.append(f"{hname}\t{pid}\t{probed}\n")
                if read(os.path.join(d, name + ".hosts")) != "".join(want):
                    fail(what, f".hosts differs from the hosts Python's sqlite3 reads: {want}")
    return n


# ==== facts: the README's rules, implemented again ====

def check_facts(data):
    d = os.path.join(data, "facts")
    n = 0
    for name in names(d, ".in"):
        what = f"facts/{name}"
        n += 1
        err_p = os.path.join(d, name + ".err")
        try:
            facts = load_facts(os.path.join(d, name + ".in"))
            why = None
        except FactsError as e:
            why = str(e)
        if os.path.exists(err_p):
            want = read(err_p).strip()
            if why is None or want.split(": ")[-1] not in why:
                fail(what, f"expected error '{want}'; the independent parser says '{why}'")
            continue
        if why:
            fail(what, f"expected a canonical form; the independent parser says '{why}'")
            continue
        if read(os.path.join(d, name + ".canon"), "rb") != canonical(facts):
            fail(what, ".canon is not the facts sorted bytewise by (domain, key)")
        if read(os.path.join(d, name + ".id")).strip() != profile_id(facts):
            fail(what, ".id is not the SHA-256 of the canonical text")
    return n


# ==== sha256: coreutils' sha256sum ====

def check_sha256(data):
    """Every NAME.sha256 against sha256sum of NAME.in, or of the bytes
    NAME.gen describes ("LENGTH MODULUS": byte i = i % MODULUS)."""
    d = os.path.join(data, "sha256")
    n = 0
    for name in names(d, ".sha256"):
        what = f"sha256/{name}"
        n += 1
        in_p, gen_p = os.path.join(d, name + ".in"), os.path.join(d, name + ".gen")
        if os.path.exists(in_p):
            buf = read(in_p, "rb")
        elif os.path.exists(gen_p):
            length, mod = (int(x) for x in read(gen_p).split())
            buf = bytes(i % mod for i in range(length))
        else:
            fail(what, "no .in or .gen input")
            continue
        r = subprocess.run(["sha256sum"], input=buf, capture_output=True, check=True)
        if read(os.path.join(d, name + ".sha256")).strip() != r.stdout.split()[0].decode():
            fail(what, ".sha256 is not what sha256sum says")
    return n


# ==== fleet/index: expat + RelaxNG (schemas/host.rng) ====

def check_fleet_index(data):
    d = os.path.join(data, "fleet", "index")
    n = 0
    for name in names(d, ".xml"):
        what = f"fleet/index/{name}"
        doc = read(os.path.join(d, name + ".xml"), "rb")
        lines = expect_lines(os.path.join(d, name + ".expect"))
        n += 1
        rows = None
        root, why = xml_root(doc)
        if why:
            pass
        elif not rng_valid("host.rng", doc):
            why = "not a migcheck host record"
        else:
            hosts = [root] if local(root.tag) == "host" else list(root)
            seen = [h.get("name") for h in hosts]
            dup = [h for h in seen if seen.count(h) > 1]
            # test_fleet reads single-* (but single-as-index) as one <host> record
            single = name.startswith("single-") and name != "single-as-index"
            why = (f"host '{dup[0]}' twice" if dup else
                   f"expected a <hosts> document, not <{local(root.tag)}>"
                   if single != (local(root.tag) == "host") else None)
            rows = sorted(f"{h.get('name')} {h.get('profile')[:12]} {h.get('probed')} "
                          f"{h.get('uuid') or '-'}" for h in hosts)
        if why:
            if not (lines[0].startswith("error 65 ") and lines[0][9:] in why):
                fail(what, f"'{lines[0]}'; the independent check says '{why}' (exit 65)")
        elif lines != ["ok"] + rows:
            fail(what, f"{lines}; Python reads {['ok'] + rows}")
    return n


# ==== fleet/listing: PROPFIND and ListObjectsV2, read again ====

DAV = "{DAV:}"
S3_NAMESPACES = ("http://s3.amazonaws.com/doc/2006-03-01/",
                 "http://doc.s3.amazonaws.com/2006-03-01/")
HOST_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,252}")


def listing_entry(rest, seen):
    """A name below hosts/: None (not a host record), the name, or why it
    is refused."""
    if "/" in rest or not rest.endswith(".xml") or len(rest) <= 4:
        return None, None
    name = rest[:-4]
    if not HOST_NAME.fullmatch(name):
        return None, f"listing names hosts/{rest}, not a host record"
    if name in seen:
        return None, f"listing names hosts/{rest} twice"
    return name, None


def read_listing(name, doc):
    """(names, next token) or (None, why) as README's rules for listings say."""
    root, why = xml_root(doc)
    if why:
        return None, why
    seen, nxt = [], None
    if name.startswith("dav-"):
        d = "/fleet/hosts/"
        if root.tag != DAV + "multistatus":
            return None, "not a WebDAV listing (expected <multistatus> in namespace DAV:)"
        for resp in root.findall(DAV + "response"):
            href = resp.find(DAV + "href")
            if href is None:
                return None, "line 2: a <response> without <href>"
            text = (href.text or "").strip()
            m = re.match(r"[A-Za-z0-9+.-]+://[^/]*", text)
            path = (text[m.end():] or "/") if m else text
            bad = "?" in path or "#" in path or re.search(r"%(?![0-9A-Fa-f]{2})", path)
            dec = urllib.parse.unquote(path) if not bad else None
            if dec is None or "\0" in dec or not (dec == d[:-1] or dec.startswith(d)):
                return None, f"listing names '{text}', not a path in {d}"
            if dec == d[:-1]:
                continue
            n, why = listing_entry(dec[len(d):], seen)
            if why:
                return None, why
            if n:
                seen.append(n)
    else:
        prefix = "fleet/hosts/"
        ns = next((n for n in S3_NAMESPACES if root.tag == "{%s}ListBucketResult" % n), None)
        if ns is None:
            return None, ("not an S3 listing (expected <ListBucketResult> in namespace "
                          f"{S3_NAMESPACES[0]})")
        q = "{%s}" % ns
        for c in root.findall(q + "Contents"):
            k = c.find(q + "Key")
            key = k.text or "" if k is not None else None
            if key is None or not key.startswith(prefix):
                what = f"key '{key}'" if key is not None else "no key"
                return None, f"listing names {what}, outside the prefix {prefix}"
            n, why = listing_entry(key[len(prefix):], seen)
            if why:
                return None, why
            if n:
                seen.append(n)
        t = (root.findtext(q + "IsTruncated") or "").strip()
        if t == "true":
            nxt = (root.findtext(q + "NextContinuationToken") or "").strip()
            if not nxt:
                return None, "a truncated listing without a NextContinuationToken"
        elif t not in ("", "false"):
            return None, f"IsTruncated is '{t}', not true or false"
    return (sorted(seen), nxt), None


def check_fleet_listing(data):
    d = os.path.join(data, "fleet", "listing")
    n = 0
    for name in names(d, ".xml"):
        what = f"fleet/listing/{name}"
        lines = expect_lines(os.path.join(d, name + ".expect"))
        got, why = read_listing(name, read(os.path.join(d, name + ".xml"), "rb"))
        n += 1
        if why:
            if not (lines[0].startswith("error 65 ") and lines[0][9:] in why):
                fail(what, f"'{lines[0]}'; the independent check says '{why}' (exit 65)")
            continue
        want = ["ok"] + got[0] + ([f"next {got[1]}"] if got[1] else [])
        if lines != want:
            fail(what, f"{lines}; Python reads {want}")
    return n


# ==== fleet/conf: README's `key = value` format, parsed again ====

CONF_KEYS = ("url", "host", "db", "cacert", "s3-region", "credentials")


def conf_value(vals, k, v):
    """One setting (both formats): None, or the reason it is refused."""
    if k in CONF_KEYS:
        vals[k] = v
    elif k == "insecure":
        if v not in ("yes", "no"):
            return f"insecure: expected yes or no, not '{v}'"
        vals[k] = int(v == "yes")
    elif k == "timeout":
        if not re.fullmatch(r"[0-9]+", v) or not 1 <= int(v) <= 86400:
            return f"timeout: expected 1..86400 seconds, not '{v}'"
        vals[k] = int(v)
    else:
        return f"unknown key '{k}'"
    return None


def conf_result(vals, fmt):
    return (["ok"] + [f"{k}={vals[k]}" for k in CONF_KEYS if k in vals] +
            [f"insecure={vals.get('insecure', 0)}", f"timeout={vals.get('timeout', 0)}",
             f"format={fmt}"])


def conf_parse_keyfile(path, text):
    """The GLib key file (README "Configuration"): [fleet] and [hook]
    groups, read again with configparser."""
    import configparser
    base = os.path.basename(path)
    cp = configparser.ConfigParser(interpolation=None, delimiters=("=",),
                                   comment_prefixes=("#",), strict=True)
    cp.optionxform = str
    try:
        cp.read_string(text)
    except configparser.Error:
        return None, f"{base}: "
    for g in cp.sections():
        if g not in ("fleet", "hook"):
            return None, f"{base}: unknown group [{g}] (known: [fleet], [hook])"
    vals = {}
    if cp.has_section("fleet"):
        for k, v in cp.items("fleet"):
            why = conf_value(vals, k, v.strip())
            if why:
                return None, f"{base}: [fleet] {why}"
    return conf_result(vals, "keyfile"), None


def conf_parse(path):
    text = read(path)
    first = next((l.strip() for l in text.splitlines()
                  if l.strip() and not l.strip().startswith("#")), "")
    if not first or first.startswith("["):  # nothing but comments: the new format
        return conf_parse_keyfile(path, text)
    vals = {}
    base = os.path.basename(path)
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if "=" not in s:
            return None, f"{base}:{n}: expected 'key = value'"
        k, v = (x.strip() for x in s.split("=", 1))
        if not v:
            return None, f"{base}:{n}: empty value for '{k}'"
        why = conf_value(vals, k, v)
        if why:
            return None, f"{base}:{n}: {why}"
    return conf_result(vals, "old"), None


def check_fleet_conf(data):
    d = os.path.join(data, "fleet", "conf")
    n = 0
    for name in names(d, ".conf"):
        what = f"fleet/conf/{name}"
        got, why = conf_parse(os.path.join(d, name + ".conf"))
        lines = expect_lines(os.path.join(d, name + ".expect"))
        n += 1
        if why:
            if not (lines[0].startswith("error 65 ") and lines[0][9:] in why):
                fail(what, f"'{lines[0]}'; the independent parser says '{why}' (exit 65)")
        elif lines != got:
            fail(what, f"{lines}; the independent parser reads {got}")
    return n


# ==== probes: the parsers' outputs, written again from the uAPI ====

def escape(b):
    """A sysfs or command-line value as a fact: control bytes, DEL, bytes
    above 0x7e and the backslash as \\xNN, trailing spaces as \\x20."""
    out = "".join(f"\\x{c:02x}" if c < 0x20 or c >= 0x7F or c == 0x5C else chr(c) for c in b)
    stripped = out.rstrip(" ")
    return stripped + "\\x20" * (len(out) - len(stripped))


def probe_lines(path):
    return [l.split() for l in read(path).splitlines() if l.strip() and not l.startswith("#")]


def probe_x86_cpuid(path):
    out = {}
    for w in probe_lines(path):
        fn, idx, *regs = (int(x, 16) for x in w)
        # the APIC ID of the CPU the probe ran on (README "Facts")
        if fn == 1:
            regs[1] &= 0x00FFFFFF
        elif fn in (0xB, 0x1F):
            regs[3] = 0
        elif fn == 0x8000001E:
            regs[0] = 0
        for r, v in zip(("eax", "ebx", "ecx", "edx"), regs):
            out[("x86.cpuid", f"0x{fn:08x}.0x{idx:08x}.{r}")] = f"0x{v:08x}"
    return out


def probe_x86_msr(path):
    out = {}
    for w in probe_lines(path):
        if len(w) == 3 and w[1] == "=":
            out[("x86.msr_feature", f"0x{int(w[0], 16):08x}")] = f"0x{int(w[2], 16):016x}"
        else:
            out[("x86.msr", f"0x{int(w[0], 16):08x}")] = "1"
    return out


# arch/arm64/include/uapi/asm/kvm.h
ARM64, SIZE_MASK, U64 = 0x6000000000000000, 0x00F0000000000000, 0x0030000000000000
FW_NAMES = {0x14: ["PSCI_VERSION", "SMCCC_ARCH_WORKAROUND_1", "SMCCC_ARCH_WORKAROUND_2",
                   "SMCCC_ARCH_WORKAROUND_3"],
            0x16: ["STD_BMAP", "STD_HYP_BMAP", "VENDOR_HYP_BMAP", "VENDOR_HYP_BMAP_2"]}


def arm64_value_recorded(rid):
    """README "Facts": sys_reg(3,0,0,0..7,0..7), sys_reg(3,1,0,0,*),
    sys_reg(3,3,0,0,*), the CCSIDR demux registers."""
    if rid & 0xFF00000000000000 != ARM64:
        return False
    coproc = (rid >> 16) & 0xFFF
    if coproc == 0x11:  # KVM_REG_ARM_DEMUX, id CCSIDR (0)
        return (rid >> 8) & 0xFF == 0
    if coproc != 0x13:  # KVM_REG_ARM64_SYSREG
        return False
    op0, op1, crn, crm = (rid >> 14) & 3, (rid >> 11) & 7, (rid >> 7) & 0xF, (rid >> 3) & 0xF
    return op0 == 3 and crn == 0 and (op1 == 0 and crm <= 7 or op1 in (1, 3) and crm == 0)


def probe_arm64_regs(path):
    out = {}
    for w in probe_lines(path):
        rid = int(w[0], 16)
        val = int(w[1], 16) if len(w) > 1 else None
        fw = rid & 0xFF00000000000000 == ARM64 and (rid >> 16) & 0xFFF in FW_NAMES
        if (fw or arm64_value_recorded(rid)) and val is None:
            raise ValueError(f"register 0x{rid:016x}")
        out[("arm64.reg", f"0x{rid:016x}")] = f"0x{val:x}" if arm64_value_recorded(rid) else "1"
        if fw:
            num, fwnames = rid & 0xFFFF, FW_NAMES[(rid >> 16) & 0xFFF]
            key = (fwnames[num] if rid & SIZE_MASK == U64 and num < len(fwnames)
                   else f"0x{rid:016x}")
            out[("arm64.fwreg", key)] = f"0x{val:x}"
    return out


def probe_kvm_params(path):
    """/sys/module/kvm*/parameters/*: the text without trailing white space."""
    if not os.path.isdir(os.path.join(path, "kvm")):
        raise ValueError("no kvm module in")
    out = {}
    for mod in sorted(os.listdir(path)):
        pdir = os.path.join(path, mod, "parameters")
        if not mod.startswith("kvm") or not os.path.isdir(pdir):
            continue
        for p in os.listdir(pdir):
            f = os.path.join(pdir, p)
            if os.path.isfile(f):
                v = read(f, "rb")
                out[("kvm.param", f"{mod}.{p}")] = escape(v.rstrip(b" \t\n\r\v\f"))
    return out


KSPACE = b" \t\n\v\f\r\xa0"  # the kernel's isspace() (lib/ctype.c)


def kernel_params(cmdline):
    """(param, value or None) in order, as the kernel's parse_args() splits
    the command line with next_arg() (lib/cmdline.c), up to "--"."""
    args, out = cmdline.lstrip(KSPACE), []
    while args:
        quoted = in_quote = args[:1] == b'"'
        if quoted:
            args = args[1:]
        i, equals = 0, 0
        while i < len(args):
            if args[i] in KSPACE and not in_quote:
                break
            if equals == 0 and args[i] == ord("="):
                equals = i
            if args[i] == ord('"'):
                in_quote = not in_quote
            i += 1
        tok, args = args[:i], args[i + 1:].lstrip(KSPACE)
        cut = quoted and i > 0 and tok.endswith(b'"')  # the closing quote goes
        if not equals:
            param, val = (tok[:-1] if cut else tok), None
        else:
            param, val = tok[:equals], tok[equals + 1:]
            if val.startswith(b'"'):
                val, cut = val[1:], tok.endswith(b'"') and len(tok) > equals + 1
            if cut and val.endswith(b'"'):
                val = val[:-1]
        if val is None and param == b"--":
            break
        out.append((param, val))
    return out


def check_cmdline(base, what):
    """Every kernel/cmdline.* fact is the value of the last parameter of
    that name (the kernel treats '-' and '_' alike, parameq()) before "--";
    a bare flag is 1. Which parameters are recorded is README's list."""
    params, text = {}, read(base + ".in", "rb")
    # /proc/cmdline is the command line plus a newline
    for p, v in kernel_params(text[:-1] if text.endswith(b"\n") else text):
        params[escape(p).replace("-", "_")] = "1" if v is None else escape(v)
    for l in read(base + ".out").splitlines():
        dom, key, val = l.split("\t")
        name = key[len("cmdline."):].replace("-", "_")
        if dom != "kernel" or not key.startswith("cmdline.") or params.get(name) != val:
            fail(what, f"'{l}': the kernel's parse_args() gives {name}={params.get(name)}")


def check_probes(data):
    d = os.path.join(data, "probes")
    n = 0
    parsers = {"x86_cpuid": probe_x86_cpuid, "x86_msr": probe_x86_msr,
               "arm64_regs": probe_arm64_regs, "kvm_params": probe_kvm_params}
    for name in names(os.path.join(d, "cmdline"), ".in"):
        check_cmdline(os.path.join(d, "cmdline", name), f"probes/cmdline/{name}")
        n += 1
    for parser, fn in parsers.items():
        for name in names(os.path.join(d, parser), ".in"):
            what = f"probes/{parser}/{name}"
            base = os.path.join(d, parser, name)
            n += 1
            try:
                got, why = fn(base + ".in"), None
            except ValueError as e:
                got, why = None, str(e)
            if os.path.exists(base + ".err"):
                want = read(base + ".err").strip()
                if why is None or want not in why:
                    fail(what, f"expected error '{want}'; the independent parser says '{why}'")
                continue
            if why:
                fail(what, f"expected {name}.out; the independent parser says '{why}'")
                continue
            text = "".join(f"{k[0]}\t{k[1]}\t{v}\n" for k, v in sorted(got.items()))
            if read(base + ".out") != text:
                fail(what, ".out differs from the independent parser's facts")
    # vfio: the sysfs layout of Documentation/ABI (sysfs-bus-pci, sysfs-bus-vfio-mdev,
    # sysfs-kernel-iommu_groups); the .open messages and the mig= summary are not modelled
    for name in sorted(os.listdir(os.path.join(d, "vfio"))):
        if not name.endswith(".facts"):
            continue
        what = f"probes/vfio/{name}"
        sysfs = os.path.join(d, "vfio", name[:-6], "sys")
        want = {}
        for l in read(os.path.join(d, "vfio", name)).splitlines():
            dom, key, val = l.split("\t")
            if not key.endswith(".open"):
                want[(dom, key)] = val.split(" mig=")[0]
        link = lambda *p: os.path.basename(os.readlink(os.path.join(sysfs, *p)))
        got = {("iommu", "groups"): str(len(os.listdir(os.path.join(sysfs, "kernel", "iommu_groups")))),
               ("iommu", "units"): ",".join(sorted(os.listdir(os.path.join(sysfs, "class", "iommu")))),
               ("iommu", "iommufd"): str(int(os.path.exists(os.path.join(sysfs, "..", "dev", "iommu")))),
               ("vfio", "cdev_api"): str(int(os.path.isdir(os.path.join(sysfs, "..", "dev", "vfio", "devices")))),
               ("vfio", "group_api"): str(int(os.path.exists(os.path.join(sysfs, "..", "dev", "vfio", "vfio"))))}

        def version(bus, drv):
            mod = os.path.join(sysfs, "module", link("bus", bus, "drivers", drv, "module"))
            if os.path.exists(os.path.join(mod, "version")):
                return read(os.path.join(mod, "version")).strip()
            return "srcversion:" + read(os.path.join(mod, "srcversion")).strip()

        for bus in ("pci", "mdev"):
            bdir = os.path.join(sysfs, "bus", bus, "devices")
            for dev in sorted(os.listdir(bdir)):
                if not os.path.islink(os.path.join(bdir, dev, "driver")):
                    continue  # no driver bound: not a VFIO device
                drv = link("bus", bus, "devices", dev, "driver")
                if bus == "pci" and not (os.path.isdir(os.path.join(bdir, dev, "vfio-dev")) or
                                         drv == "vfio-pci" or drv.endswith("_vfio_pci")):
                    continue
                got[("vfio.dev", dev)] = drv
                got[("vfio.dev", dev + ".driver")] = drv
                got[("vfio.dev", dev + ".kind")] = bus
                got[("vfio.dev", dev + ".driver_version")] = version(bus, drv)
                got[("vfio.dev", dev + ".iommu_group")] = link("bus", bus, "devices", dev, "iommu_group")
                if bus == "pci":
                    ids = [read(os.path.join(bdir, dev, f)).strip()[2:] for f in
                           ("vendor", "device", "subsystem_vendor", "subsystem_device")]
                    got[("vfio.dev", dev + ".ids")] = f"{ids[0]}:{ids[1]} {ids[2]}:{ids[3]}"
                else:
                    got[("vfio.dev", dev + ".mdev_type")] = link("bus", bus, "devices", dev, "mdev_type")
        n += 1
        if got != want:
            fail(what, "differs from the sysfs tree read by Python: " +
                 ", ".join(f"{k}: {want.get(k)} vs {got.get(k)}" for k in sorted(set(got) | set(want))
                           if want.get(k) != got.get(k)))
    return n


# ==== libvirt: capabilities and domain capabilities read by Python ====

def caps_facts(root):
    """libvirt's capabilities XML (formatcaps): the QEMU guest of the host
    architecture, its domain type and machine types."""
    arch = root.findtext("host/cpu/arch")
    for g in root.findall("guest"):
        a = g.find("arch")
        if g.findtext("os_type") != "hvm" or a is None or a.get("name") != arch:
            continue
        kvm = a.find("domain[@type='kvm']")
        machines = kvm.findall("machine") if kvm is not None and kvm.findall("machine") else \
            a.findall("machine")
        out = {("qemu", "arch"): arch, ("qemu", "virttype"): "kvm" if kvm is not None else "qemu"}
        for m in machines:
            if m.get("canonical"):
                out[("qemu.machine", m.text)] = "alias " + m.get("canonical")
                out.setdefault(("qemu.machine", m.get("canonical")), "1")
            else:
                out[("qemu.machine", m.text)] = "deprecated" if m.get("deprecated") == "yes" else "1"
        return out, None
    return None, f"libvirt offers no QEMU guest for the host architecture {arch}"


def enums(prefix, e, out, dom):
    for en in e.findall("enum"):
        vals = sorted(v.text for v in en.findall("value"))
        if vals:
            out[(dom, f"{prefix}.{en.get('name')}")] = ",".join(vals)


def domcaps_facts(root):
    """libvirt's domain capabilities XML (formatdomaincaps)."""
    out = {("qemu", "arch"): root.findtext("arch"), ("qemu", "virttype"): root.findtext("domain"),
           ("qemu", "default_machine"): root.findtext("machine"),
           ("qemu", "max_vcpus"): root.find("vcpu").get("max")}
    for mode in root.findall("cpu/mode"):
        if mode.get("supported") != "yes":
            continue
        out[("qemu.cpu_mode", mode.get("name"))] = "1"
        if mode.get("name") == "host-model":
            out[("qemu.host_model", "model")] = mode.findtext("model")
            out[("qemu.host_model", "vendor")] = mode.findtext("vendor")
            for f in mode.findall("feature"):
                out[("qemu.host_model", "feature." + f.get("name"))] = f.get("policy")
        if mode.get("name") == "custom":
            for m in mode.findall("model"):
                u = {"yes": "usable", "no": "unusable"}.get(m.get("usable"), "unknown")
                out[("qemu.cpu", m.text)] = u + (" deprecated" if m.get("deprecated") == "yes" else "")
    os_ = root.find("os")
    if os_ is not None and os_.get("supported") == "yes":
        for en in os_.findall("enum"):
            out[("qemu.os", en.get("name"))] = ",".join(sorted(v.text for v in en.findall("value")))
        ld = os_.find("loader")
        if ld is not None and ld.get("supported") == "yes":
            out[("qemu.os", "loader")] = "1"
            enums("loader", ld, out, "qemu.os")
            if ld.findall("value"):
                out[("qemu.os", "loader.value")] = ",".join(sorted(v.text for v in ld.findall("value")))
    groups = [("qemu.device", e) for e in root.findall("devices/*")] + \
        [("qemu.feature", e) for e in root.findall("features/*")] + \
        [("qemu.feature", e) for e in root if e.tag not in
         ("path", "domain", "machine", "arch", "vcpu", "os", "cpu", "devices", "features")]
    for dom, e in groups:
        if e.get("supported") != "yes":
            continue
        out[(dom, e.tag)] = "1"
        enums(e.tag, e, out, dom)
        for c in e:
            if c.tag != "enum" and len(c) == 0 and (c.text or "").strip():
                out[(dom, f"{e.tag}.{c.tag}")] = c.text.strip()
    return out, None


def check_libvirt(data):
    d = os.path.join(data, "libvirt")
    n = 0
    for name in names(d, ".xml"):
        what = f"libvirt/{name}"
        doc = read(os.path.join(d, name + ".xml"), "rb")
        n += 1
        got = None
        root, why = xml_root(doc)
        if why:
            pass
        elif root.tag == "capabilities":
            got, why = caps_facts(root)
        elif root.tag == "domainCapabilities":
            got, why = domcaps_facts(root)
        else:
            why = f"{name}.xml: root element <{root.tag}> is neither"
        err_p = os.path.join(d, name + ".err")
        if os.path.exists(err_p):
            want = read(err_p).strip()
            if why is None or want not in why:
                fail(what, f"expected error '{want}'; Python reads '{why}'")
        elif why:
            fail(what, f"expected {name}.facts; Python reads '{why}'")
        else:
            text = "".join(f"{k[0]}\t{k[1]}\t{v}\n" for k, v in sorted(got.items()))
            if read(os.path.join(d, name + ".facts")) != text:
                fail(what, ".facts differs from the document read by Python")
    return n


# ==== domxml: the guest configuration read by Python ====

META_NS = "{urn:x-migcheck:metadata:1}"
PIN_NAMES = {"PSCI_VERSION", "STD_BMAP", "STD_HYP_BMAP", "VENDOR_HYP_BMAP", "VENDOR_HYP_BMAP_2",
             "SVE", "PMU", "PTRAUTH", "AARCH32", "MTE", "CPU", "CPU_DISABLE", "CPU_ENABLE", "MACHINE",
             "VIRTTYPE", "HOSTDEV", "HOSTDEV_DST", "CTR_EL0"}  # README "The planner", pins


def pin_known(name):
    return name.upper() in PIN_NAMES or re.fullmatch(r"ID_[A-Z0-9]+_EL1", name.upper())


def domain_guest(root):
    """(guest line, None) or (None, reason), from libvirt's domain XML
    (formatdomain) and migcheck's metadata (schemas/metadata.rng)."""
    if root.tag != "domain":
        return None, "not a libvirt domain"
    pins, meta_line = {}, ""
    meta = root.find(f"metadata/{META_NS}migration")
    if meta is not None:
        if meta.get("version") != "1":
            return None, f"metadata version '{meta.get('version')}' is not 1"
        src = meta.find(META_NS + "source")
        if not re.fullmatch(r"[0-9a-f]{64}", src.get("profile")):
            return None, f"'{src.get('profile')}' is not a profile id"
        mp = {}
        for p in meta.findall(META_NS + "pin"):
            if not pin_known(p.get("name")):
                return None, f"pin {p.get('name')}: unknown name"
            mp[p.get("name").upper()] = p.get("value")
        emb = meta.find(META_NS + "profile")
        if emb is not None:
            try:
                prof = base64.b64decode("".join(emb.text.split()), validate=True)
            except (binascii.Error, ValueError):
                prof = b""
            if not prof:
                return None, "the embedded profile is not base64"
            if hashlib.sha256(prof).hexdigest() != src.get("profile"):
                return None, "the embedded profile is not the one its id names"
        if not rng_valid("metadata.rng", ET.tostring(meta)):
            return None, "the metadata does not validate against schemas/metadata.rng"
        pins.update(mp)
        meta_line = (f" meta.host={src.get('host')} meta.profile={src.get('profile')[:12]} "
                     f"meta.time={src.get('time')} meta.pins=" +
                     ",".join(f"{k}={v}" for k, v in sorted(mp.items())) +
                     f" meta.embedded={'yes' if emb is not None else 'no'}")
    ostype = root.find("os/type")
    # what the domain XML states replaces what the stamp recorded
    for k in ("MACHINE", "VIRTTYPE", "CPU", "CPU_DISABLE", "CPU_ENABLE", "HOSTDEV", "HOSTDEV_DST"):
        pins.pop(k, None)
    if ostype is not None and ostype.get("machine"):
        pins["MACHINE"] = ostype.get("machine")
    pins["VIRTTYPE"] = root.get("type")
    cpu = root.find("cpu")
    if cpu is None or cpu.get("mode") in (None, "custom") and cpu.find("model") is None:
        pins["CPU"] = "qemu64"  # QEMU's default model
    elif cpu.get("mode") == "host-passthrough":
        pins["CPU"] = "host-passthrough"
    else:
        pins["CPU"] = cpu.findtext("model")
        off = [f.get("name") for f in cpu.findall("feature") if f.get("policy") in ("disable", "forbid")]
        if off:
            pins["CPU_DISABLE"] = ",".join(off)
        # required and forced features: on besides the model's (a host-model
        # guest's running XML); optional ones are resolved at start
        on = [f.get("name") for f in cpu.findall("feature") if f.get("policy") in ("require", "force")]
        if on:
            pins["CPU_ENABLE"] = ",".join(on)
    devs, hostdevs = [], []
    qemu_ns = "{http://libvirt.org/schemas/domain/qemu/1.0}"
    overrides = {}  # alias -> enable-migration, from <qemu:override>
    for d in root.findall(f"{qemu_ns}override/{qemu_ns}device"):
        for p in d.findall(f"{qemu_ns}frontend/{qemu_ns}property"):
            if p.get("name") == "enable-migration":
                overrides.setdefault(d.get("alias"), p.get("value"))
    for h in root.findall("devices/hostdev"):
        if h.get("type") == "mdev":
            a = h.find("source/address")
            u = a.get("uuid") if a is not None else None
            if u is None or not re.fullmatch(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", u):
                return None, f"an mdev host device without a valid source address uuid ({u or 'none'})"
            dev, kind = u.lower(), "mdev"
        elif h.get("type") == "pci":
            a = h.find("source/address")
            lim = {"domain": 0xFFFF, "bus": 0xFF, "slot": 0x1F, "function": 7}
            try:
                v = {k: int(a.get(k) or "0", 16) for k in lim}
                if any(a.get(k) is None for k in ("bus", "slot", "function")):
                    v = None
            except (AttributeError, TypeError, ValueError):
                v = None
            if v is None or any(v[k] > lim[k] for k in lim):
                return None, "a PCI host device without a valid source address"
            dev, kind = f"{v['domain']:04x}:{v['bus']:02x}:{v['slot']:02x}.{v['function']:x}", "pci"
        else:
            continue
        if dev in devs:
            return None, f"host device {dev} is assigned twice"
        devs.append(dev)
        al = h.find("alias")
        alias = al.get("name") if al is not None else None
        hostdevs.append(f"{kind}:{dev}/{alias or '-'}/enable-migration={overrides.get(alias, '-') if alias else '-'}")
    if devs:
        pins["HOSTDEV"] = ",".join(devs)
    arch = ostype.get("arch") if ostype is not None else "?"
    return (f"name={root.findtext('name')} virttype={root.get('type')} arch={arch} pins=" +
            ",".join(f"{k}={v}" for k, v in sorted(pins.items())) + meta_line +
            (" hostdevs=" + ",".join(hostdevs) if hostdevs else "")), None


def check_domxml(data):
    d = os.path.join(data, "domxml")
    n = 0
    for name in names(d, ".xml"):
        what = f"domxml/{name}"
        doc = read(os.path.join(d, name + ".xml"), "rb")
        n += 1
        got = None
        root, why = xml_root(doc)
        if why:
            pass
        else:
            got, why = domain_guest(root)
        err_p = os.path.join(d, name + ".err")
        if os.path.exists(err_p):
            want = read(err_p).strip()
            if why is None or want not in why:
                fail(what, f"expected error '{want}'; Python reads '{why}'")
        elif why:
            fail(what, f"expected {name}.guest; Python reads '{why}'")
        elif read(os.path.join(d, name + ".guest")).strip() != got:
            fail(what, f".guest differs from the domain read by Python: {got}")
    return n


# ==== vfio-stream: the fixtures are what the independent writer makes ====

def check_vfio_stream(data):
    d = os.path.join(data, "vfio-stream")
    n = 0
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([sys.executable, os.path.join(d, "gen.py"), tmp], capture_output=True,
                           text=True)
        if r.returncode:
            fail("vfio-stream/gen.py", r.stderr.strip())
            return 0
        made = set(os.listdir(tmp))
        have = set(f for f in os.listdir(d) if f not in ("gen.py", "README"))
        if made != have:
            fail("vfio-stream", f"gen.py makes {sorted(made ^ have)} differently")
        for f in sorted(made & have):
            n += 1
            if read(os.path.join(tmp, f), "rb") != read(os.path.join(d, f), "rb"):
                fail(f"vfio-stream/{f}", "differs from what gen.py writes")
    return n


# ==== cpu_map: the copies are libvirt's own files ====

LIBVIRT_CPU_MAP = os.environ.get("MC_LIBVIRT_CPU_MAP", "/usr/share/libvirt/cpu_map")


def check_cpu_map(data):
    """Every model file index.xml includes, but the test model, is byte for
    byte the installed libvirt's (Debian 12: libvirt0 9.0.0)."""
    d = os.path.join(data, "cpu_map")
    n = 0
    for inc in ET.parse(os.path.join(d, "index.xml")).getroot().iter("include"):
        f = inc.get("filename")
        if not os.path.exists(os.path.join(d, f)) or f == "x86_Test-Inherit.xml":
            continue  # the test model; arm_not-here.xml: a missing include on purpose
        n += 1
        theirs = os.path.join(LIBVIRT_CPU_MAP, f)
        if not os.path.exists(theirs):
            fail(f"cpu_map/{f}", f"no {theirs} to compare with (libvirt0 not installed?)")
        elif read(theirs, "rb") != read(os.path.join(d, f), "rb"):
            fail(f"cpu_map/{f}", f"differs from libvirt's {theirs}")
    return n


# ==== cpu-map11: libvirt 11's map subset and libvirt 11's own answers ====

def check_cpu_map11(data):
    """plan-x86-map11: every libvirt file of cpu_map/ (all index.xml
    includes but the test model) has the md5 the Debian package's own
    md5sums gives it; every case's expectation agrees with libvirt 11's
    answer in libvirt11.answers (ok; or an error listing exactly the
    features libvirt says the host lacks, an "and N more" list naming some
    of them and N being the rest; with a GLOB column, libvirt's features
    and otherwise only features the GLOB matches)."""
    d = os.path.join(data, "plan-x86-map11")
    n = 0
    sums = {}
    for line in read(os.path.join(d, "cpu_map", "md5sums")).splitlines():
        h, path = line.split(None, 1)
        sums[os.path.basename(path)] = h
    for inc in ET.parse(os.path.join(d, "cpu_map", "index.xml")).getroot().iter("include"):
        f = inc.get("filename")
        if f == "x86_Test-Vmx.xml" or os.environ.get("MC_DATA_CHECK_ONLY"):
            continue
        n += 1
        what = f"plan-x86-map11/cpu_map/{f}"
        if f not in sums:
            fail(what, "not in cpu_map/md5sums (the package's own list)")
        elif hashlib.md5(read(os.path.join(d, "cpu_map", f), "rb")).hexdigest() != sums[f]:
            fail(what, "differs from libvirt-common 11.3.0-2~bpo12+1's file (md5sums)")
    answers = {}
    for line in read(os.path.join(d, "libvirt11.answers")).splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        p = line.split("\t")
        answers[p[0]] = ((set(x.strip() for x in p[2].split(",")), p[3] if len(p) > 3 else None)
                         if p[1] == "blocked" else "edit" if p[1] == "edit" else None)
    for name in names(d, ".expect"):
        what = f"plan-x86-map11/{name}"
        n += 1
        if name not in answers:
            fail(what, "no libvirt 11 answer in libvirt11.answers")
            continue
        want = answers[name]
        lines = [l for l in expect_lines(os.path.join(d, name + ".expect"))
                 if l != "notes" and not l.startswith("families ")]
        if want == "edit":
            vmx_edit_check(d, name, lines)
            continue
        err = [l for l in lines if l.startswith("error ")]
        if want is None:
            if err or lines != ["ok"]:
                fail(what, "libvirt 11 says ok, the expectation does not")
            continue
        m = re.search(r"does not offer \((.*)\)", err[0]) if err else None
        if not m:
            fail(what, "libvirt 11 says the host lacks %s; the expectation names no "
                 "missing features" % ",".join(sorted(want)))
            continue
        listed, more = m.group(1), 0
        mm = re.match(r"(.*) and (\d+) more$", listed)
        if mm:
            listed, more = mm.group(1), int(mm.group(2))
        named = set(listed.split(","))
        want, extra = want
        if extra:  # libvirt's features first, then only ones matching extra
            good = want <= named and all(fnmatch.fnmatchcase(f, extra) for f in named - want)
        elif more:
            good = named <= want and len(named) + more == len(want)
        else:
            good = named == want
        if not good:
            fail(what, "libvirt 11 says the host lacks %s%s; the expectation lists %s%s" % (
                ",".join(sorted(want)), f" (and {extra})" if extra else "",
                ",".join(sorted(named)), f" and {more} more" if more else ""))
    return n


def vmx_edit_check(d, name, lines):
    """A case on an edited Intel host (no libvirt answer): the CPU model's
    vmx-* features that the destination does not offer, computed here from
    the map (each feature's MSR and eax bits, the model and the models it
    names) and DST's VMX capability MSRs, read as the Intel SDM (vol. 3,
    A.3-A.5) and QEMU (kvm_arch_get_supported_msr_feature) read them: for
    the control MSRs the controls that may be 1 (high half) and need not be
    (not in the low half). ok when none is missing, else one blocked
    x86.msr line per missing feature, its pin CPU_DISABLE=FEATURE."""
    what = f"plan-x86-map11/{name}"
    feats = {}
    for f in ET.parse(os.path.join(d, "cpu_map", "x86_features.xml")).getroot().iter("feature"):
        m = f.find("msr")
        if m is not None:
            feats[f.get("name")] = (int(m.get("index"), 16),
                                    int(m.get("edx"), 16) << 32 | int(m.get("eax"), 16))

    def model_features(model):
        root = ET.parse(os.path.join(d, "cpu_map", f"x86_{model}.xml")).getroot()
        out = set()
        for m in root.iter("model"):
            if m.get("name") == model:
                for c in m:
                    if c.tag == "model":
                        out |= model_features(c.get("name"))
                    elif c.tag == "feature":
                        out.add(c.get("name"))
        return out
    pins = dict(l.strip().split("=", 1) for l in read(os.path.join(d, name + ".pins")).splitlines()
                if l.strip() and not l.startswith("#"))
    dst = {k: v for (dom, k), v in load_facts(os.path.join(d, name + ".dst")).items()
           if dom == b"x86.msr_feature"}

    def offered(index):
        raw = int(dst.get(b"0x%08x" % index, b"0"), 16)
        if index in (0x48b, 0x48d, 0x48e, 0x48f, 0x490):
            return (raw >> 32) & ~raw & 0xffffffff
        return raw
    missing = sorted(f for f in model_features(pins["CPU"]) if f.startswith("vmx-") and f in feats
                     and feats[f][1] & ~offered(feats[f][0]))
    blocked = sorted(re.search(r"pin=CPU_DISABLE=(\S+)", l).group(1) for l in lines
                     if l.startswith("blocked x86.msr ") and "pin=CPU_DISABLE=" in l)
    if missing != blocked or (not missing and lines != ["ok"]):
        fail(what, f"the map and DST's VMX MSRs leave out {missing or 'nothing'}; the "
             f"expectation blocks {blocked or 'nothing'}")


# ==== fuzz: the DOCTYPE seeds have a DOCTYPE ====

def check_fuzz(data):
    d = os.path.join(data, "fuzz")
    n = 0
    for t in sorted(os.listdir(d)):
        if not os.path.isdir(os.path.join(d, t)):
            continue
        for f in sorted(os.listdir(os.path.join(d, t))):
            if f.startswith("dtd-"):
                n += 1
                doc = read(os.path.join(d, t, f), "rb")
                if not has_doctype(doc):
                    fail(f"fuzz/{t}/{f}", "has no DOCTYPE for expat, so it does not test "
                         "the DOCTYPE refusal")
    return n


# ==== readmes: every folder says where its data comes from ====

# Folders whose README another work item writes (issue 13, item 3: the plan
# cases' runner); drop a name here once its README is in.
README_PENDING = set()


def check_readmes(data):
    """A README in every folder but the fixture trees (probes/kvm_params/
    *.in, probes/vfio/NAME, fuzz/TARGET, fleet/store-v1/: every file there is
    an input), and
    tests/data/README's index names every folder."""
    n = 0
    index = read(os.path.join(data, "README"))
    for top, dirs, files in os.walk(data):
        rel = os.path.relpath(top, data)
        parts = rel.split(os.sep)
        if (rel.endswith(".in") or rel.startswith(("probes/kvm_params/", "probes/vfio/"))
                or rel.startswith(("fuzz/", "fleet/store-v1/")) or ".in/" in rel):
            continue
        n += 1
        if "README" not in files and rel not in README_PENDING:
            fail(rel, "no README (what the inputs are, where the expectations come "
                 "from, what independent check backs them)")
        if rel != "." and len(parts) <= 2 and not re.search(
                r"^  " + re.escape(rel) + r"/\s", index, re.M):
            fail(rel, "not in tests/data/README's index")
    return n


CHECKS = {
    "report": check_report,
    "gate": check_gate,
    "targets": check_targets,
    "baseline": check_baseline,
    "matrix": check_matrix,
    "profile-xml": check_profile_xml,
    "inventory": check_inventory,
    "facts": check_facts,
    "sha256": check_sha256,
    "fleet-index": check_fleet_index,
    "fleet-listing": check_fleet_listing,
    "fleet-conf": check_fleet_conf,
    "probes": check_probes,
    "libvirt": check_libvirt,
    "domxml": check_domxml,
    "vfio-stream": check_vfio_stream,
    "cpu_map": check_cpu_map,
    "cpu-map11": check_cpu_map11,
    "fuzz": check_fuzz,
    "readmes": check_readmes,
}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--page":
        counts = {"page": check_page(sys.argv[2])}
    elif len(sys.argv) >= 3 and all(c in CHECKS or c == "all" for c in sys.argv[2:]):
        which = list(CHECKS) if "all" in sys.argv[2:] else sys.argv[2:]
        counts = {c: CHECKS[c](sys.argv[1]) for c in which}
    else:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        print("checks: " + " ".join(CHECKS), file=sys.stderr)
        return 64
    save_plan_cache()
    for line in fails:
        print(line)
    for c, k in counts.items():
        print(f"{c}: {k} checked" if k else f"FAIL {c}: nothing to check")
    return 1 if fails or 0 in counts.values() else 0

if __name__ == "__main__":
    sys.exit(main())

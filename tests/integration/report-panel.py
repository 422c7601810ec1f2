#!/usr/bin/env python3
"""The details a `migcheck report --html` page builds for a cell, against a
plan of the cell's pair.

Usage: report-panel.py pick PAGE.html
           prints "R-C SRC DST" for the cells worth opening: the first
           blocked cell, the first action cell, the cell with the most
           non-ok verdicts (one with more than the page lists, if any), and
           an other-architecture cell (SRC, DST: profile ids)
       report-panel.py check DOM.html PLAN.json
           DOM.html is Chromium's --dump-dom of PAGE.html#d-R-C (the page's
           script built the cell's details in the side panel), PLAN.json
           `migcheck plan SRC DST --format json` of the cell's pair. The
           panel must list the plan's non-ok verdicts, blocked first (plan
           order within a level), at most MAX of them, each with its level,
           family, subject, reason, facts and remedy (a text longer than
           FIELD characters cut there with an ellipsis), then "+N more" for
           the rest and the `migcheck plan` command; its heading names the
           plan's verdict. Exits 1 on any difference.
Test helper only (standard library).
"""
import html
import html.parser
import json
import re
import sys

MAX = 8  # MC_HTML_MAX_VERDICTS (core/report/report_html.h)
FIELD = 600  # FIELD_CHARS (core/report/report_html.c)


def page_data(path):
    text = open(path, encoding="utf-8").read()
    m = re.search(r'<div id="mc-data" hidden="hidden">(.*?)</div>', text, re.S)
    return json.loads(html.unescape(m.group(1)))


def pick(path):
    d = page_data(path)
    P, S = d["profiles"], d["sets"]
    first, most = {}, None
    for r, row in enumerate(d["cells"]):
        for c, sid in enumerate(row):
            s = S[sid]
            first.setdefault(s["kind"], (r, c))
            n = len(s.get("v", [])) + s.get("more", 0)
            if n and (most is None or n > most[0]):
                most = (n, r, c)
    cells = [first[k] for k in ("blocked", "action", "na") if k in first]
    if most:
        cells.append(most[1:])
    for r, c in dict.fromkeys(cells):
        print(f"{r}-{c} {P[r]['id']} {P[c]['id']}")


class Panel(html.parser.HTMLParser):
    """The side panel's content: heading, verdicts, 'more' line."""

    def __init__(self):
        super().__init__()
        self.depth = 0  # inside <div id="panel-body"> when > 0
        self.stack = []  # classes of open elements inside it
        self.h3 = ""
        self.verdicts = []
        self.section = None
        self.more = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and a.get("id") == "panel-body":
            self.depth = 1
            self.stack = ["panel"]
            return
        if not self.depth or tag == "br":
            return
        cls = a.get("class") or ""
        if tag == "section":
            self.section = cls
        if cls.startswith("v "):
            self.verdicts.append({"class": cls})
        self.stack.append(tag + "." + cls)

    def handle_endtag(self, tag):
        if self.depth and tag != "br":
            self.stack.pop()
            if not self.stack:
                self.depth = 0

    def handle_data(self, data):
        if not self.depth:
            return
        where = self.stack[-1]
        if where.startswith("h3."):
            self.h3 += data
        elif any(e.startswith("p.more") for e in self.stack):
            self.more += data
        elif self.verdicts:
            v = self.verdicts[-1]
            for key in ("lv", "fam", "subj", "reason", "facts", "remedy"):
                if where.endswith("." + key):
                    v[key] = v.get(key, "") + data


def cut(s):
    return s if len(s) <= FIELD else s[:FIELD] + "\u2026"


def check(dom_path, plan_path):
    plan = json.load(open(plan_path, encoding="utf-8"))
    p = Panel()
    p.feed(open(dom_path, encoding="utf-8").read())
    bad = []
    want = [v for lv in ("blocked", "action") for v in plan["verdicts"] if v["level"] == lv]
    kind = plan["verdict"]
    if p.section != "detail " + kind:
        bad.append(f"panel section '{p.section}', the plan is {kind}")
    if not p.h3.endswith(": " + {"ok": "ok", "action": "ok with action",
                                 "blocked": "blocked"}[kind]):
        bad.append(f"heading '{p.h3}', the plan is {kind}")
    if len(p.verdicts) != min(len(want), MAX):
        bad.append(f"{len(p.verdicts)} verdicts listed, the plan has {len(want)} non-ok")
    for i, (got, w) in enumerate(zip(p.verdicts, want)):
        exp = {"class": "v " + w["level"], "lv": w["level"], "fam": w["family"],
               "subj": w["subject"], "reason": cut(w["reason"])}
        if "facts" in w:
            exp["facts"] = cut(w["facts"])
        if "remedy" in w:
            exp["remedy"] = "remedy: " + cut(w["remedy"])
        if w["subject"] == "":
            got.setdefault("subj", "")
        if got != exp:
            bad.append(f"verdict {i}: {got}\n  the plan: {exp}")
    rest = len(want) - min(len(want), MAX)
    want_more = (f"+{rest} more non-ok verdicts. " if rest else "") + "All verdicts: migcheck plan " \
        + plan["src"]["profile"][:12] + " " + plan["dst"]["profile"][:12]
    if p.more != want_more:
        bad.append(f"'{p.more}', want '{want_more}'")
    for b in bad:
        print("FAIL " + b)
    print(f"panel: {p.h3}: {len(p.verdicts)} verdicts listed of {len(want)} non-ok, "
          f"{'differs' if bad else 'as planned'}")
    return 1 if bad else 0


def check_na(dom_path):
    p = Panel()
    p.feed(open(dom_path, encoding="utf-8").read())
    ok = p.section == "detail na" and p.h3.endswith(": other architecture (not compared)") \
        and not p.verdicts
    print(f"panel: {p.h3}: {'as expected' if ok else 'FAIL not an other-architecture detail'}")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "pick":
        pick(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) == 4 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3]))
    if len(sys.argv) == 3 and sys.argv[1] == "check-na":
        sys.exit(check_na(sys.argv[2]))
    sys.exit(__doc__)

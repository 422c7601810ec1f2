#!/usr/bin/env python3
"""Independent checks of migcheck's --format json output (tests/integration/json.sh).

  json-check.py validate SCHEMA FILE      FILE against the JSON Schema (python3-jsonschema)
  json-check.py plan-xml JSON XML         a plan or matrix: same content as the XML output
  json-check.py gate-junit JSON XML       gate: same pairs and regressions as the JUnit output
  json-check.py hosts-text JSON TEXT      hosts: same rows as the text output
  json-check.py diff-text JSON TEXT       diff: same differences as the text output

Exit 0 when the check holds, 1 with the reason on stderr when it does not."""
import json
import sys
import xml.etree.ElementTree as ET

import jsonschema

NS = "{urn:x-migcheck:plan:1}"


def fail(msg):
    print("json-check: " + msg, file=sys.stderr)
    sys.exit(1)


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def validate(schema, doc):
    s = load(schema)
    jsonschema.Draft202012Validator.check_schema(s)
    errs = sorted(jsonschema.Draft202012Validator(s).iter_errors(load(doc)), key=str)
    if errs:
        fail("\n".join("%s: %s at %s" % (doc, e.message, list(e.absolute_path)) for e in errs))


def plan_from_xml(e):
    """The plan element as the JSON shape's dictionary (kind left out)."""
    counts = {"blocked": 0, "action": 0, "ok": 0}
    verdicts = []
    for v in e.findall(NS + "verdict") + e.findall("verdict"):
        d = {"family": v.get("family"), "subject": v.get("subject"), "level": v.get("level")}
        for child in v:
            d[child.tag.replace(NS, "")] = child.text or ""
        if v.get("pin") is not None:
            d["pin"] = v.get("pin")
        counts[d["level"]] += 1
        verdicts.append(d)
    return {
        "verdict": e.get("verdict"),
        "src": {"label": e.get("src"), "profile": e.get("src-profile")},
        "dst": {"label": e.get("dst"), "profile": e.get("dst-profile")},
        "pins": e.get("pins"),
        "counts": counts,
        "verdicts": verdicts,
    }


def plan_xml(jpath, xpath):
    j = load(jpath)
    root = ET.parse(xpath).getroot()
    if root.tag == NS + "plan":
        want = dict(plan_from_xml(root), kind="plan")
    elif root.tag == NS + "matrix":
        want = {
            "kind": "matrix",
            "new": {"label": root.get("new"), "profile": root.get("new-profile")},
            "old": {"label": root.get("old"), "profile": root.get("old-profile")},
            "compat_pins": root.get("compat-pins"),
            "rows": [{"direction": r.get("direction"),
                      "plan": plan_from_xml(r.find(NS + "plan"))}
                     for r in root.findall(NS + "row")],
        }
    else:
        fail("%s: unexpected root %s" % (xpath, root.tag))
    if j != want:
        fail("%s differs from %s:\n%s\n%s" % (jpath, xpath, json.dumps(j, sort_keys=True),
                                              json.dumps(want, sort_keys=True)))


def gate_junit(jpath, xpath):
    j = load(jpath)
    suite = ET.parse(xpath).getroot().find("testsuite")
    if j["equal"]:
        if j["pairs"] or suite.get("failures") != "0":
            fail("equal candidate with pairs or failures")
        return
    cases = suite.findall("testcase")
    if len(cases) != len(j["pairs"]):
        fail("%d pairs, %d test cases" % (len(j["pairs"]), len(cases)))
    if int(suite.get("failures")) != j["regressions"]:
        fail("%d regressions, %s failures" % (j["regressions"], suite.get("failures")))
    for p, c in zip(j["pairs"], cases):
        if (c.find("failure") is not None) != p["regression"]:
            fail("pair %s/%s: regression %s, JUnit %s" % (p["direction"], p["other"][:12],
                                                       p["regression"], c.get("name")))
        if p["other"][:12] not in c.get("name"):
            fail("pair %s not in test case %s" % (p["other"][:12], c.get("name")))


def hosts_text(jpath, tpath):
    with open(tpath, encoding="utf-8") as f:
        rows = [line.split() for line in f.read().splitlines()[1:]]
    got = [[h["name"], h["profile"][:12], h["arch"], h["kernel"], h["probed_at"]]
           for h in load(jpath)["hosts"]]
    if got != [r[:5] for r in rows]:
        fail("hosts differ: %s\n%s" % (got, rows))


def diff_text(jpath, tpath):
    j = load(jpath)
    with open(tpath, encoding="utf-8") as f:
        lines = f.read().splitlines()
    want = []
    for line in lines[2:]:
        if line[:2] in ("- ", "+ ", "~ "):
            want.append(line.split(None, 3)[1:3])
    got = [[d["domain"], d["key"]] for d in j["differences"]]
    if got != want:
        fail("differences differ: %s\n%s" % (got, want))
    sign = {"removed": "-", "added": "+", "changed": "~"}
    for d, line in zip(j["differences"], [l for l in lines[2:] if l[:2] in ("- ", "+ ", "~ ")]):
        value = "%s -> %s" % (d["a"], d["b"]) if d["change"] == "changed" else d["a"] or d["b"]
        if line[0] != sign[d["change"]] or not line.endswith(" " + value):
            fail("%s: %s" % (line, d))
    if j["identical"] != (lines[-1] == "identical"):
        fail("identical: %s, text %s" % (j["identical"], lines[-1]))


def main():
    cmds = {"validate": validate, "plan-xml": plan_xml, "gate-junit": gate_junit,
            "hosts-text": hosts_text, "diff-text": diff_text}
    if len(sys.argv) != 4 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmds[sys.argv[1]](sys.argv[2], sys.argv[3])


main()

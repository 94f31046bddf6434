"""Reads the three report files of one run with real consumers and checks they agree:
report.json against the published JSON Schema, junit.xml with junitparser, report.md rendered
by cmark-gfm (GitHub's renderer). Exits non-zero with the reason on the first mismatch.

    python3 check_reports.py REPORT_DIR SCHEMA [--strict]
"""
import json
import subprocess
import sys

import jsonschema
from junitparser import Failure, JUnitXml, Skipped

report_dir, schema_path = sys.argv[1], sys.argv[2]
strict = "--strict" in sys.argv


def fail(message):
    print(message)
    sys.exit(1)


report = json.load(open(f"{report_dir}/report.json"))
jsonschema.validate(report, json.load(open(schema_path)))

# JUnit: one suite per target plus `install`, one case per result named by its check ID.
xml = JUnitXml.fromfile(f"{report_dir}/junit.xml")
cases = {}
for suite in xml:
    for case in suite:
        cases[(suite.name, case.name)] = case
        if case.classname != f"redis-preflight.{suite.name}":
            fail(f"{suite.name}/{case.name}: classname {case.classname}")
expected_suites = [t["name"] for t in report["targets"]] + ["install"]
if [s.name for s in xml] != expected_suites:
    fail(f"suites {[s.name for s in xml]} != {expected_suites}")
if len(cases) != len(report["results"]):
    fail(f"{len(cases)} test cases for {len(report['results'])} results")
for r in report["results"]:
    suite = "install" if r["target"] == "*" else r["target"]
    case = cases.get((suite, r["check"]))
    if case is None:
        fail(f"no test case {suite}/{r['check']}")
    kinds = {type(x) for x in case.result}
    gating = r["outcome"] == "fail" or (strict and r["outcome"] in ("warn", "unknown"))
    if gating != (Failure in kinds):
        fail(f"{suite}/{r['check']} ({r['outcome']}): failure element {Failure in kinds}")
    if (r["outcome"] == "skip") != (Skipped in kinds):
        fail(f"{suite}/{r['check']} ({r['outcome']}): skipped element {Skipped in kinds}")
    if r["outcome"] in ("warn", "unknown") and not strict and r["message"] not in (case.system_out or ""):
        fail(f"{suite}/{r['check']}: the {r['outcome']} message is not in system-out")

# Markdown: GitHub's renderer makes one table for the summary and one per target.
html = subprocess.run(["cmark-gfm", "--extension", "table"], input=open(f"{report_dir}/report.md", "rb").read(),
                      capture_output=True, check=True).stdout.decode()
tables = html.count("<table>")
if tables != 1 + len(expected_suites):
    fail(f"report.md renders {tables} tables, expected {1 + len(expected_suites)}")
for r in report["results"]:
    if f"<code>{r['check']}</code>" not in html:
        fail(f"report.md does not show {r['check']}")
fails = [r for r in report["results"] if r["outcome"] == "fail"]
if fails and "What to fix" not in html:
    fail("report.md has failures but no 'What to fix' section")
print(f"ok: {len(report['results'])} results agree across report.json, junit.xml and report.md")

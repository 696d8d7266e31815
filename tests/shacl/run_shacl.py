"""Validates flowkg exports with pyshacl against ontology/shapes.ttl (run by tests/shacl.rs).

Usage: run_shacl.py SHAPES ONTOLOGY [--data FILE.nq]... [--conform DIR] [--xfail DIR]

--data: an N-Quads export; each named graph (one flow) is validated on its own, as its own
data graph, with ONTOLOGY as the ontology graph. Every graph must conform (warnings allowed):
a line "PASS <graph>" each, or "FAIL <graph>" with the violations.

--conform: every DIR/*.ttl is one flow graph that must conform: "PASS <file>" each.

--xfail: every DIR/*.ttl is one deliberately wrong flow graph whose header names the expected
violation, "# expect-shape: afsh:Local" and "# expect-path: af:local" (or "none"). It must not
conform, and every violation must come from that shape with that sh:resultPath: "XFAIL <file>",
else "XPASS <file>" (it conformed) or "FAIL <file>" (other violations). The practice of UCO
and CASE.

Exit 0 when every line is PASS or XFAIL.
"""
import argparse
import pathlib
import re
import sys

import pyshacl
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.namespace import RDF

SH = Namespace("http://www.w3.org/ns/shacl#")
PREFIXES = {
    "afsh": "https://w3id.org/flowkg/af/shapes#",
    "af": "https://w3id.org/flowkg/af#",
}


def expand(curie):
    if curie == "none":
        return None
    prefix, local = curie.split(":", 1)
    return URIRef(PREFIXES[prefix] + local)


def validate(data, shapes, ontology):
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none",
        allow_warnings=True, advanced=True)
    violations = [
        (report.value(r, SH.sourceShape), report.value(r, SH.resultPath), r, report)
        # Top-level results only: sh:node and sh:or nest theirs under sh:detail.
        for top in report.subjects(RDF.type, SH.ValidationReport)
        for r in report.objects(top, SH.result)
        if report.value(r, SH.resultSeverity) == SH.Violation
    ]
    return conforms, violations


def describe(violation):
    shape, path, result, report = violation
    focus = report.value(result, SH.focusNode)
    message = report.value(result, SH.resultMessage)
    return f"    shape {shape} path {path} focus {focus}: {message}"


def check_data(path, shapes, ontology):
    dataset = Dataset()
    dataset.parse(path, format="nquads")
    ok = True
    graphs = [g for g in dataset.graphs() if len(g) and g.identifier != dataset.default_graph.identifier]
    for g in sorted(graphs, key=lambda g: str(g.identifier)):
        data = Graph()
        for triple in g:
            data.add(triple)
        conforms, violations = validate(data, shapes, ontology)
        if conforms:
            print(f"PASS {g.identifier}")
        else:
            ok = False
            print(f"FAIL {g.identifier}")
            for v in violations[:20]:
                print(describe(v))
    return ok


def check_conform(directory, shapes, ontology):
    ok = True
    for path in sorted(pathlib.Path(directory).glob("*.ttl")):
        conforms, violations = validate(Graph().parse(path, format="turtle"), shapes, ontology)
        print(f"{'PASS' if conforms else 'FAIL'} {path.name}")
        for v in violations:
            print(describe(v))
        ok &= conforms
    return ok


def check_xfail(directory, shapes, ontology):
    ok = True
    for path in sorted(pathlib.Path(directory).glob("*.ttl")):
        text = path.read_text()
        shape = expand(re.search(r"^# expect-shape: (\S+)", text, re.M).group(1))
        result_path = expand(re.search(r"^# expect-path: (\S+)", text, re.M).group(1))
        data = Graph().parse(path, format="turtle")
        conforms, violations = validate(data, shapes, ontology)
        found = {(s, p) for s, p, _, _ in violations}
        if conforms:
            ok = False
            print(f"XPASS {path.name}: conforms, expected {shape} {result_path}")
        elif found == {(shape, result_path)}:
            print(f"XFAIL {path.name}: {len(violations)} violation(s) of {shape} path {result_path}")
        else:
            ok = False
            print(f"FAIL {path.name}: expected only {shape} path {result_path}, found")
            for v in violations:
                print(describe(v))
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("shapes")
    parser.add_argument("ontology")
    parser.add_argument("--data", action="append", default=[])
    parser.add_argument("--conform")
    parser.add_argument("--xfail")
    args = parser.parse_args()
    shapes = Graph().parse(args.shapes, format="turtle")
    ontology = Graph().parse(args.ontology, format="turtle")
    ok = True
    for path in args.data:
        ok &= check_data(path, shapes, ontology)
    if args.conform:
        ok &= check_conform(args.conform, shapes, ontology)
    if args.xfail:
        ok &= check_xfail(args.xfail, shapes, ontology)
    print("SHACL CHECK PASSED" if ok else "SHACL CHECK FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

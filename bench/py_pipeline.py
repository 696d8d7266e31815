#!/usr/bin/env python3
"""What a user would write instead of flowkg: STIX Attack Flow bundles → RDF with Python.

The same mapping flowkg applies to STIX bundles (one named graph per flow, a node per object
under the flow's IRI, af:/prop: properties, nested dictionaries as af:Structure nodes, typed
literals, technique IRIs with their parents and ATT&CK's replacements, relationship nodes with the direct edge, action
succession (af:followedBy), impact paths (af:ImpactPath), entity resolution of software by name, CVEs by id and observables by their deterministic STIX id),
written plainly and reasonably fast: json.load, one pass per object, terms cached.

Usage:
  py_pipeline.py map      DIR                 # mapping only: files → quads (counted, dropped)
  py_pipeline.py pyoxigraph DIR [--store D]   # mapping + pyoxigraph bulk load (on disk with --store)
  py_pipeline.py rdflib   DIR                 # mapping + rdflib in-memory Dataset
Prints one JSON line: {"flows", "quads", "map_s", "total_s"}.
"""
import hashlib
import json
import os
import re
import sys
import time
import uuid

AF = "https://w3id.org/flowkg/af#"
PROP = "https://w3id.org/flowkg/af/prop#"
NS = "https://w3id.org/flowkg/ns/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
XSD = "http://www.w3.org/2001/XMLSchema#"
STIX_OBSERVABLE_NS = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")

CLASSES = {
    "attack-flow": "Flow", "attack-action": "Action", "attack-asset": "Asset",
    "attack-condition": "Condition", "attack-operator": "Operator", "relationship": "Relationship",
    "tool": "Tool", "malware": "Malware", "vulnerability": "Vulnerability",
    "infrastructure": "Infrastructure", "threat-actor": "ThreatActor", "identity": "Identity",
    "note": "Note", "extension-definition": "ExtensionDefinition", "ipv4-addr": "IPv4Address",
    "domain-name": "DomainName", "url": "URL", "file": "File",
}
TERMS = {
    "name": "name", "description": "description", "operator": "operatorKind", "scope": "scope",
    "created": "created", "modified": "modified", "confidence": "confidence",
    "technique_id": "techniqueId", "tactic_id": "tacticId", "relationship_type": "relationshipType",
    "value": "value", "start_refs": "start", "effect_refs": "effect", "on_true_refs": "onTrue",
    "on_false_refs": "onFalse", "asset_refs": "asset", "command_ref": "command",
    "object_ref": "object", "object_refs": "refersTo", "source_ref": "source",
    "target_ref": "target", "created_by_ref": "createdBy",
}
OBSERVABLE_KEYS = {"ipv4-addr": "value", "domain-name": "value", "url": "value", "file": "name"}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,}Z$")
CVE = re.compile(r"CVE[- ]?(\d{4})-(\d{4,})", re.I)
TECHNIQUE = re.compile(r"^T\d{4}(\.\d{3})?$")


def attack_replacements():
    """ATT&CK's replacements of deprecated techniques, read from the namespace flowkg ships."""
    text = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../namespaces/attack.ttl")).read()
    replaced = {}
    for block in text.split("\n\n"):
        subject = re.match(r"attack:(T[\d.]+) ", block)
        if subject:
            replaced[subject.group(1)] = re.findall(r"dcterms:isReplacedBy attack:(T[\d.]+)", block)
    return replaced


REPLACED_BY = attack_replacements()


def attack_impact():
    """The Impact tactics and the techniques that serve one (af:tactic), as ids."""
    text = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../namespaces/attack.ttl")).read()
    blocks = text.split("\n\n")
    impact = {m.group(1) for b in blocks if 'af:shortName "impact"' in b
              for m in [re.match(r"attack:(TA\d+) ", b)] if m}
    for block in blocks:
        subject = re.match(r"attack:(T[\d.]+) ", block)
        tactics = re.search(r"af:tactic ([^;.]+)", block)
        if subject and tactics and impact & set(re.findall(r"attack:(TA\d+)", tactics.group(1))):
            impact.add(subject.group(1))
    return impact


IMPACT = attack_impact()


def counts_as(technique):
    """The technique, its parent, their replacements and theirs (af:matchesTechnique)."""
    found, pending = [], [technique]
    while pending:
        t = pending.pop()
        for member in (t, t.split(".")[0]):
            if member not in found:
                found.append(member)
                pending.extend(REPLACED_BY.get(member, ()))
    return found


class Terms:
    """Builds terms for one RDF library, with the IRIs that recur cached."""

    def __init__(self, library):
        self.library = library
        if library == "rdflib":
            from rdflib import Literal, URIRef
            self.iri, self.literal = URIRef, Literal
            self.typed = lambda v, dt: Literal(v, datatype=URIRef(dt))
        else:
            import pyoxigraph as ox
            self.iri, self.literal = ox.NamedNode, ox.Literal
            self.typed = lambda v, dt: ox.Literal(v, datatype=ox.NamedNode(dt))
        self.cache = {}

    def named(self, iri):
        term = self.cache.get(iri)
        if term is None:
            term = self.cache[iri] = self.iri(iri)
        return term


def predicate(terms, key):
    local = TERMS.get(key)
    return terms.named(AF + local if local else PROP + key)


def map_file(path, terms, out):
    """Appends the quads of one bundle to `out` as (s, p, o, g) tuples; returns their count."""
    with open(path, "rb") as f:
        raw = f.read()
    bundle = json.loads(raw)
    objects = bundle["objects"]
    flow = next(o for o in objects if o["type"] == "attack-flow")
    key = flow["id"].split("--", 1)[1] + "-" + hashlib.sha256(os.path.abspath(path).encode()).hexdigest()[:12]
    base = f"urn:flowkg:flow/{key}"
    graph = terms.named(base)
    iri = terms.iri
    start = len(out)
    add = out.append

    def node_of(stix_id):
        return iri(f"{base}/{stix_id}")

    def value(node, key, v, subject_iri):
        p = predicate(terms, key)
        if isinstance(v, list):
            if len(v) == 1:
                add((node, terms.named(AF + "listProperty"), p, graph))
            for item in v:
                value_one(node, key, p, item, subject_iri, len(v) > 1)
        else:
            value_one(node, key, p, v, subject_iri, False)

    def value_one(node, key, p, v, subject_iri, many):
        if isinstance(v, dict):
            child_iri = f"{subject_iri}/{key}"
            child = iri(child_iri)
            add((node, p, child, graph))
            add((child, terms.named(RDF_TYPE), terms.named(AF + "Structure"), graph))
            for k, item in v.items():
                value(child, k, item, child_iri)
        elif isinstance(v, bool):
            add((node, p, terms.typed("true" if v else "false", XSD + "boolean"), graph))
        elif isinstance(v, int):
            add((node, p, terms.typed(str(v), XSD + "integer"), graph))
        elif isinstance(v, float):
            add((node, p, terms.typed(repr(v), XSD + "double"), graph))
        elif isinstance(v, str):
            if key.endswith("_ref") or key.endswith("_refs"):
                add((node, p, node_of(v), graph))
            elif key in ("created", "modified") and TIMESTAMP.match(v):
                add((node, p, terms.typed(v, XSD + "dateTime"), graph))
            else:
                add((node, p, terms.literal(v), graph))

    for o in objects:
        stix_type, stix_id = o["type"], o["id"]
        subject_iri = base if stix_type == "attack-flow" else f"{base}/{stix_id}"
        node = iri(subject_iri)
        add((node, terms.named(RDF_TYPE), terms.named(AF + CLASSES.get(stix_type, "StixObject")), graph))
        add((node, terms.named(AF + "stixId"), terms.literal(stix_id), graph))
        add((node, terms.named(AF + "stixType"), terms.literal(stix_type), graph))
        for k, v in o.items():
            if k in ("type", "id"):
                continue
            value(node, k, v, subject_iri)
        technique = o.get("technique_id")
        if isinstance(technique, str) and TECHNIQUE.match(technique):
            t = terms.named(NS + "attack/" + technique)
            add((node, terms.named(AF + "technique"), t, graph))
            add((node, terms.named(AF + "techniqueOrParent"), t, graph))
            if "." in technique:
                parent = terms.named(NS + "attack/" + technique.split(".")[0])
                add((node, terms.named(AF + "techniqueOrParent"), parent, graph))
            for counted in counts_as(technique):
                add((node, terms.named(AF + "matchesTechnique"), terms.named(NS + "attack/" + counted), graph))
        if stix_type == "relationship":
            add((node_of(o["source_ref"]), terms.named(AF + "relatedTo"), node_of(o["target_ref"]), graph))
        # Entity resolution: software by normalised name, CVEs by id, observables by value.
        shared = None
        if stix_type in ("tool", "malware") and isinstance(o.get("name"), str):
            name = re.sub(r"[^a-z0-9]+", "-", o["name"].lower().removesuffix(".exe")).strip("-")
            shared = NS + "software/" + name
        elif stix_type == "vulnerability":
            m = CVE.search(o.get("name", ""))
            if m:
                shared = f"{NS}vulnerability/CVE-{m.group(1)}-{m.group(2)}"
        elif stix_type in OBSERVABLE_KEYS and isinstance(o.get(OBSERVABLE_KEYS[stix_type]), str):
            contributing = json.dumps({OBSERVABLE_KEYS[stix_type]: o[OBSERVABLE_KEYS[stix_type]]},
                                      separators=(",", ":"), sort_keys=True)
            shared = f"{NS}observable/{stix_type}--{uuid.uuid5(STIX_OBSERVABLE_NS, contributing)}"
        if shared:
            s = terms.named(shared)
            add((node, terms.named(AF + "entity"), s, graph))
            add((node, terms.named(OWL_SAME_AS), s, graph))
    # Action succession (af:followedBy): the next actions past operators and conditions.
    after = {o["id"]: [r for k in ("effect_refs", "on_true_refs", "on_false_refs") for r in o.get(k, ())]
             for o in objects}
    followed_by = terms.named(AF + "followedBy")
    for o in objects:
        if o["type"] != "attack-action":
            continue
        seen, pending = set(), list(after[o["id"]])
        while pending:
            n = pending.pop()
            if n in seen:
                continue
            seen.add(n)
            if n.startswith("attack-action--"):
                add((node_of(o["id"]), followed_by, node_of(n), graph))
            else:
                pending.extend(after.get(n, ()))
    # Impact paths (af:ImpactPath): each start action to each impact action it reaches, with
    # every node the start reaches that reaches the impact action.
    before = {}
    for source, targets in after.items():
        for target in targets:
            before.setdefault(target, []).append(source)

    def reach(node, edges):
        seen, pending = set(), [node]
        while pending:
            n = pending.pop()
            if n not in seen:
                seen.add(n)
                pending.extend(edges.get(n, ()))
        return seen

    actions = [o for o in objects if o["type"] == "attack-action"]
    ends = [o["id"] for o in actions
            if o.get("technique_id") in IMPACT or o.get("tactic_id") in IMPACT]
    if ends:
        leading = {end: reach(end, before) for end in ends}
        for o in actions:
            if o["id"] in before:
                continue
            reached = reach(o["id"], after)
            for end in ends:
                if end not in reached:
                    continue
                way = iri(f"{base}/path/{o['id']}/{end}")
                add((way, terms.named(RDF_TYPE), terms.named(AF + "ImpactPath"), graph))
                add((way, terms.named(AF + "startsAt"), node_of(o["id"]), graph))
                add((way, terms.named(AF + "endsAt"), node_of(end), graph))
                for n in reached & leading[end]:
                    add((way, terms.named(AF + "passesThrough"), node_of(n), graph))
    document = iri(base + "/document")
    add((graph, terms.named(AF + "document"), document, graph))
    add((document, terms.named(AF + "sourcePath"), terms.literal(os.path.abspath(path)), graph))
    add((document, terms.named(AF + "contentSha256"), terms.literal(hashlib.sha256(raw).hexdigest()), graph))
    add((graph, terms.named(AF + "flowKey"), terms.literal(key), graph))
    return len(out) - start


def files_below(root):
    found = []
    for folder, _, names in os.walk(root):
        found.extend(os.path.join(folder, n) for n in names if n.endswith(".json"))
    return sorted(found)


def main():
    mode, root = sys.argv[1], sys.argv[2]
    store_dir = sys.argv[sys.argv.index("--store") + 1] if "--store" in sys.argv else None
    files = files_below(root)
    begin = time.perf_counter()
    quads = 0
    if mode == "map":
        terms = Terms("pyoxigraph")
        for path in files:
            batch = []
            quads += map_file(path, terms, batch)
        total = time.perf_counter() - begin
        map_s = total
    elif mode == "pyoxigraph":
        import pyoxigraph as ox
        terms = Terms("pyoxigraph")
        store = ox.Store(store_dir) if store_dir else ox.Store()
        map_s = 0.0

        def stream():
            nonlocal quads, map_s
            for path in files:
                t = time.perf_counter()
                batch = []
                quads += map_file(path, terms, batch)
                map_s += time.perf_counter() - t
                for s, p, o, g in batch:
                    yield ox.Quad(s, p, o, g)

        if store_dir:
            store.bulk_extend(stream())
            store.flush()
        else:
            store.extend(stream())
        total = time.perf_counter() - begin
    elif mode == "rdflib":
        from rdflib import Dataset
        terms = Terms("rdflib")
        dataset = Dataset()
        map_s = 0.0
        for path in files:
            t = time.perf_counter()
            batch = []
            quads += map_file(path, terms, batch)
            map_s += time.perf_counter() - t
            dataset.addN((s, p, o, dataset.graph(g)) for s, p, o, g in batch)
        total = time.perf_counter() - begin
    else:
        sys.exit(f"unknown mode {mode}")
    print(json.dumps({"mode": mode, "flows": len(files), "quads": quads,
                      "map_s": round(map_s, 3), "total_s": round(total, 3)}))


if __name__ == "__main__":
    main()

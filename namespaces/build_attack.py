#!/usr/bin/env python3
"""Generate namespaces/attack.ttl: the shared ATT&CK (+ ATLAS, D3FEND, F3) namespace
for flowkg, from the ATT&CK v19.1 data files in ../shared/attack.

Usage (from the repository root):

    python3 namespaces/build_attack.py --attack ../shared/attack --out namespaces/attack.ttl

Both arguments are optional; the defaults are the paths above, resolved relative to the
repository that contains this script (so it works from any working directory).

Standard library only. The output is deterministic: subjects are sorted by id, the
predicates of each subject come in a fixed order, and nothing depends on the clock, the
host or absolute paths, so re-running on the same inputs gives a byte-identical file.

Inputs (see SOURCE.txt / SOURCE-status.txt in the attack folder):
  attack-techniques-v19.1-flat.json      active ATT&CK tactics + techniques (918), domains, parents
  mitre-attack-v19.1-builder-enums.json  tactic -> technique relationships (also for inactive ids)
  attack-technique-status.json           revoked / deprecated techniques (248) and revoked-by targets
  mitre-atlas-builder-enums.json         ATLAS tactics / techniques (ids, names, tactic links)
  mitre-d3fend-builder-enums.json        D3FEND tactics / techniques (ids, names, tactic links)
  f3-builder-enums.json                  F3 tactics / techniques (ids, names, tactic links)

The script cross-checks the inputs against each other and stops with an error if they
disagree (rather than writing a silently wrong file).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

# --------------------------------------------------------------------------------------
# Fixed IRIs
# --------------------------------------------------------------------------------------

NS_AF = "https://w3id.org/flowkg/af#"
NS_ATTACK = "https://w3id.org/flowkg/ns/attack/"
NS_ATLAS = "https://w3id.org/flowkg/ns/atlas/"
NS_D3FEND = "https://w3id.org/flowkg/ns/d3fend/"
NS_F3 = "https://w3id.org/flowkg/ns/f3/"
D3FEND_ONTOLOGY = "http://d3fend.mitre.org/ontologies/d3fend.owl#"

PREFIXES = [
    ("af", NS_AF),
    ("attack", NS_ATTACK),
    ("atlas", NS_ATLAS),
    ("d3fend", NS_D3FEND),
    ("f3", NS_F3),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("dcterms", "http://purl.org/dc/terms/"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
]

# ATT&CK web pages. MITRE's STIX external_references[].url omit the trailing slash
# (https://attack.mitre.org/techniques/T1059/001); the site serves both forms. The
# flowkg convention is the trailing-slash form.
ATTACK_TECHNIQUE_URL = "https://attack.mitre.org/techniques/{path}/"
ATTACK_TACTIC_URL = "https://attack.mitre.org/tactics/{id}/"
# ATLAS pages, in the form ATLAS's own STIX external_references use.
ATLAS_TECHNIQUE_URL = "https://atlas.mitre.org/techniques/{id}"
ATLAS_TACTIC_URL = "https://atlas.mitre.org/tactics/{id}"

DOMAIN_FROM_BUILDER = {"ENT": "enterprise-attack", "MOB": "mobile-attack", "ICS": "ics-attack"}
DOMAIN_FROM_STATUS = {"enterprise": "enterprise-attack", "mobile": "mobile-attack", "ics": "ics-attack"}

RE_ATTACK_TECHNIQUE = re.compile(r"T\d{4}(\.\d{3})?")
RE_ATTACK_TACTIC = re.compile(r"TA\d{4}")
# Safe Turtle PN_LOCAL subset: starts and ends alphanumeric, '.', '-' and '_' inside.
RE_SAFE_LOCAL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
RE_SUB_SUFFIX = re.compile(r"^(.+)\.(\d{3})$")

ATTACK_TERMS = """\
ATT&CK®
License: The MITRE Corporation (MITRE) hereby grants you a non-exclusive, royalty-free
license to use ATT&CK® for research, development, and commercial purposes. Any copy you
make for such purposes is authorized provided that you reproduce MITRE's copyright
designation and this license in any such copy.
"© 2026 The MITRE Corporation. This work is reproduced and distributed with the
permission of The MITRE Corporation."
Disclaimers: MITRE does not claim ATT&CK enumerates all possibilities for the types of
actions and behaviors documented as part of its adversary model and framework of
techniques. Using the information contained within ATT&CK to address or cover full
categories of techniques will not guarantee full defensive coverage as there may be
undisclosed techniques or variations on existing techniques not documented by ATT&CK.
ALL DOCUMENTS AND THE INFORMATION CONTAINED THEREIN ARE PROVIDED ON AN "AS IS" BASIS AND
THE CONTRIBUTOR, THE ORGANIZATION HE/SHE REPRESENTS OR IS SPONSORED BY (IF ANY), THE
MITRE CORPORATION, ITS BOARD OF TRUSTEES, OFFICERS, AGENTS, AND EMPLOYEES, DISCLAIM ALL
WARRANTIES, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO ANY WARRANTY THAT THE USE
OF THE INFORMATION THEREIN WILL NOT INFRINGE ANY RIGHTS OR ANY IMPLIED WARRANTIES OF
MERCHANTABILITY OR FITNESS FOR A PARTICULAR PURPOSE.
MITRE ATT&CK and ATT&CK are registered trademarks of The MITRE Corporation.
(Text from LICENSE.txt of the ATT&CK v19.1 STIX source; full terms:
https://attack.mitre.org/resources/terms-of-use/)"""

ATTACK_RIGHTS = (
    "© 2026 The MITRE Corporation. This work is reproduced and distributed with the "
    "permission of The MITRE Corporation. Use is subject to the ATT&CK Terms of Use "
    "(https://attack.mitre.org/resources/terms-of-use/). MITRE ATT&CK and ATT&CK are "
    "registered trademarks of The MITRE Corporation."
)

OTHER_TERMS = """\
MITRE ATLAS data: Apache License 2.0, "Copyright 2021-2025 MITRE" (mitre-atlas/atlas-data).
MITRE D3FEND data: MIT License, "Copyright (c) 2022 The MITRE Corporation".
MITRE Fight Fraud Framework (F3) data: from the Center for Threat-Informed Defense; no
separate license file was found; it is shipped here as part of the Apache-2.0 attack-flow
repository. Check https://ctid.mitre.org/fraud before redistributing outside that context."""

INPUT_FILES = [
    "attack-techniques-v19.1-flat.json",
    "mitre-attack-v19.1-builder-enums.json",
    "attack-technique-status.json",
    "mitre-atlas-builder-enums.json",
    "mitre-d3fend-builder-enums.json",
    "f3-builder-enums.json",
]


class DataError(Exception):
    pass


def check(cond: bool, msg: str) -> None:
    if not cond:
        raise DataError(msg)


# --------------------------------------------------------------------------------------
# Turtle helpers
# --------------------------------------------------------------------------------------


def lit(s: str, lang: str | None = None) -> str:
    out = []
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append("\\u%04X" % ord(ch))
        else:
            out.append(ch)
    text = '"' + "".join(out) + '"'
    return text + ("@" + lang if lang else "")


def iri(full: str) -> str:
    check(not any(c in full for c in '<>"{}|^`\\ ') and all(ord(c) > 0x20 for c in full), f"bad IRI {full!r}")
    return "<" + full + ">"


def qname(prefix: str, ns: str, local: str) -> str:
    """Prefixed name if the local part is plainly safe, else a full IRI."""
    if RE_SAFE_LOCAL.fullmatch(local):
        return f"{prefix}:{local}"
    return iri(ns + local)


def attack_ref(i: str) -> str:
    return qname("attack", NS_ATTACK, i)


def block(subject: str, pairs: list[tuple[str, list[str]]]) -> str:
    """One subject block: predicates in the given order, objects comma-separated."""
    pairs = [(p, objs) for p, objs in pairs if objs]
    lines = []
    for n, (pred, objs) in enumerate(pairs):
        end = " ." if n == len(pairs) - 1 else " ;"
        head = subject + " " if n == 0 else "    "
        lines.append(head + pred + " " + ", ".join(objs) + end)
    return "\n".join(lines) + "\n"


def id_key(i: str):
    """Sort key: split digit runs so ids order numerically (T0800 < T1001 < TA0001...)."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.findall(r"\d+|\D+", i)]


# --------------------------------------------------------------------------------------
# Loading and checking
# --------------------------------------------------------------------------------------


def load(path: Path):
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def parse_label(label: str, tag: str, ident: str | None) -> str:
    """'[ENT] T1059 Command and Scripting Interpreter' -> 'Command and Scripting Interpreter'."""
    prefix = f"[{tag}] " + (ident + " " if ident is not None else "")
    check(label.startswith(prefix), f"label {label!r} does not start with {prefix!r}")
    name = label[len(prefix):]
    check(name != "", f"empty name in label {label!r}")
    return name


def load_attack(src: Path):
    flat = load(src / "attack-techniques-v19.1-flat.json")
    enums = load(src / "mitre-attack-v19.1-builder-enums.json")
    status = load(src / "attack-technique-status.json")

    version = flat["attack_version"]
    check(version == "19.1", f"unexpected ATT&CK version {version!r}")

    # ---- tactics
    tactics = {}
    for t in flat["tactics"]:
        tid = t["id"]
        check(RE_ATTACK_TACTIC.fullmatch(tid) is not None, f"bad tactic id {tid!r}")
        check(tid not in tactics, f"duplicate tactic {tid}")
        tactics[tid] = {
            "id": tid,
            "name": t["name"],
            "domain": DOMAIN_FROM_BUILDER[t["domain"]],
            # ATT&CK's x_mitre_shortname is the name, lower-cased, spaces -> '-'.
            # (Checked for all 39 v19.1 tactics against the v19.1 x-mitre-tactic objects,
            # e.g. TA0005 "Stealth" -> "stealth", TA0011 -> "command-and-control".)
            "shortname": t["name"].lower().replace(" ", "-"),
        }
    enum_tactics = dict(enums["tactics"])
    check(set(enum_tactics) == set(tactics), "tactic ids differ between flat file and builder enums")
    for tid, t in tactics.items():
        tag = [k for k, v in DOMAIN_FROM_BUILDER.items() if v == t["domain"]][0]
        check(parse_label(enum_tactics[tid], tag, tid) == t["name"], f"tactic name differs for {tid}")

    # ---- tactic links (builder relationships cover active and 224 inactive ids)
    rel: dict[str, set[str]] = {}
    for kind_a, ta, kind_b, te in enums["relationships"]:
        check(kind_a == "tactic" and kind_b == "technique", f"unexpected relationship {kind_a}/{kind_b}")
        check(ta in tactics, f"relationship to unknown tactic {ta}")
        rel.setdefault(te, set()).add(ta)

    # ---- active techniques
    techniques = {}
    enum_techniques = dict(enums["techniques"])
    for t in flat["techniques"]:
        tid = t["id"]
        check(RE_ATTACK_TECHNIQUE.fullmatch(tid) is not None, f"bad technique id {tid!r}")
        check(tid not in techniques, f"duplicate technique {tid}")
        dom = DOMAIN_FROM_BUILDER[t["domain"]]
        is_sub = bool(t["is_subtechnique"])
        check(is_sub == ("." in tid), f"is_subtechnique inconsistent for {tid}")
        parent = t["parent_id"]
        if is_sub:
            check(parent == tid.split(".")[0], f"parent of {tid} is {parent}")
        check(tid in enum_techniques, f"{tid} missing from builder enums")
        check(parse_label(enum_techniques[tid], t["domain"], tid) == t["name"], f"name differs for {tid}")
        check(set(t["tactic_ids"]) == rel.get(tid, set()), f"tactics differ for {tid}")
        for ta in t["tactic_ids"]:
            check(tactics[ta]["domain"] == dom, f"{tid} ({dom}) linked to tactic {ta} of another domain")
        techniques[tid] = {
            "id": tid,
            "name": t["name"],
            "domain": dom,
            "parent": parent if is_sub else None,
            "tactics": sorted(set(t["tactic_ids"]), key=id_key),
            "status": "active",
            "revoked_by": [],
            "replaced_by": [],
        }
    check(set(enum_techniques) == set(techniques), "technique ids differ between flat file and builder enums")

    # ---- revoked / deprecated techniques
    for r in status:
        tid = r["id"]
        check(RE_ATTACK_TECHNIQUE.fullmatch(tid) is not None, f"bad technique id {tid!r}")
        check(tid not in techniques, f"{tid} is both active and {r['status']}")
        check(r["status"] in ("revoked", "deprecated"), f"unknown status {r['status']!r} for {tid}")
        check(r.get("attack_version_seen") == version, f"{tid} status not from ATT&CK {version}")
        dom = DOMAIN_FROM_STATUS[r["domain"]]
        for ta in rel.get(tid, ()):
            check(tactics[ta]["domain"] == dom, f"{tid} ({dom}) linked to tactic {ta} of another domain")
        techniques[tid] = {
            "id": tid,
            "name": r["name"],
            "domain": dom,
            "parent": tid.split(".")[0] if "." in tid else None,
            "tactics": sorted(rel.get(tid, ()), key=id_key),
            "status": r["status"],
            "revoked_by": list(r["replaced_by"]),
            "replaced_by": list(r["replaced_by_resolved"]),
        }
        if r["status"] == "deprecated":
            check(not r["replaced_by"], f"deprecated {tid} has a revoked-by target")

    missing = sorted(set(flat["ids_in_tactic_relationships_but_not_active"]) - set(techniques))
    check(not missing, f"inactive ids without status record: {missing}")
    check(set(rel) <= set(techniques), f"relationships to unknown techniques: {sorted(set(rel) - set(techniques))}")

    for t in techniques.values():
        for target in t["revoked_by"] + t["replaced_by"]:
            check(target in techniques, f"{t['id']} revoked by unknown {target}")
            check(techniques[target]["domain"] == t["domain"], f"{t['id']} revoked by {target} in another domain")
        if t["parent"] is not None:
            check(t["parent"] in techniques, f"{t['id']} has unknown parent {t['parent']}")
            check(techniques[t["parent"]]["domain"] == t["domain"], f"{t['id']} parent in another domain")

    return version, tactics, techniques


def load_builder_framework(path: Path, tag: str, tactic_label_has_id: bool):
    """ATLAS / D3FEND / F3 builder enums -> (tactics, techniques) with ids, names, links."""
    enums = load(path)
    tactics = {}
    for tid, label in enums["tactics"]:
        check(tid not in tactics, f"{path.name}: duplicate tactic {tid}")
        tactics[tid] = {"id": tid, "name": parse_label(label, tag, tid if tactic_label_has_id else None)}
    if not tactic_label_has_id:
        for t in tactics.values():
            check(t["name"] == t["id"], f"{path.name}: tactic label {t['name']!r} differs from id {t['id']!r}")
    techniques = {}
    for tid, label in enums["techniques"]:
        check(tid not in techniques and tid not in tactics, f"{path.name}: duplicate id {tid}")
        techniques[tid] = {"id": tid, "name": parse_label(label, tag, tid), "tactics": set(), "parent": None}
    for kind_a, ta, kind_b, te in enums["relationships"]:
        check(kind_a == "tactic" and kind_b == "technique", f"{path.name}: unexpected relationship")
        check(ta in tactics and te in techniques, f"{path.name}: dangling relationship {ta} -> {te}")
        techniques[te]["tactics"].add(ta)
    for t in techniques.values():
        m = RE_SUB_SUFFIX.match(t["id"])
        if m and m.group(1) in techniques:
            t["parent"] = m.group(1)
        t["tactics"] = sorted(t["tactics"], key=id_key)
    return tactics, techniques


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


def technique_url(tid: str) -> str:
    return ATTACK_TECHNIQUE_URL.format(path=tid.replace(".", "/"))


def render(src: Path, d3fend_match: str) -> str:
    version, tactics, techniques = load_attack(src)
    atlas = load_builder_framework(src / "mitre-atlas-builder-enums.json", "ATL", True)
    d3f = load_builder_framework(src / "mitre-d3fend-builder-enums.json", "D3F", False)
    f3 = load_builder_framework(src / "f3-builder-enums.json", "F3", True)

    n_tac = len(tactics)
    n_tech = sum(1 for t in techniques.values() if t["parent"] is None)
    n_sub = len(techniques) - n_tech
    n_dep = sum(1 for t in techniques.values() if t["status"] != "active")
    n_dep_sub = sum(1 for t in techniques.values() if t["status"] != "active" and t["parent"] is not None)

    chains = sorted((t for t in techniques.values() if t["revoked_by"] != t["replaced_by"]),
                    key=lambda t: id_key(t["id"]))
    chains_txt = ""
    if chains:
        chains_txt = ":" + "".join(
            f"\n#       {t['id']} -> {', '.join(t['revoked_by'])} -> {', '.join(t['replaced_by'])}" for t in chains)
    dead = sorted((t for t in techniques.values()
                   if any(techniques[x]["status"] != "active" for x in t["replaced_by"])),
                  key=lambda t: id_key(t["id"]))
    dead_txt = ""
    if dead:
        dead_txt = ("\n#     These replacements are themselves deprecated (no active successor):"
                    + "".join(f"\n#       {t['id']} -> {', '.join(t['replaced_by'])}" for t in dead))

    if d3fend_match == "enterprise":
        d3f_txt = "Enterprise techniques only\n#     (D3FEND defines classes for Enterprise ATT&CK only)"
    else:
        d3f_txt = "every ATT&CK technique"

    out: list[str] = []
    w = out.append

    # ---- header
    hashes = []
    for name in INPUT_FILES:
        digest = hashlib.sha256((src / name).read_bytes()).hexdigest()
        hashes.append(f"#   {name}\n#     sha256 {digest}")
    header = f"""\
# flowkg shared namespace: MITRE ATT&CK v{version} (Enterprise, Mobile, ICS),
# plus MITRE ATLAS, MITRE D3FEND and MITRE F3 ids as shipped by the Attack Flow Builder.
#
# GENERATED FILE - do not edit by hand. Regenerate from the repository root with:
#   python3 namespaces/build_attack.py --attack ../shared/attack --out namespaces/attack.ttl
#
# ATT&CK version: {version}
# Sources:
#   - center-for-threat-informed-defense/attack-flow, commit 295d20d27cefce0a2d309b6c24781545e45f547d
#     (2026-05-15, "Update to ATT&CK v19.1 and ATLAS v5.6.1"): Attack Flow Builder enums
#     MitreAttack.ts (generated from mitre-attack/attack-stix-data {{enterprise,mobile,ics}}-attack-19.1.json),
#     MitreAtlas.ts, MitreDefend.ts, MitreF3.ts.
#   - revoked/deprecated status and revoked-by targets: ATT&CK v19.1 STIX 2.0 data, mitre/cti
#     fork f0r3ns1cat0r/cti commit 68d2992ea01249fc72e966f569a0d0b663d98581 ("ATT&CK v19.1 Enterprise").
# Input files (../shared/attack):
{chr(10).join(hashes)}
#
# Contents: {n_tac} ATT&CK tactics, {n_tech} techniques and {n_sub} sub-techniques; of these
# {n_tech + n_sub} (sub-)techniques {n_dep} are revoked or deprecated ({n_dep - n_dep_sub} techniques,
# {n_dep_sub} sub-techniques), so {n_tech + n_sub - n_dep} are active ({n_tech - n_dep + n_dep_sub} + {n_sub - n_dep_sub});
# ATLAS {len(atlas[0])} tactics / {len(atlas[1])} techniques; D3FEND {len(d3f[0])} tactics / {len(d3f[1])} techniques;
# F3 {len(f3[0])} tactics / {len(f3[1])} techniques.
#
# Modelling notes:
#   - Revoked and deprecated ATT&CK techniques are kept, with owl:deprecated true.
#     af:revokedBy is ATT&CK's own revoked-by relationship (one hop, as in the STIX data);
#     dcterms:isReplacedBy follows revoked-by chains to their end; they differ for{chains_txt}
#     Deprecated (not revoked) techniques have no replacement.{dead_txt}
#   - af:tactic on revoked/deprecated techniques is the tactic list the ATT&CK data still
#     carries for them (kill_chain_phases in the builder's relationships).
#   - skos:exactMatch into the D3FEND ontology is given for {d3f_txt}.
#   - Sub-technique names omit the parent (as in ATT&CK); skos:altLabel gives "Parent: Child".
#   - Sub-techniques are typed af:SubTechnique only (af:SubTechnique rdfs:subClassOf af:Technique).
#   - ATLAS / D3FEND / F3 ids are used verbatim as the builder writes them (AML.T0051.000,
#     D3-AA, F3.F1002.001, D3FEND tactics are bare names such as "Detect").
#
# Terms of use:
""" + "\n".join("#   " + line if line else "#" for line in (ATTACK_TERMS + "\n\n" + OTHER_TERMS).split("\n")) + "\n"
    w(header)
    w("\n")
    for p, ns in PREFIXES:
        w(f"@prefix {p}: <{ns}> .\n")
    w("\n")

    # ---- vocabulary used here
    w("# ---- vocabulary\n\n")
    w(block("af:SubTechnique", [("rdfs:subClassOf", ["af:Technique"])]))
    w("\n")

    # ---- concept schemes
    w("# ---- concept schemes\n\n")
    w(block("attack:", [
        ("a", ["skos:ConceptScheme"]),
        ("dcterms:title", [lit(f"MITRE ATT&CK v{version} (Enterprise, Mobile, ICS)", "en")]),
        ("af:attackVersion", [lit(version)]),
        ("owl:versionInfo", [lit(version)]),
        ("dcterms:source", [iri("https://github.com/mitre-attack/attack-stix-data"),
                            iri("https://github.com/center-for-threat-informed-defense/attack-flow")]),
        ("dcterms:license", [iri("https://attack.mitre.org/resources/terms-of-use/")]),
        ("dcterms:rights", [lit(ATTACK_RIGHTS, "en")]),
        ("rdfs:seeAlso", [iri("https://attack.mitre.org/")]),
    ]))
    w("\n")
    w(block("atlas:", [
        ("a", ["skos:ConceptScheme"]),
        ("dcterms:title", [lit("MITRE ATLAS", "en")]),
        ("rdfs:comment", [lit("ATLAS ids and names as shipped by the Attack Flow Builder at attack-flow commit "
                              "295d20d2 (described there as ATLAS v5.6.1; source branch not pinned).", "en")]),
        ("dcterms:license", [iri("https://www.apache.org/licenses/LICENSE-2.0")]),
        ("rdfs:seeAlso", [iri("https://atlas.mitre.org/")]),
    ]))
    w("\n")
    w(block("d3fend:", [
        ("a", ["skos:ConceptScheme"]),
        ("dcterms:title", [lit("MITRE D3FEND", "en")]),
        ("rdfs:comment", [lit("D3FEND ids and names as shipped by the Attack Flow Builder (generated 2026-04-20 "
                              "from d3fend.mitre.org/api/matrix-graph.json; D3FEND release not recorded).", "en")]),
        ("dcterms:license", [iri("https://opensource.org/licenses/MIT")]),
        ("rdfs:seeAlso", [iri("https://d3fend.mitre.org/")]),
    ]))
    w("\n")
    w(block("f3:", [
        ("a", ["skos:ConceptScheme"]),
        ("dcterms:title", [lit("MITRE Fight Fraud Framework (F3)", "en")]),
        ("rdfs:comment", [lit("F3 ids and names as shipped by the Attack Flow Builder (ids carry the builder's "
                              "\"F3.\" prefix; source branch not pinned).", "en")]),
        ("rdfs:seeAlso", [iri("https://ctid.mitre.org/fraud")]),
    ]))
    w("\n")

    # ---- ATT&CK tactics
    w(f"# ---- ATT&CK v{version} tactics\n\n")
    for tid in sorted(tactics, key=id_key):
        t = tactics[tid]
        w(block(attack_ref(tid), [
            ("a", ["af:Tactic", "skos:Concept"]),
            ("skos:inScheme", ["attack:"]),
            ("skos:notation", [lit(tid)]),
            ("skos:prefLabel", [lit(t["name"], "en")]),
            ("af:shortName", [lit(t["shortname"])]),
            ("af:attackDomain", [lit(t["domain"])]),
            ("rdfs:seeAlso", [iri(ATTACK_TACTIC_URL.format(id=tid))]),
        ]))
        w("\n")

    # ---- ATT&CK techniques
    w(f"# ---- ATT&CK v{version} techniques and sub-techniques (active, revoked and deprecated)\n\n")
    for tid in sorted(techniques, key=id_key):
        t = techniques[tid]
        is_sub = t["parent"] is not None
        alt = []
        if is_sub:
            alt = [lit(techniques[t["parent"]]["name"] + ": " + t["name"], "en")]
        inactive = t["status"] != "active"
        note = []
        if t["status"] == "revoked":
            if t["revoked_by"]:
                note = [lit(f"Revoked in ATT&CK v{version}; revoked by " + ", ".join(t["revoked_by"]) + ".", "en")]
            else:
                note = [lit(f"Revoked in ATT&CK v{version}; no revoked-by target is recorded.", "en")]
        elif t["status"] == "deprecated":
            note = [lit(f"Deprecated in ATT&CK v{version}; no replacement.", "en")]
        match = []
        if d3fend_match == "all" or t["domain"] == "enterprise-attack":
            match = [iri(D3FEND_ONTOLOGY + tid)]
        w(block(attack_ref(tid), [
            ("a", ["af:SubTechnique" if is_sub else "af:Technique", "skos:Concept"]),
            ("skos:inScheme", ["attack:"]),
            ("skos:notation", [lit(tid)]),
            ("skos:prefLabel", [lit(t["name"], "en")]),
            ("skos:altLabel", alt),
            ("skos:broader", [attack_ref(t["parent"])] if is_sub else []),
            ("af:attackDomain", [lit(t["domain"])]),
            ("af:tactic", [attack_ref(x) for x in t["tactics"]]),
            ("owl:deprecated", ["true"] if inactive else []),
            ("skos:historyNote", note),
            ("af:revokedBy", [attack_ref(x) for x in t["revoked_by"]]),
            ("dcterms:isReplacedBy", [attack_ref(x) for x in t["replaced_by"]]),
            ("rdfs:seeAlso", [iri(technique_url(tid))]),
            ("skos:exactMatch", match),
        ]))
        w("\n")

    # ---- other frameworks
    def framework(title: str, prefix: str, ns: str, data, tactic_url=None, technique_url_fmt=None,
                  sub_alt_label=False):
        tacs, techs = data
        ref = lambda i: qname(prefix, ns, i)  # noqa: E731
        w(f"# ---- {title} tactics\n\n")
        for tid in sorted(tacs, key=id_key):
            w(block(ref(tid), [
                ("a", ["af:Tactic", "skos:Concept"]),
                ("skos:inScheme", [prefix + ":"]),
                ("skos:notation", [lit(tid)]),
                ("skos:prefLabel", [lit(tacs[tid]["name"], "en")]),
                ("rdfs:seeAlso", [iri(tactic_url.format(id=tid))] if tactic_url else []),
            ]))
            w("\n")
        w(f"# ---- {title} techniques\n\n")
        for tid in sorted(techs, key=id_key):
            t = techs[tid]
            w(block(ref(tid), [
                ("a", ["af:SubTechnique" if t["parent"] else "af:Technique", "skos:Concept"]),
                ("skos:inScheme", [prefix + ":"]),
                ("skos:notation", [lit(tid)]),
                ("skos:prefLabel", [lit(t["name"], "en")]),
                ("skos:altLabel", [lit(techs[t["parent"]]["name"] + ": " + t["name"], "en")]
                 if t["parent"] and sub_alt_label else []),
                ("skos:broader", [ref(t["parent"])] if t["parent"] else []),
                ("af:tactic", [ref(x) for x in t["tactics"]]),
                ("rdfs:seeAlso", [iri(technique_url_fmt.format(id=tid))] if technique_url_fmt else []),
            ]))
            w("\n")

    # ATLAS sub-technique names omit the parent name (like ATT&CK); F3's already include it.
    framework("MITRE ATLAS", "atlas", NS_ATLAS, atlas, ATLAS_TACTIC_URL, ATLAS_TECHNIQUE_URL, sub_alt_label=True)
    framework("MITRE D3FEND", "d3fend", NS_D3FEND, d3f)
    framework("MITRE F3", "f3", NS_F3, f3)

    text = "".join(out)
    return text.rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    repo = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--attack", type=Path, default=repo.parent / "shared" / "attack",
                    help="folder with the ATT&CK data files (default: ../shared/attack beside the repo)")
    ap.add_argument("--out", type=Path, default=repo / "namespaces" / "attack.ttl",
                    help="output Turtle file (default: namespaces/attack.ttl in the repo)")
    ap.add_argument("--d3fend-match", choices=["enterprise", "all"], default="enterprise",
                    help="which ATT&CK techniques get skos:exactMatch into the D3FEND ontology "
                         "(D3FEND defines classes for Enterprise techniques only)")
    args = ap.parse_args(argv)
    try:
        text = render(args.attack, args.d3fend_match)
    except (DataError, KeyError, OSError, json.JSONDecodeError) as exc:
        print(f"build_attack.py: error: {exc}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    tmp.replace(args.out)
    print(f"wrote {args.out} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

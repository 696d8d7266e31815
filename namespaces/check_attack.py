#!/usr/bin/env python3
"""Check namespaces/attack.ttl against the Attack Flow corpus.

Usage (from the repository root):

    python3 namespaces/check_attack.py [--ttl namespaces/attack.ttl] [--corpus ../shared/corpus]

Collects every technique_id / tactic_id used by attack actions in
  <corpus>/attack-flow-v2/afb/*.afb               (action properties technique_id, tactic_id,
                                                   and the "ttp" pairs [["tactic",..],["technique",..]])
  <corpus>/attack-flow-v2/stix-2023-07-24/*.json  (attack-action technique_id, tactic_id)
  <corpus>/attack-flow-v2/stix-2023-03-removed/*.json  (same; older 2023 bundles)
and reports:
  - well-formed ATT&CK ids (T####, T####.###, TA####) that have no subject in attack.ttl  -> exit 1
  - well-formed ATLAS ids (AML.T####[.###], AML.TA####) that have no subject               -> exit 1
  - revoked / deprecated ATT&CK ids in use, with their replacement
  - ids that are not well formed (reported only), with an obvious clean-up where there is one

It does not parse Turtle in general: it relies on the layout build_attack.py writes
(one block per subject, the subject at the start of the block's first line).
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

PREFIXES = {
    "attack": "https://w3id.org/flowkg/ns/attack/",
    "atlas": "https://w3id.org/flowkg/ns/atlas/",
    "d3fend": "https://w3id.org/flowkg/ns/d3fend/",
    "f3": "https://w3id.org/flowkg/ns/f3/",
}
RE_ATTACK = re.compile(r"TA\d{4}|T\d{4}(?:\.\d{3})?")
RE_ATLAS = re.compile(r"AML\.TA\d{4}|AML\.T\d{4}(?:\.\d{3})?")
RE_SUBJECT = re.compile(r"^(?:(attack|atlas|d3fend|f3):(\S+)|<([^>]+)>)\s")
RE_REF = re.compile(r"attack:(\S+?)\s*[,;.]?(?=\s|$)")


def full_iri(m: re.Match) -> str:
    if m.group(3):
        return m.group(3)
    return PREFIXES[m.group(1)] + m.group(2)


def read_ttl(path: Path):
    """-> {iri: {"deprecated": bool, "replaced_by": [...], "revoked_by": [...], "label": str,
                 "tactics": [...]}}  (ATT&CK references only, as bare ids)"""
    subjects: dict[str, dict] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("@prefix"):
            current = None if not line.strip() else current
            continue
        m = RE_SUBJECT.match(line)
        if m and not line.startswith(" "):
            current = subjects.setdefault(full_iri(m), {"deprecated": False, "replaced_by": [],
                                                         "revoked_by": [], "label": "", "tactics": [],
                                                         "domain": ""})
            body = line[m.end():]
        else:
            body = line
        if current is None:
            continue
        body = body.strip()
        if body.startswith("owl:deprecated true"):
            current["deprecated"] = True
        elif body.startswith("dcterms:isReplacedBy "):
            current["replaced_by"] += RE_REF.findall(body[len("dcterms:isReplacedBy "):])
        elif body.startswith("af:attackDomain "):
            dm = re.match(r'af:attackDomain "([^"]*)"', body)
            if dm:
                current["domain"] = dm.group(1)
        elif body.startswith("af:tactic "):
            current["tactics"] += RE_REF.findall(body[len("af:tactic "):])
        elif body.startswith("af:revokedBy "):
            current["revoked_by"] += RE_REF.findall(body[len("af:revokedBy "):])
        elif body.startswith("skos:prefLabel "):
            lm = re.match(r'skos:prefLabel "((?:[^"\\]|\\.)*)"', body)
            if lm:
                current["label"] = lm.group(1)
    return subjects


def walk_afb(path: Path):
    """yield (action, field, value, stix_ref) for the ids of every action in an .afb file."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    for n, obj in enumerate(doc.get("objects", [])):
        if obj.get("id") != "action":
            continue
        props = {}
        for prop in obj.get("properties") or []:
            if isinstance(prop, list) and len(prop) == 2 and isinstance(prop[0], str):
                props[prop[0]] = prop[1]
        action = obj.get("instance", n)
        for key in ("technique_id", "tactic_id"):
            if key in props:
                yield action, key, props[key], props.get(key.replace("_id", "_ref"))
        ttp = props.get("ttp")
        if isinstance(ttp, list):
            for pair in ttp:
                if isinstance(pair, list) and len(pair) == 2 and pair[0] in ("tactic", "technique"):
                    yield action, "ttp." + pair[0], pair[1], props.get(pair[0] + "_ref")


def walk_stix(path: Path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    for n, obj in enumerate(doc.get("objects", [])):
        if obj.get("type") != "attack-action":
            continue
        for key in ("technique_id", "tactic_id"):
            if key in obj:
                yield obj.get("id", n), key, obj[key], obj.get(key.replace("_id", "_ref"))


def suggest(value: str) -> tuple[str, list[str]]:
    """An obvious clean-up for a malformed id: (hint, candidate ids) or ("", [])."""
    s = value.strip()
    if s != value and (RE_ATTACK.fullmatch(s) or RE_ATLAS.fullmatch(s)):
        return "strip whitespace", [s]
    m = re.fullmatch(r"\[(?:ENT|MOB|ICS|ATL|D3F|F3)\]\s+(\S+)\s.*", s)
    if m:
        return "builder label, not an id", [m.group(1)]
    if re.fullmatch(r"T\d{4}/\d{3}", s):
        return "'/' for '.'", [s.replace("/", ".")]
    parts = [p.strip() for p in re.split(r"[;,/]\s*|\s+", s) if p.strip()]
    if len(parts) > 1 and all(RE_ATTACK.fullmatch(p) for p in parts):
        return "several ids in one field", parts
    if re.fullmatch(r"TA\d{3}", s):
        return "tactic id with 3 digits", []
    if re.fullmatch(r"T\d{4}\.\d{1,2}", s):
        return "sub-technique number not 3 digits", []
    if re.fullmatch(r"[BEF]\d{4}(?:\.\d{3})?", s):
        return "MBC-style id (Malware Behavior Catalog), not ATT&CK", []
    return "", []


def load_stix_index(attack_dir: Path) -> dict[str, str]:
    """STIX id -> ATT&CK/ATLAS id, from the builder enums (used only to explain malformed ids)."""
    index: dict[str, str] = {}
    for name in ("mitre-attack-v19.1-builder-enums.json", "mitre-atlas-builder-enums.json"):
        path = attack_dir / name
        if path.is_file():
            for ident, stix in json.loads(path.read_text(encoding="utf-8")).get("stixIds", {}).items():
                index[stix] = ident
    return index


def main(argv: list[str] | None = None) -> int:
    repo = Path(__file__).resolve().parent.parent
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ttl", type=Path, default=repo / "namespaces" / "attack.ttl")
    ap.add_argument("--corpus", type=Path, default=repo.parent / "shared" / "corpus")
    ap.add_argument("--attack", type=Path, default=repo.parent / "shared" / "attack",
                    help="ATT&CK data folder, only used to name the STIX *_ref next to a malformed id")
    args = ap.parse_args(argv)

    subjects = read_ttl(args.ttl)
    stix_index = load_stix_index(args.attack)
    base = args.corpus / "attack-flow-v2"
    sources = [(p, walk_afb) for p in sorted((base / "afb").glob("*.afb"))]
    for sub in ("stix-2023-07-24", "stix-2023-03-removed"):
        sources += [(p, walk_stix) for p in sorted((base / sub).glob("*.json"))]
    if not sources:
        print(f"no corpus files under {base}", file=sys.stderr)
        return 2

    uses: dict[tuple[str, str], set[str]] = defaultdict(set)      # (kind, id) -> files
    malformed: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)  # value -> (file, field, ref)
    per_action: dict[tuple[str, object], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    n_values = 0
    for path, walker in sources:
        rel = f"{path.parent.name}/{path.name}"
        for action, field, val, ref in walker(path):
            if val is None or val == "":
                continue
            n_values += 1
            kind = field.split(".")[-1].replace("_id", "")   # "tactic" / "technique"
            if not isinstance(val, str):
                malformed[repr(val)].append((rel, field, ref))
            elif RE_ATTACK.fullmatch(val):
                uses[("attack", val)].add(rel)
                per_action[(rel, action)][kind].add(val)
            elif RE_ATLAS.fullmatch(val):
                uses[("atlas", val)].add(rel)
            else:
                malformed[val].append((rel, field, ref))

    def iri_of(kind: str, ident: str) -> str:
        return PREFIXES[kind] + ident

    def known(ident: str) -> bool:
        kind = "atlas" if ident.startswith("AML.") else "attack"
        return iri_of(kind, ident) in subjects

    attack_ids = sorted(i for k, i in uses if k == "attack")
    atlas_ids = sorted(i for k, i in uses if k == "atlas")
    missing = [(k, i) for k, i in sorted(uses) if iri_of(k, i) not in subjects]

    print(f"attack.ttl: {len(subjects)} subjects; corpus: {len(sources)} files, {n_values} id values")
    print(f"distinct well-formed ids used: {len(attack_ids)} ATT&CK, {len(atlas_ids)} ATLAS")

    print("\nDeprecated / revoked ATT&CK ids used in the corpus (-> current replacement):")
    dep = [i for i in attack_ids if subjects.get(iri_of("attack", i), {}).get("deprecated")]
    for i in dep:
        s = subjects[iri_of("attack", i)]
        repl = ", ".join(
            f"{r} {subjects.get(iri_of('attack', r), {}).get('label', '?')!r}"
            + (" (itself deprecated)" if subjects.get(iri_of("attack", r), {}).get("deprecated") else "")
            for r in s["replaced_by"]) or "no replacement"
        via = ""
        if s["revoked_by"] and s["revoked_by"] != s["replaced_by"]:
            via = f" (via revoked-by {', '.join(s['revoked_by'])})"
        files = sorted(uses[("attack", i)])
        print(f"  {i:<10} {s['label']!r} -> {repl}{via}")
        print(f"             used in {len(files)} file(s): {'; '.join(files)}")
    if not dep:
        print("  (none)")

    print("\nMalformed ids (reported only):")
    for val in sorted(malformed):
        hint, cands = suggest(val) if not val.startswith("'") or val == "'" else ("", [])
        if cands:
            hint += " -> " + ", ".join(f"{c}{'' if known(c) else ' (NOT in attack.ttl)'}" for c in cands)
        print(f"  {val!r}" + (f"  [{hint}]" if hint else ""))
        for rel, field, ref in sorted(malformed[val], key=lambda x: (x[0], x[1])):
            ref_txt = ""
            if ref:
                ref_txt = f"; {field.split('.')[-1].replace('_id', '')}_ref {ref}"
                if ref in stix_index:
                    ref_txt += f" = {stix_index[ref]}"
            print(f"      {rel} ({field}{ref_txt})")
    if not malformed:
        print("  (none)")

    # technique/tactic pairs that ATT&CK v19.1 does not list (information only)
    odd_pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (rel, _action), ids in per_action.items():
        for te in ids.get("technique", ()):
            s = subjects.get(iri_of("attack", te))
            if s is None:
                continue
            for ta in ids.get("tactic", ()):
                if ta not in s["tactics"]:
                    odd_pairs[(te, ta)].add(rel)
    print(f"\nTechnique/tactic pairs not listed by ATT&CK v19.1 (information only): {len(odd_pairs)}")
    for (te, ta), files in sorted(odd_pairs.items()):
        s = subjects[iri_of("attack", te)]
        ta_label = subjects.get(iri_of("attack", ta), {}).get("label", "?")
        print(f"  {te:<10} with {ta} ({ta_label}); ATT&CK lists {', '.join(s['tactics']) or 'none'}"
              f" [{len(files)} file(s)]")

    other = [i for i in attack_ids if subjects.get(iri_of("attack", i), {}).get("domain", "enterprise-attack")
             not in ("enterprise-attack", "")]
    print(f"\nMobile / ICS ATT&CK ids used (information only; check they are not meant as Enterprise): {len(other)}")
    for i in other:
        s = subjects[iri_of("attack", i)]
        print(f"  {i:<10} {s['domain']:<14} {s['label']!r}: {'; '.join(sorted(uses[('attack', i)]))}")

    print("\nWell-formed ids missing from attack.ttl:")
    for k, i in missing:
        print(f"  {k:<6} {i}: {'; '.join(sorted(uses[(k, i)]))}")
    if not missing:
        print("  (none)")
    print("\nRESULT:", "FAIL" if missing else "OK")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())

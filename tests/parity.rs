//! Builder parity: flowkg's STIX export of each `.afb` file (read → RDF → read back → STIX)
//! against the Attack Flow Builder 3.2.0's own export of the same file, object for object and
//! reference for reference, modulo what the Builder makes up at every export (bundle id,
//! relationship ids, author identity id, timestamps; see the oracle's SOURCE.txt).
//!
//! The differences that remain are asserted exactly, each one kind of edge or value:
//! 1. condition branches: the Builder writes a `related-to` relationship for every line that
//!    leaves a condition's True/False anchor; flowkg writes `on_true_refs` / `on_false_refs`,
//!    as the extension specifies;
//! 2. `user-account` `user_id`: the Builder's user-account form has no such field (it names
//!    one `user_name`), so the Builder drops the value the file holds; flowkg keeps it;
//! 3. `{time, zone}` dates: the Builder shifts them by their UTC offset a second time
//!    (12:07-05:00 becomes 22:07Z); flowkg writes the instant itself (17:07Z).
//!
//! With the Builder-compatibility option, 2 and 3 are reproduced (each as a notice), and the
//! branches are the only difference.

mod common;
mod stixcmp;

use common::{corpus, fixture};
use flowkg::export::stix::{StixOptions, bundle, bundle_with};
use flowkg::reverse::reverse_flow;
use flowkg::{MapOptions, ReadOptions, map_flow, read_file};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

/// The Builder-style bundle flowkg exports for an `.afb` file, through RDF.
fn export(path: &Path) -> Value {
    let flow = read_file(path, &ReadOptions::new()).unwrap();
    let mapped = map_flow(&flow, &MapOptions::new()).unwrap();
    bundle(&reverse_flow(mapped.graph.as_ref(), mapped.quads).unwrap())
}

/// The same, written as Builder 3.2.0 writes it, with the notices of what that changed.
fn export_compat(path: &Path) -> (Value, Vec<flowkg::Diagnostic>) {
    let flow = read_file(path, &ReadOptions::new()).unwrap();
    let mapped = map_flow(&flow, &MapOptions::new()).unwrap();
    let back = reverse_flow(mapped.graph.as_ref(), mapped.quads).unwrap();
    bundle_with(&back, &StixOptions::new().with_builder_compat(true))
}

/// (relationship_type, source_ref, target_ref) → how many.
type Edges = BTreeMap<(String, String, String), usize>;

/// A bundle with what the Builder regenerates taken out: objects by id (the author identity
/// as `AUTHOR`), timestamps only where they are stable, relationships as counted edges.
struct Comparable {
    objects: BTreeMap<String, Map<String, Value>>,
    relationships: Edges,
}

const AUTHOR: &str = "AUTHOR";

fn comparable(bundle: &Value) -> Comparable {
    let objects = bundle["objects"].as_array().unwrap();
    let flow = objects.iter().find(|o| o["type"] == "attack-flow").unwrap();
    let author = flow["created_by_ref"].as_str().unwrap_or_default();
    let mut out = Comparable {
        objects: BTreeMap::new(),
        relationships: Edges::new(),
    };
    for object in objects {
        let text = |key: &str| object[key].as_str().unwrap_or_default().to_owned();
        if object["type"] == "relationship" {
            let edge = (
                text("relationship_type"),
                text("source_ref"),
                text("target_ref"),
            );
            *out.relationships.entry(edge).or_default() += 1;
            continue;
        }
        let mut object = object.as_object().unwrap().clone();
        let mut id = text("id");
        if id == author {
            id = AUTHOR.into();
        }
        let stable = object["type"] == "extension-definition"
            || id == "identity--fb9c968a-745b-4ade-9b25-c324172197f4";
        if !stable {
            object.remove("modified");
            if object["type"] != "attack-flow" {
                object.remove("created");
            }
        }
        if object["type"] == "attack-flow" {
            object.insert("created_by_ref".into(), Value::from(AUTHOR));
        }
        object.insert("id".into(), Value::from(id.clone()));
        let Value::Object(object) = stixcmp::normalise(&Value::Object(object)) else {
            unreachable!()
        };
        out.objects.insert(id, object);
    }
    out
}

/// Moves flowkg's condition branches into `related-to` edges, as the Builder writes them;
/// returns how many.
fn branches_as_relationships(ours: &mut Comparable) -> usize {
    let mut moved = 0;
    for (id, object) in &mut ours.objects {
        for key in ["on_true_refs", "on_false_refs"] {
            for target in object.remove(key).into_iter().flat_map(|v| {
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t.as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            }) {
                let edge = ("related-to".to_owned(), id.clone(), target);
                *ours.relationships.entry(edge).or_default() += 1;
                moved += 1;
            }
        }
    }
    moved
}

/// The flow's `{time, zone}` dates of an `.afb` file, by property.
fn zoned_dates(afb: &Value) -> BTreeMap<String, String> {
    let flow = afb["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "flow")
        .unwrap();
    flow["properties"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|pair| {
            let time = pair[1].get("time")?.as_str()?;
            Some((pair[0].as_str()?.to_owned(), time.to_owned()))
        })
        .collect()
}

/// What Builder 3.2.0 writes for a `{time, zone}` date: the instant moved by its offset again.
fn builder_shift(ours_utc: &str, zoned: &str) -> String {
    let offset = oxsdatatypes::DateTime::from_str(zoned)
        .unwrap()
        .timezone_offset()
        .unwrap();
    let shifted = oxsdatatypes::DateTime::from_str(ours_utc)
        .unwrap()
        .checked_sub_day_time_duration(offset)
        .unwrap();
    flowkg::map::stix_timestamp(&shifted.to_string()).unwrap()
}

/// Per file: (branches moved, user_id values the Builder dropped, dates it shifted). With
/// `ours_bundle` from the compatibility mode, nothing is adjusted: only branches may differ.
fn compare(afb: &Path, builder: &Path, ours_bundle: &Value, compat: bool) -> (usize, usize, usize) {
    let name = afb.display();
    let theirs_bundle: Value = serde_json::from_slice(&std::fs::read(builder).unwrap()).unwrap();
    for key in ["type", "spec_version"] {
        assert_eq!(ours_bundle[key], theirs_bundle[key], "{name}: bundle {key}");
    }
    let mut ours = comparable(ours_bundle);
    let mut theirs = comparable(&theirs_bundle);
    let branches = branches_as_relationships(&mut ours);
    assert_eq!(
        branches_as_relationships(&mut theirs),
        0,
        "{name}: Builder 3.2.0 writes no on_true_refs / on_false_refs"
    );
    assert_eq!(
        ours.relationships, theirs.relationships,
        "{name}: relationships (our branches counted as related-to)"
    );
    let afb_json: Value = serde_json::from_slice(&std::fs::read(afb).unwrap()).unwrap();
    let zoned = zoned_dates(&afb_json);
    let (mut dropped, mut shifted) = (0, 0);
    assert_eq!(
        ours.objects.keys().collect::<Vec<_>>(),
        theirs.objects.keys().collect::<Vec<_>>(),
        "{name}: the same objects"
    );
    for (id, mine) in &mut ours.objects {
        let other = &theirs.objects[id];
        if compat {
            assert_eq!(mine, other, "{name}: {id} (Builder compatibility)");
            continue;
        }
        if mine["type"] == "user-account" && !other.contains_key("user_id") {
            dropped += usize::from(mine.remove("user_id").is_some());
        }
        if mine["type"] == "attack-flow" {
            for (key, time) in &zoned {
                let value = mine[key.as_str()].as_str().unwrap();
                mine.insert(key.clone(), Value::from(builder_shift(value, time)));
                shifted += 1;
            }
        }
        assert_eq!(mine, other, "{name}: {id}");
    }
    (branches, dropped, shifted)
}

#[test]
fn all_40_afb_files_match_the_builders_export_but_for_the_known_differences() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("attack-flow-v2");
    let mut files: Vec<_> = std::fs::read_dir(dir.join("afb"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "afb"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 40);
    let (mut branches, mut dropped, mut shifted, mut identical) = (0, 0, 0, 0);
    let mut objects = 0;
    for afb in &files {
        let stem = afb.file_stem().unwrap().to_str().unwrap();
        let builder = dir.join(format!("stix-builder-export/{stem}.json"));
        let (b, d, s) = compare(afb, &builder, &export(afb), false);
        branches += b;
        dropped += d;
        shifted += s;
        identical += usize::from(d == 0 && s == 0);
        objects += export(afb)["objects"].as_array().unwrap().len();
    }
    let totals = oracle_totals(&corpus);
    // Every object of the Builder's export, less the relationships it writes for branches.
    assert_eq!(objects + branches, totals["objects"]);
    assert_eq!(
        branches, 175,
        "lines leaving a condition's True/False anchor"
    );
    assert_eq!(totals["on_true_refs"] + totals["on_false_refs"], 0);
    assert_eq!(dropped, 3, "user-account user_id values the Builder drops");
    assert_eq!(shifted, 4, "{{time, zone}} dates the Builder shifts twice");
    assert_eq!(identical, 34, "files equal but for the branches");
}

#[test]
fn in_builder_compatibility_all_40_afb_files_differ_only_in_the_branches() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("attack-flow-v2");
    let mut files: Vec<_> = std::fs::read_dir(dir.join("afb"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "afb"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 40);
    let (mut branches, mut notices) = (0, Vec::new());
    for afb in &files {
        let stem = afb.file_stem().unwrap().to_str().unwrap();
        let builder = dir.join(format!("stix-builder-export/{stem}.json"));
        let (ours, told) = export_compat(afb);
        let (b, d, s) = compare(afb, &builder, &ours, true);
        assert_eq!((d, s), (0, 0));
        branches += b;
        notices.extend(told);
    }
    assert_eq!(branches, 175);
    // Every value the compatibility changed is told: 3 user_id values, 4 dates.
    let told = |what: &str| {
        notices
            .iter()
            .filter(|n| n.severity == flowkg::Severity::Notice && n.message.contains(what))
            .count()
    };
    assert_eq!(told("user_id"), 3, "{notices:#?}");
    assert_eq!(
        told("shifted by its UTC offset a second time"),
        4,
        "{notices:#?}"
    );
    assert_eq!(notices.len(), 7, "{notices:#?}");
    assert!(
        notices
            .iter()
            .any(|n| n.message.contains("2026-04-17T22:07:19.817Z")),
        "{notices:#?}"
    );
}

#[test]
fn builder_compatibility_changes_nothing_but_afb_flows() {
    for path in [fixture("minimal.json"), fixture("legacy-dangling.json")] {
        let (compat, notices) = export_compat(&path);
        assert_eq!(compat, export(&path));
        assert!(notices.is_empty());
    }
}

/// The TOTAL row of `oracle/builder-export-counts.tsv`, by column.
fn oracle_totals(corpus: &Path) -> BTreeMap<String, usize> {
    let text = std::fs::read_to_string(corpus.join("oracle/builder-export-counts.tsv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let total = lines.find(|l| l.starts_with("TOTAL\t")).unwrap();
    header
        .iter()
        .zip(total.split('\t'))
        .skip(1)
        .map(|(h, v)| ((*h).to_owned(), v.parse().unwrap()))
        .collect()
}

#[test]
fn an_afb_export_is_a_complete_deterministic_bundle() {
    let path = fixture("minimal.afb");
    let first = export(&path);
    assert_eq!(first, export(&path), "the same file gives the same bundle");
    let objects = first["objects"].as_array().unwrap();
    assert_eq!(objects[0]["type"], "extension-definition");
    assert_eq!(
        objects[1]["id"],
        "identity--fb9c968a-745b-4ade-9b25-c324172197f4"
    );
    let flow = objects.iter().find(|o| o["type"] == "attack-flow").unwrap();
    let author = flow["created_by_ref"].as_str().unwrap();
    assert!(
        objects
            .iter()
            .any(|o| o["id"] == author && o["type"] == "identity")
    );
    assert!(flow.get("author").is_none());
    assert!(!flow["start_refs"].as_array().unwrap().is_empty());
    for object in objects {
        assert_eq!(object["spec_version"], "2.1", "{object}");
        assert!(object["created"].is_string() && object["modified"].is_string());
        let extended = object["type"].as_str().unwrap().starts_with("attack-");
        assert_eq!(object.get("extensions").is_some(), extended, "{object}");
    }
    assert!(first["id"].as_str().unwrap().starts_with("bundle--"));
}

#[test]
fn legacy_statements_become_attack_flow_references() {
    let exported = export(&fixture("legacy-dangling.json"));
    let objects = exported["objects"].as_array().unwrap();
    let by_legacy = |id: &str| {
        objects
            .iter()
            .find(|o| o["x_legacy_id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
    };
    let (first, second) = (
        by_legacy("http://flow-1/action-1"),
        by_legacy("http://flow-1/action-3"),
    );
    let asset = by_legacy("http://flow-1/asset-2");
    // action-1 provides the asset's state, which action-3 requires.
    assert_eq!(first["asset_refs"], serde_json::json!([asset["id"]]));
    assert_eq!(first["effect_refs"], serde_json::json!([second["id"]]));
    assert_eq!(first["confidence"], 80);
    assert_eq!(first["technique_id"], "T1133");
    assert_eq!(
        first["x_legacy_description"],
        "Logs in with a reused password."
    );
    assert_eq!(second["technique_id"], "T1566.002");
    let flow = by_legacy("http://flow-1");
    assert_eq!(flow["start_refs"], serde_json::json!([first["id"]]));
    assert_eq!(flow["created"], "2022-06-20T15:02:17.000Z");
    let author = objects
        .iter()
        .find(|o| o["id"] == flow["created_by_ref"])
        .unwrap();
    assert_eq!(author["name"], "A. N. Analyst");
    // A statement of another kind is a STIX relationship of that type.
    assert!(objects.iter().any(|o| o["type"] == "relationship"
        && o["relationship_type"] == "uses"
        && o["source_ref"] == second["id"]
        && o["target_ref"] == first["id"]));
}

#[test]
fn a_legacy_export_is_an_attack_flow_bundle_that_reads_back() {
    let path = common::examples().join("legacy-supply-chain.json");
    let flow = read_file(&path, &ReadOptions::new()).unwrap();
    assert_eq!(flow.source.format, flowkg::SourceFormat::Legacy);
    let exported = export(&path);
    assert_eq!(exported, export(&path), "deterministic");
    let objects = exported["objects"].as_array().unwrap();
    let of_type = |t: &str| objects.iter().filter(|o| o["type"] == t).count();
    assert_eq!(of_type("attack-flow"), 1);
    assert_eq!(
        of_type("attack-action"),
        flow.objects_of(flowkg::ObjectKind::Action).count()
    );
    assert_eq!(
        of_type("attack-asset"),
        flow.objects_of(flowkg::ObjectKind::Asset).count()
    );
    // Every legacy node keeps its id; every reference names an object of the bundle.
    let ids: Vec<&str> = objects.iter().map(|o| o["id"].as_str().unwrap()).collect();
    for object in objects.iter().filter(|o| {
        o["type"]
            .as_str()
            .is_some_and(|t| matches!(t, "attack-flow" | "attack-action" | "attack-asset"))
    }) {
        assert!(object["x_legacy_id"].is_string(), "{object}");
        for key in ["effect_refs", "asset_refs", "start_refs"] {
            for target in object[key].as_array().into_iter().flatten() {
                assert!(ids.contains(&target.as_str().unwrap()), "{key} {target}");
            }
        }
    }
    let flow_object = objects.iter().find(|o| o["type"] == "attack-flow").unwrap();
    assert!(!flow_object["start_refs"].as_array().unwrap().is_empty());
    let text = serde_json::to_vec(&exported).unwrap();
    let back = flowkg::read_bytes("exported.json", None, &text, &ReadOptions::new()).unwrap();
    assert_eq!(back.source.format, flowkg::SourceFormat::Stix);
    assert_eq!(back.objects.len(), objects.len());
}

#[test]
fn the_command_tells_each_builder_compatibility_change() {
    let Some(corpus) = corpus() else { return };
    let afb = corpus.join("attack-flow-v2/afb/OpenClaw.afb");
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_flowkg"))
            .args(["export", afb.to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--format", "stix", "--builder-compat"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("\"created\": \"2026-04-17T22:07:19.817Z\""),
        "{stdout}"
    );
    assert!(
        stderr.contains("OpenClaw.afb") && stderr.contains("notice: --builder-compat: created"),
        "{stderr}"
    );
    let default = run(&["--format", "stix"]);
    assert!(String::from_utf8_lossy(&default.stdout).contains("2026-04-17T17:07:19.817Z"));
    assert!(!String::from_utf8_lossy(&default.stderr).contains("--builder-compat"));
    let refused = run(&["--format", "trig", "--builder-compat"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--format stix only"));
}

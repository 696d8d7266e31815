//! The reverse map: STIX → RDF → STIX gives back every bundle exactly (objects by id, every
//! property and value, list order aside where STIX defines none), both from the mapped quads
//! and after a round through an on-disk store; `.afb` and legacy flows come back as the model
//! that was mapped.

mod common;
mod stixcmp;

use common::{corpus, fixture};
use flowkg::export::stix::bundle;
use flowkg::model::Flow;
use flowkg::reverse::{read_stored, reverse_flow};
use flowkg::{FlowStore, MapOptions, ReadOptions, map_flow, read_file};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every STIX bundle of the corpus: 24 + 5 older bundles, 5 test fixtures, 40 Builder exports,
/// and the schema's example.
fn stix_bundles(corpus: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        "stix-2023-07-24",
        "stix-2023-03-removed",
        "test-fixtures",
        "stix-builder-export",
    ] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(corpus.join("attack-flow-v2").join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        found.sort();
        files.extend(found);
    }
    files.push(corpus.join("schema/attack-flow-example.json"));
    files
}

fn original(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// read → map → reverse from the mapped quads → bundle.
fn through_quads(path: &Path) -> Value {
    let flow = read_file(path, &ReadOptions::new()).unwrap();
    let mapped = map_flow(&flow, &MapOptions::new()).unwrap();
    let back = reverse_flow(mapped.graph.as_ref(), mapped.quads).unwrap();
    bundle(&back)
}

fn assert_same(path: &Path, expected: &Value, actual: &Value) {
    let differences = stixcmp::differences(expected, actual);
    assert!(
        differences.is_empty(),
        "{}: {} differences:\n{}",
        path.display(),
        differences.len(),
        differences.join("\n")
    );
}

#[test]
fn edge_cases_come_back_exactly() {
    let path = fixture("roundtrip-edge-cases.json");
    assert_same(&path, &original(&path), &through_quads(&path));
}

#[test]
fn edge_cases_come_back_exactly_from_an_on_disk_store() {
    let path = fixture("roundtrip-edge-cases.json");
    let dir = tempfile::tempdir().unwrap();
    {
        let store = FlowStore::open(dir.path()).unwrap();
        common::load_into(&store, std::slice::from_ref(&path));
        store.flush().unwrap();
    }
    let store = FlowStore::open_read_only(dir.path()).unwrap();
    let flows = store.flows().unwrap();
    assert_eq!(flows.len(), 1);
    let back = read_stored(&store, flows[0].graph.as_ref()).unwrap();
    assert_same(&path, &original(&path), &bundle(&back));
}

#[test]
fn the_comparison_sees_a_changed_value() {
    let path = fixture("roundtrip-edge-cases.json");
    let mut changed = through_quads(&path);
    changed["objects"][1]["x_when"] = Value::from("2023-01-01T11:00:00Z");
    assert_eq!(
        stixcmp::differences(&original(&path), &changed).len(),
        1,
        "one altered value is one difference"
    );
}

#[test]
fn store_canonical_timestamps_come_back_in_stix_form() {
    // Stores keep xsd:dateTime as a value: `.520Z` comes back as `.52Z`, `.000Z` as `Z`.
    assert_eq!(
        flowkg::map::stix_timestamp("2022-10-27T02:44:54.52Z").as_deref(),
        Some("2022-10-27T02:44:54.520Z")
    );
    assert_eq!(
        flowkg::map::stix_timestamp("2022-10-27T02:44:54Z").as_deref(),
        Some("2022-10-27T02:44:54.000Z")
    );
    assert_eq!(
        flowkg::map::stix_timestamp("2022-10-27T02:44:54.123456Z").as_deref(),
        Some("2022-10-27T02:44:54.123456Z")
    );
    assert_eq!(
        flowkg::map::stix_timestamp("2022-10-27T02:44:54+01:00"),
        None
    );
}

#[test]
fn every_corpus_bundle_comes_back_exactly_from_the_mapped_quads() {
    let Some(corpus) = corpus() else { return };
    let files = stix_bundles(&corpus);
    assert_eq!(files.len(), 24 + 5 + 5 + 40 + 1);
    for path in &files {
        assert_same(path, &original(path), &through_quads(path));
    }
}

#[test]
fn every_corpus_bundle_comes_back_exactly_from_an_on_disk_store() {
    let Some(corpus) = corpus() else { return };
    let files = stix_bundles(&corpus);
    let dir = tempfile::tempdir().unwrap();
    {
        let store = FlowStore::open(dir.path()).unwrap();
        assert_eq!(common::load_into(&store, &files), files.len());
        store.flush().unwrap();
    }
    let store = FlowStore::open_read_only(dir.path()).unwrap();
    for path in &files {
        let identity = std::fs::canonicalize(path).unwrap().display().to_string();
        let graphs = store.find(&identity).unwrap();
        assert_eq!(graphs.len(), 1, "{}", path.display());
        let back = read_stored(&store, graphs[0].as_ref()).unwrap();
        assert_same(path, &original(path), &bundle(&back));
    }
}

/// The model a flow's graph gives back equals the model that was mapped: same objects, kinds,
/// properties (list order aside), container and source.
fn assert_model_round_trip(flow: &Flow) {
    let mapped = map_flow(flow, &MapOptions::new()).unwrap();
    let back = reverse_flow(mapped.graph.as_ref(), mapped.quads).unwrap();
    let name = &flow.source.name;
    // The name a flow was read under is the user's spelling of the path, not part of the graph.
    assert_eq!(
        (
            &back.source.identity,
            &back.source.content_sha256,
            back.source.format
        ),
        (
            &flow.source.identity,
            &flow.source.content_sha256,
            flow.source.format
        ),
        "{name}"
    );
    assert_eq!(back.key(), flow.key(), "{name}");
    assert_eq!(
        stixcmp::normalise(&Value::Object(back.container.clone())),
        stixcmp::normalise(&Value::Object(flow.container.clone())),
        "{name}: container"
    );
    assert_eq!(back.objects.len(), flow.objects.len(), "{name}");
    for object in &flow.objects {
        let other = back
            .objects
            .iter()
            .find(|o| o.id == object.id)
            .unwrap_or_else(|| panic!("{name}: {} missing", object.id));
        assert_eq!(
            (&other.stix_type, other.kind),
            (&object.stix_type, object.kind),
            "{name}: {}",
            object.id
        );
        assert_eq!(
            stixcmp::normalise(&Value::Object(other.properties.clone())),
            stixcmp::normalise(&Value::Object(object.properties.clone())),
            "{name}: {}",
            object.id
        );
    }
}

#[test]
fn afb_and_legacy_fixtures_come_back_as_the_model() {
    for name in [
        "minimal.afb",
        "minimal.json",
        "roundtrip-edge-cases.json",
        "legacy-dangling.json",
    ] {
        let flow = read_file(&fixture(name), &ReadOptions::new()).unwrap();
        assert_model_round_trip(&flow);
    }
    for entry in std::fs::read_dir(common::examples()).unwrap() {
        let path = entry.unwrap().path();
        if let Ok(flow) = read_file(&path, &ReadOptions::new()) {
            assert_model_round_trip(&flow);
        }
    }
}

#[test]
fn every_corpus_afb_and_legacy_flow_comes_back_as_the_model() {
    let Some(corpus) = corpus() else { return };
    let files = flowkg::read::discover(&[
        corpus.join("attack-flow-v2/afb"),
        corpus.join("legacy-2022"),
    ])
    .unwrap();
    let mut flows = 0;
    for file in files {
        if let Ok(flow) = read_file(&file.path, &ReadOptions::new()) {
            assert_model_round_trip(&flow);
            flows += 1;
        }
    }
    assert_eq!(flows, 40 + 26, "40 .afb and 26 legacy flows");
}

fn flowkg(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_flowkg"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn export_stix_from_a_file_and_from_a_store_agree() {
    let path = fixture("roundtrip-edge-cases.json");
    let path_text = path.to_str().unwrap();
    let from_file = flowkg(&["export", "-q", "--format", "stix", path_text]);
    assert!(from_file.status.success(), "{from_file:?}");
    let from_file: Value = serde_json::from_slice(&from_file.stdout).unwrap();
    assert_same(&path, &original(&path), &from_file);

    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("kg");
    let store_text = store.to_str().unwrap();
    let load = flowkg(&["load", "-q", "--store", store_text, path_text]);
    assert!(load.status.success(), "{load:?}");
    let one = flowkg(&[
        "export", "--store", store_text, "--format", "stix", "--flow", path_text,
    ]);
    assert!(one.status.success(), "{one:?}");
    assert_eq!(
        serde_json::from_slice::<Value>(&one.stdout).unwrap(),
        from_file
    );

    let out = dir.path().join("bundles");
    let all = flowkg(&[
        "export",
        "--store",
        store_text,
        "--format",
        "stix",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(all.status.success(), "{all:?}");
    let written: Vec<PathBuf> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(written.len(), 1);
    let from_dir: Value = serde_json::from_slice(&std::fs::read(&written[0]).unwrap()).unwrap();
    assert_eq!(from_dir, from_file);

    let missing = flowkg(&[
        "export",
        "--store",
        store_text,
        "--format",
        "stix",
        "--flow",
        "no-such-flow",
    ]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-flow: no such flow"));
}

#[test]
fn export_of_one_stored_flow_as_rdf_is_that_flow_alone() {
    let (first, second) = (fixture("minimal.json"), fixture("minimal.afb"));
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("kg");
    let store_text = store.to_str().unwrap();
    let load = flowkg(&[
        "load",
        "-q",
        "--store",
        store_text,
        first.to_str().unwrap(),
        second.to_str().unwrap(),
    ]);
    assert!(load.status.success(), "{load:?}");
    // Oxigraph keeps an xsd:dateTime as its value: `12:00:00.000Z` comes back `12:00:00Z`.
    let lines = |output: std::process::Output| -> BTreeSet<String> {
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|line| line.replace(".000Z\"^^", "Z\"^^"))
            .collect()
    };
    let from_file = lines(flowkg(&[
        "export",
        "-q",
        "--format",
        "nquads",
        second.to_str().unwrap(),
    ]));
    let graph = from_file
        .iter()
        .next()
        .unwrap()
        .rsplit(' ')
        .nth(1)
        .unwrap()
        .to_owned();
    let key_query = format!("SELECT ?k WHERE {{ GRAPH {graph} {{ {graph} af:flowKey ?k }} }}");
    let key = flowkg(&[
        "query", "--store", store_text, "--format", "csv", &key_query,
    ]);
    let key = String::from_utf8(key.stdout).unwrap();
    let key = key.lines().nth(1).expect("the flow's key").to_owned();
    // The same flow by source path, flow key and graph IRI; nothing of the other flow.
    for name in [
        second.to_str().unwrap(),
        &key,
        graph.trim_matches(['<', '>']),
    ] {
        let one = lines(flowkg(&[
            "export", "--store", store_text, "--format", "nquads", "--flow", name,
        ]));
        assert_eq!(one, from_file, "--flow {name}");
    }
    let owl = flowkg(&["export", "--store", store_text, "--owl", "--flow", &key]);
    assert_eq!(owl.status.code(), Some(1), "--flow is refused with --owl");
}

#[test]
fn several_flows_go_to_standard_output_one_bundle_per_line() {
    let output = flowkg(&[
        "export",
        "-q",
        "--format",
        "stix",
        fixture("minimal.json").to_str().unwrap(),
        fixture("minimal.afb").to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|b| b["type"] == "bundle"));
}

#[test]
fn export_of_a_whole_store_holds_every_graph_whole_in_a_stable_order() {
    let flows = [fixture("minimal.json"), fixture("minimal.afb")];
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("kg");
    let store_text = store.to_str().unwrap();
    let mut load = vec!["load", "-q", "--store", store_text];
    load.extend(flows.iter().map(|p| p.to_str().unwrap()));
    assert!(flowkg(&load).status.success());
    let export = || {
        let output = flowkg(&["export", "--store", store_text, "--format", "nquads"]);
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap()
    };
    let whole = export();
    // The graphs are read in parallel and written in order: the same bytes every time.
    assert_eq!(whole, export());
    // Each graph comes out in one run of lines.
    let graph_of = |line: &str| line.rsplit(' ').nth(1).unwrap().to_owned();
    let mut runs: Vec<String> = whole.lines().map(graph_of).collect();
    runs.dedup();
    let distinct: BTreeSet<&String> = runs.iter().collect();
    assert_eq!(runs.len(), distinct.len(), "a graph is split: {runs:?}");
    // Every flow is there whole, beside the shared namespaces.
    let stored: BTreeSet<String> = whole
        .lines()
        .map(|line| line.replace(".000Z\"^^", "Z\"^^"))
        .collect();
    for flow in &flows {
        let output = flowkg(&["export", "-q", "--format", "nquads", flow.to_str().unwrap()]);
        assert!(output.status.success(), "{output:?}");
        let from_file = String::from_utf8(output.stdout).unwrap();
        for line in from_file.lines() {
            let line = line.replace(".000Z\"^^", "Z\"^^");
            assert!(stored.contains(&line), "{} lacks {line}", flow.display());
        }
    }
    assert!(runs.len() > flows.len(), "the namespaces are exported too");
}

//! Hostile input: every case gets the error a user needs, nothing of it reaches the store, no
//! broken IRI is ever written, and nothing panics. And a load killed with SIGKILL leaves a store
//! that opens, every flow in it complete or absent.

mod common;

use common::fixture;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn flowkg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowkg"))
        .args(args)
        .output()
        .expect("flowkg runs")
}

fn minimal() -> Value {
    serde_json::from_slice(&std::fs::read(fixture("minimal.json")).unwrap()).unwrap()
}

/// The store's quads, as N-Quads lines, sorted: what "untouched" is compared by.
fn dump(store: &Path) -> Vec<String> {
    let out = flowkg(&[
        "export",
        "--store",
        store.to_str().unwrap(),
        "--format",
        "nquads",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

/// Loads `bad` into a store that already holds the minimal flow; asserts exit code 1, the
/// message, and a store exactly as before.
fn refused(bad: &Path, expected: &[&str]) {
    let store = tempfile::tempdir().unwrap();
    let store_arg = store.path().to_str().unwrap();
    assert!(
        flowkg(&[
            "load",
            "-q",
            fixture("minimal.json").to_str().unwrap(),
            "--store",
            store_arg
        ])
        .status
        .success()
    );
    let before = dump(store.path());
    let out = flowkg(&["load", bad.to_str().unwrap(), "--store", store_arg]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains(&bad.file_name().unwrap().to_string_lossy().to_string()),
        "names the file: {stderr}"
    );
    for part in expected {
        assert!(stderr.contains(part), "expected {part:?} in: {stderr}");
    }
    assert_eq!(dump(store.path()), before, "the store is untouched");
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn truncated_empty_and_non_utf8_files() {
    let dir = tempfile::tempdir().unwrap();
    refused(
        &fixture("truncated.json"),
        &["malformed JSON", "EOF while parsing"],
    );
    refused(&write(dir.path(), "empty.json", ""), &["empty file"]);
    refused(
        &write(
            dir.path(),
            "latin1.json",
            b"{\"type\": \"bundle\", \"name\": \"caf\xe9\"}",
        ),
        &["not UTF-8", "offset 31"],
    );
}

#[test]
fn json_nested_ten_thousand_deep() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!(
        "{{\"type\": \"bundle\", \"objects\": {}{}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    refused(
        &write(dir.path(), "deep.json", deep),
        &["recursion limit exceeded"],
    );
}

#[test]
fn wrong_types_duplicate_ids_missing_latches_and_no_flow() {
    refused(
        &fixture("wrong-type.json"),
        &["/objects/2/id", "expected a string, found a number"],
    );
    refused(
        &fixture("duplicate-ids.json"),
        &["/objects/4/id", "duplicate id"],
    );
    refused(
        &fixture("missing-latch.afb"),
        &["latch", "not among the file's objects"],
    );
    refused(&fixture("no-flow.json"), &["no attack-flow object"]);
}

#[test]
fn hostile_ids_never_make_a_broken_iri() {
    let dir = tempfile::tempdir().unwrap();
    let mut bundle = minimal();
    let objects = bundle["objects"].as_array_mut().unwrap();
    let hostile = [
        "tool--a b",
        "tool--<script>",
        "tool--\"quoted\"",
        "tool--new\nline",
        "tool--ünïcødé",
        "tool--a/b#c?d%",
    ];
    for (i, id) in hostile.iter().enumerate() {
        objects.push(
            json!({"type": "tool", "spec_version": "2.1", "id": id, "name": format!("tool {i}")}),
        );
    }
    let flow = objects
        .iter_mut()
        .find(|o| o["type"] == "attack-flow")
        .unwrap();
    flow["object_refs_x"] = json!(hostile);
    let path = write(
        dir.path(),
        "hostile-ids.json",
        serde_json::to_vec(&bundle).unwrap(),
    );
    let store = tempfile::tempdir().unwrap();
    let out = flowkg(&[
        "load",
        "-q",
        path.to_str().unwrap(),
        "--store",
        store.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Every IRI in the store parses back as N-Quads, and every hostile id is kept as text.
    let quads = dump(store.path()).join("\n");
    let parsed = oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NQuads)
        .for_slice(quads.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    for id in hostile {
        assert!(
            parsed
                .iter()
                .any(|q| matches!(&q.object, oxigraph::model::Term::Literal(l) if l.value() == id)),
            "{id:?} is kept as af:stixId"
        );
    }
}

#[test]
fn a_string_of_ten_megabytes_and_a_reference_cycle_load() {
    let dir = tempfile::tempdir().unwrap();
    let mut bundle = minimal();
    let objects = bundle["objects"].as_array_mut().unwrap();
    let actions: Vec<String> = objects
        .iter()
        .filter(|o| o["type"] == "attack-action")
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    for (i, action) in objects
        .iter_mut()
        .filter(|o| o["type"] == "attack-action")
        .enumerate()
    {
        // a -> b -> a
        action["effect_refs"] = json!([actions[(i + 1) % actions.len()]]);
        action["description"] = json!("x".repeat(10 * 1024 * 1024));
    }
    let path = write(
        dir.path(),
        "big-and-cyclic.json",
        serde_json::to_vec(&bundle).unwrap(),
    );
    let out = flowkg(&[
        "query",
        "--flows",
        path.to_str().unwrap(),
        "--format",
        "csv",
        "SELECT (COUNT(*) AS ?n) WHERE { ?a af:effect ?b . ?b af:effect ?a }",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().nth(1),
        Some("2")
    );
}

/// `count` tiny flows, each the minimal bundle under new ids.
fn many_flows(dir: &Path, count: usize) {
    let template = serde_json::to_string(&minimal()).unwrap();
    let ids: Vec<String> = minimal()["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] != "extension-definition" && o["type"] != "identity")
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    for n in 0..count {
        let mut text = template.clone();
        for id in &ids {
            let (kind, uuid) = id.split_once("--").unwrap();
            text = text.replace(id, &format!("{kind}--{:08x}{}", n, &uuid[8..]));
        }
        std::fs::write(dir.join(format!("flow-{n:05}.json")), text).unwrap();
    }
}

#[test]
fn a_directory_of_ten_thousand_tiny_files() {
    let dir = tempfile::tempdir().unwrap();
    many_flows(dir.path(), 10_000);
    let store = tempfile::tempdir().unwrap();
    let out = flowkg(&[
        "load",
        "-q",
        dir.path().to_str().unwrap(),
        "--store",
        store.path().to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = flowkg(&[
        "query",
        "--store",
        store.path().to_str().unwrap(),
        "--format",
        "csv",
        "SELECT (COUNT(?f) AS ?n) WHERE { ?f a af:Flow }",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().nth(1),
        Some("10000")
    );
}

/// Every flow graph in the store holds the same number of quads (the flows are identical in
/// shape), or the store is empty: no flow is half-written.
fn every_flow_complete(store: &Path) -> usize {
    if !store.join("CURRENT").exists() {
        return 0; // killed before the store was created: nothing half-made either
    }
    let out = flowkg(&[
        "query",
        "--store",
        store.to_str().unwrap(),
        "--format",
        "csv",
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } ?g a af:Flow } GROUP BY ?g",
    ]);
    assert!(
        out.status.success(),
        "the store opens after SIGKILL: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sizes: std::collections::BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1).map(str::to_owned))
        .collect();
    assert!(
        sizes.len() <= 1,
        "flows of different sizes: some half-written: {sizes:?}"
    );
    String::from_utf8_lossy(&out.stdout).lines().skip(1).count()
}

#[test]
fn a_load_killed_midway_leaves_whole_flows_only() {
    let rounds: usize = std::env::var("FLOWKG_SIGKILL_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().unwrap();
    many_flows(dir.path(), 1_000); // four bulk commits of 256 flows
    // One whole load first: the kills are spread over its duration, whatever the machine.
    let whole = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let out = flowkg(&[
        "load",
        "-q",
        dir.path().to_str().unwrap(),
        "--store",
        whole.path().join("kg").to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let duration = started.elapsed();
    assert_eq!(every_flow_complete(&whole.path().join("kg")), 1_000);
    for round in 0..rounds {
        let parent = tempfile::tempdir().unwrap();
        let store = parent.path().join("kg");
        let mut child = Command::new(env!("CARGO_BIN_EXE_flowkg"))
            .args([
                "load",
                "-q",
                dir.path().to_str().unwrap(),
                "--store",
                store.to_str().unwrap(),
            ])
            .spawn()
            .unwrap();
        std::thread::sleep(duration.mul_f64((round + 1) as f64 / (rounds + 1) as f64));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        let flows = every_flow_complete(&store);
        eprintln!("round {round}: {flows} complete flows after SIGKILL (of a {duration:?} load)");
    }
}

/// Runs flowkg under Python's `getrusage` (Python is there wherever the tests run, see
/// `.ci/run`); returns its output and its peak resident memory in bytes.
fn flowkg_peak_memory(args: &[&str]) -> (Output, u64) {
    let python = std::env::var("FLOWKG_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = Command::new(python)
        .args([
            "-c",
            "import resource, subprocess, sys\n\
             code = subprocess.call(sys.argv[1:])\n\
             print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n\
             sys.exit(code)",
            env!("CARGO_BIN_EXE_flowkg"),
        ])
        .args(args)
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let kib: u64 = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak memory in: {stderr}"));
    (out, kib * 1024)
}

/// The peak memory of a load, as a multiple of the file's size, that a bundle of 200 MB stays
/// under (README, "Limits"): the file, its parsed form and the flow's quads are in memory at
/// once, and the store writes the flow in one transaction.
const MEMORY_PER_INPUT_BYTE: u64 = 6;

#[test]
fn a_bundle_of_two_hundred_megabytes_loads_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut bundle = minimal();
    let objects = bundle["objects"].as_array_mut().unwrap();
    let tools = 200;
    for i in 0..tools {
        objects.push(json!({
            "type": "tool",
            "spec_version": "2.1",
            "id": format!("tool--00000000-0000-4000-8000-{i:012}"),
            "name": format!("tool {i}"),
            "description": format!("{i:07} {}", "lorem ipsum ".repeat(1024 * 1024 / 12)),
        }));
    }
    let path = write(
        dir.path(),
        "two-hundred-megabytes.json",
        serde_json::to_vec(&bundle).unwrap(),
    );
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 200 * 1000 * 1000, "{size} bytes");
    let store = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let (out, peak) = flowkg_peak_memory(&[
        "load",
        "-q",
        path.to_str().unwrap(),
        "--store",
        store.path().to_str().unwrap(),
    ]);
    eprintln!(
        "{size} bytes loaded in {:?}, peak memory {peak} bytes ({:.1} × the file)",
        started.elapsed(),
        peak as f64 / size as f64
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        peak < MEMORY_PER_INPUT_BYTE * size,
        "peak memory {peak} bytes for a file of {size}"
    );
    let out = flowkg(&[
        "query",
        "--store",
        store.path().to_str().unwrap(),
        "--format",
        "csv",
        "SELECT (COUNT(?t) AS ?n) (SUM(STRLEN(?d)) AS ?chars) WHERE { ?t a af:Tool ; af:description ?d }",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let row = stdout.lines().nth(1).unwrap_or_default().to_owned();
    let expected_chars: usize = bundle["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["type"] == "tool")
        .map(|o| o["description"].as_str().unwrap().chars().count())
        .sum();
    assert_eq!(row, format!("{tools},{expected_chars}"), "{stdout}");
}

//! The `flowkg` command as a user runs it: exit codes, messages, and what the store holds after.

mod common;

use common::{examples, fixture};
use std::path::Path;
use std::process::{Command, Output};

fn flowkg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowkg"))
        .args(args)
        .output()
        .expect("flowkg runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn store_count(store: &Path, query: &str) -> String {
    let out = flowkg(&[
        "query",
        "--store",
        store.to_str().unwrap(),
        "--format",
        "csv",
        query,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .nth(1)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// Copies fixtures into a folder of their own, so a test controls exactly what is loaded.
fn folder_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, target) in files {
        std::fs::copy(fixture(name), dir.path().join(target)).unwrap();
    }
    dir
}

#[test]
fn a_corrupted_file_among_good_ones_leaves_the_good_ones_and_nothing_of_it() {
    for (bad, expected) in [
        ("truncated.json", "malformed JSON"),
        ("wrong-type.json", "/objects/2/id"),
        ("missing-latch.afb", "latch"),
        ("duplicate-ids.json", "duplicate id"),
    ] {
        let input = folder_with(&[
            ("minimal.json", "a-good.json"),
            (bad, &format!("b-{bad}")),
            ("minimal.afb", "c-good.afb"),
        ]);
        let store = tempfile::tempdir().unwrap();
        let out = flowkg(&[
            "load",
            input.path().to_str().unwrap(),
            "--store",
            store.path().to_str().unwrap(),
        ]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{bad}: {stderr}");
        assert!(
            stderr.contains(&format!("b-{bad}")),
            "{bad}: the error names the file: {stderr}"
        );
        assert!(stderr.contains(expected), "{bad}: {stderr}");
        // The good flow read before the bad one is there; nothing of the bad one, nothing after.
        let flows = store_count(
            store.path(),
            "SELECT (COUNT(?f) AS ?n) WHERE { ?f a af:Flow }",
        );
        assert_eq!(flows, "1", "{bad}");
        let names = store_count(
            store.path(),
            "SELECT (COUNT(?d) AS ?n) WHERE { ?d af:sourcePath ?p FILTER(CONTAINS(?p, \"b-\")) }",
        );
        assert_eq!(names, "0", "{bad}");
    }
}

#[test]
fn keep_going_loads_every_good_file_and_still_fails() {
    let input = folder_with(&[
        ("minimal.json", "a.json"),
        ("truncated.json", "b.json"),
        ("minimal.afb", "c.afb"),
    ]);
    let store = tempfile::tempdir().unwrap();
    let out = flowkg(&[
        "load",
        "--keep-going",
        input.path().to_str().unwrap(),
        "--store",
        store.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        store_count(
            store.path(),
            "SELECT (COUNT(?f) AS ?n) WHERE { ?f a af:Flow }"
        ),
        "2"
    );
}

#[test]
fn files_that_are_not_flows_are_skipped_inside_folders_and_refused_when_named() {
    let input = folder_with(&[
        ("minimal.json", "flow.json"),
        ("not-a-flow.json", "schema.json"),
    ]);
    std::fs::write(input.path().join("NOTES.txt"), "not json at all").unwrap();
    let out = flowkg(&["load", input.path().to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("schema.json: notice: skipped"), "{stderr}");
    assert!(stderr.contains("NOTES.txt: notice: skipped"), "{stderr}");
    let named = flowkg(&["load", fixture("not-a-flow.json").to_str().unwrap()]);
    assert_eq!(named.status.code(), Some(1));
    assert!(text(&named.stderr).contains("not an Attack Flow document"));
}

#[test]
fn loading_again_replaces_and_remove_drops_a_flow() {
    let store = tempfile::tempdir().unwrap();
    let store_arg = store.path().to_str().unwrap();
    let examples = examples();
    let examples_arg = examples.to_str().unwrap();
    assert!(
        flowkg(&["load", examples_arg, "--store", store_arg])
            .status
            .success()
    );
    let quads = store_count(
        store.path(),
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    );
    assert!(
        flowkg(&["load", examples_arg, "--store", store_arg])
            .status
            .success()
    );
    assert_eq!(
        store_count(
            store.path(),
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        ),
        quads
    );
    let flows: usize = store_count(
        store.path(),
        "SELECT (COUNT(?f) AS ?n) WHERE { ?f a af:Flow }",
    )
    .parse()
    .unwrap();
    let one = examples.join("ransomware-intrusion.json");
    let out = flowkg(&["remove", "--store", store_arg, one.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let after: usize = store_count(
        store.path(),
        "SELECT (COUNT(?f) AS ?n) WHERE { ?f a af:Flow }",
    )
    .parse()
    .unwrap();
    assert_eq!(after, flows - 1);
}

#[test]
fn query_from_flows_without_a_store() {
    let out = flowkg(&[
        "query",
        "--flows",
        examples().to_str().unwrap(),
        "--format",
        "csv",
        "SELECT (COUNT(?f) AS ?n) WHERE { ?f a af:Flow }",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().nth(1), Some("3"));
}

#[test]
fn a_broken_query_gets_line_and_column() {
    let out = flowkg(&[
        "query",
        "--flows",
        examples().to_str().unwrap(),
        "SELECT ?x WHERE {\n  ?x a af:Action\n  FILTER(\n}",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("4:"), "line and column: {stderr}");
    assert!(stderr.contains("syntax error"), "{stderr}");
}

#[test]
fn results_in_every_sparql_format() {
    let q = "SELECT ?name WHERE { ?f a af:Flow ; af:name ?name } ORDER BY ?name";
    for (format, marker) in [
        ("json", "\"bindings\""),
        ("xml", "<sparql"),
        ("csv", "name\r\n"),
        ("tsv", "?name"),
        ("table", "(3 rows)"),
    ] {
        let out = flowkg(&[
            "query",
            "--flows",
            examples().to_str().unwrap(),
            "--format",
            format,
            q,
        ]);
        assert!(out.status.success(), "{format}: {}", text(&out.stderr));
        assert!(
            text(&out.stdout).contains(marker),
            "{format}: {}",
            text(&out.stdout)
        );
    }
}

#[test]
fn construct_writes_rdf() {
    let out = flowkg(&[
        "query",
        "--flows",
        examples().to_str().unwrap(),
        "--rdf-format",
        "ntriples",
        "CONSTRUCT { ?a af:technique ?t } WHERE { ?a af:technique ?t }",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("<https://w3id.org/flowkg/ns/attack/T1059.001>"));
}

/// `flowkg load examples/ --store STORE`, which must succeed.
fn load_examples(store: &Path) {
    let out = flowkg(&[
        "load",
        examples().to_str().unwrap(),
        "--store",
        store.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn a_query_warns_about_flows_an_older_flowkg_mapped_until_they_are_loaded_again() {
    let store = tempfile::tempdir().unwrap();
    let store_arg = store.path().to_str().unwrap();
    let load = || load_examples(store.path());
    let query_stderr = || {
        let out = flowkg(&["query", "--store", store_arg, "choke-points"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stderr)
    };
    load();
    assert!(!query_stderr().contains("warning"), "{}", query_stderr());

    // What a store loaded before flowkg recorded its mapping version holds: no version.
    {
        let opened = flowkg::FlowStore::open(store.path()).unwrap();
        let version = flowkg::vocab::af::MAPPING_VERSION;
        let recorded: Vec<_> = opened
            .store()
            .quads_for_pattern(None, Some(version), None, None)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(recorded.len(), 3, "one per flow of the examples");
        opened.store().remove(&recorded[0]).unwrap();
    }
    let warned = query_stderr();
    assert!(
        warned.contains("warning: 1 flow(s) were mapped by an older flowkg"),
        "{warned}"
    );
    assert!(
        warned.contains(&format!("flowkg load --store {store_arg}")),
        "{warned}"
    );

    load();
    assert!(!query_stderr().contains("warning"), "{}", query_stderr());
}

#[test]
fn loading_into_a_store_removes_the_batch_files_a_killed_bulk_load_left() {
    let store = tempfile::tempdir().unwrap();
    let load = || load_examples(store.path());
    load();
    // What Oxigraph's bulk loader writes into the store's folder before its commit.
    let left = store.path().join("bulk-123456789.sst");
    std::fs::write(&left, b"sorted quads never committed").unwrap();
    load();
    assert!(!left.exists(), "{} is still there", left.display());
    assert_eq!(
        store_count(
            store.path(),
            "SELECT (COUNT(?f) AS ?n) WHERE { ?f a af:Flow }"
        ),
        "3"
    );
}

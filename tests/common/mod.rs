//! Helpers shared by the integration tests: loading folders the way `flowkg load` does, and
//! counting with SPARQL the way a user would.
#![allow(dead_code)]

use flowkg::pipeline::{Inputs, Outcome};
use flowkg::read::discover;
use flowkg::{FlowStore, MapOptions, ReadOptions};
use oxigraph::model::Term;
use std::path::{Path, PathBuf};

/// The public corpus, from `FLOWKG_CORPUS` or `../shared/corpus`. Missing: the test is skipped,
/// unless `FLOWKG_REQUIRE_CORPUS` is set (as CI does), where it fails.
pub fn corpus() -> Option<PathBuf> {
    let path = std::env::var_os("FLOWKG_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from,
    );
    if path.join("attack-flow-v2").is_dir() {
        return Some(path);
    }
    assert!(
        std::env::var_os("FLOWKG_REQUIRE_CORPUS").is_none(),
        "the corpus is required but missing at {}",
        path.display()
    );
    eprintln!("skipped: no corpus at {}", path.display());
    None
}

/// The project's own example flows.
pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// The project's own test fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Loads every flow below the paths into a new in-memory store; panics on any failure.
pub fn load(paths: &[PathBuf]) -> FlowStore {
    let store = FlowStore::in_memory().unwrap();
    load_into(&store, paths);
    store
}

/// Loads every flow below the paths into a store; returns how many flows loaded.
pub fn load_into(store: &FlowStore, paths: &[PathBuf]) -> usize {
    let (read, map) = (ReadOptions::new(), MapOptions::new());
    let mut mapped = Vec::new();
    for outcome in Inputs::new(discover(paths).unwrap(), &read, &map) {
        match outcome {
            Outcome::Mapped { mapped: m, .. } => mapped.push(m),
            Outcome::Skipped { .. } => {}
            Outcome::Failed { path, error } => panic!("{}: {error}", path.display()),
        }
    }
    store.ensure_namespaces().unwrap();
    store.load_all(&mapped, &|_| {}).unwrap();
    mapped.len()
}

/// The single integer a `SELECT (COUNT(...) AS ?n)` query returns.
pub fn count(store: &FlowStore, query: &str) -> usize {
    let (_, rows) = flowkg::query::select(store.store(), query).unwrap();
    match rows.first().and_then(|r| r.first()).cloned().flatten() {
        Some(Term::Literal(l)) => l.value().parse().unwrap(),
        other => panic!("no count from {query}: {other:?}"),
    }
}

/// How many instances of a class are in the store, over all flows.
pub fn instances(store: &FlowStore, class: &str) -> usize {
    count(
        store,
        &format!("SELECT (COUNT(?x) AS ?n) WHERE {{ ?x a {class} }}"),
    )
}

/// Counts in one flow, named by its name.
pub fn instances_in(store: &FlowStore, flow_name: &str, class: &str) -> usize {
    count(
        store,
        &format!(
            "SELECT (COUNT(?x) AS ?n) WHERE {{ GRAPH ?g {{ ?g af:name {name:?} . ?x a {class} }} }}",
            name = flow_name
        ),
    )
}

//! The three readers on the project's own examples: what a user would check in the model.

mod common;

use common::{count, examples, fixture, instances, load};
use flowkg::model::{ObjectKind, StatementKind};
use flowkg::{ReadError, ReadOptions, SourceFormat, read_file};

fn refs(flow: &flowkg::Flow, key: &str) -> usize {
    flow.objects
        .iter()
        .flat_map(|o| o.references())
        .filter(|(k, _)| *k == key)
        .count()
}

#[test]
fn afb_lines_become_the_references_the_builder_writes() {
    let flow = read_file(
        &examples().join("phishing-to-exfil.afb"),
        &ReadOptions::new(),
    )
    .unwrap();
    assert_eq!(flow.source.format, SourceFormat::Afb);
    assert_eq!(flow.objects_of(ObjectKind::Action).count(), 7);
    assert_eq!(flow.objects_of(ObjectKind::Asset).count(), 1);
    assert_eq!(flow.objects_of(ObjectKind::Condition).count(), 1);
    assert_eq!(flow.objects_of(ObjectKind::Operator).count(), 1);
    assert_eq!(refs(&flow, "effect_refs"), 7);
    assert_eq!(refs(&flow, "on_true_refs"), 1);
    assert_eq!(refs(&flow, "on_false_refs"), 1);
    assert_eq!(refs(&flow, "asset_refs"), 2);
    assert_eq!(flow.objects_of(ObjectKind::Relationship).count(), 4);
    assert_eq!(refs(&flow, "start_refs"), 1);
    let operator = flow.objects_of(ObjectKind::Operator).next().unwrap();
    assert_eq!(operator.str("operator"), Some("OR"));
    assert!(operator.id.starts_with("attack-operator--"));
    // The ttp tuple is the action's tactic and technique.
    let first = flow
        .objects_of(ObjectKind::Action)
        .find(|a| a.str("technique_id") == Some("T1566.001"))
        .unwrap();
    assert_eq!(first.str("tactic_id"), Some("TA0001"));
    assert!(!first.properties.contains_key("ttp"));
    // Blank template fields are not values.
    assert!(
        flow.objects
            .iter()
            .all(|o| o.properties.values().all(|v| !v.is_null()))
    );
}

#[test]
fn stix_bundles_keep_every_object_and_property() {
    let path = examples().join("ransomware-intrusion.json");
    let flow = read_file(&path, &ReadOptions::new()).unwrap();
    assert_eq!(flow.source.format, SourceFormat::Stix);
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let objects = bundle["objects"].as_array().unwrap();
    assert_eq!(flow.objects.len(), objects.len());
    for (object, source) in flow.objects.iter().zip(objects) {
        assert_eq!(object.id, source["id"].as_str().unwrap());
        // every property but id and type, verbatim
        assert_eq!(
            object.properties.len() + 2,
            source.as_object().unwrap().len(),
            "{}",
            object.id
        );
    }
    assert_eq!(flow.objects_of(ObjectKind::Relationship).count(), 2);
    assert_eq!(flow.name(), flow.flow_object().str("name"));
    assert!(flow.container.contains_key("id"), "the bundle id is kept");
    assert!(flow.diagnostics.is_empty(), "{:?}", flow.diagnostics);
}

#[test]
fn legacy_statements_are_each_kept() {
    let flow = read_file(
        &examples().join("legacy-supply-chain.json"),
        &ReadOptions::new(),
    )
    .unwrap();
    assert_eq!(flow.source.format, SourceFormat::Legacy);
    assert_eq!(flow.objects_of(ObjectKind::Action).count(), 5);
    assert_eq!(flow.objects_of(ObjectKind::Asset).count(), 5);
    assert_eq!(
        flow.objects_of(ObjectKind::Statement(StatementKind::Relationship))
            .count(),
        19
    );
    assert_eq!(
        flow.objects_of(ObjectKind::Statement(StatementKind::DataProperty))
            .count(),
        4
    );
    assert_eq!(
        flow.objects_of(ObjectKind::Statement(StatementKind::ObjectProperty))
            .count(),
        1
    );
    assert!(flow.container.contains_key("$schema"));
}

#[test]
fn the_examples_share_techniques_across_formats() {
    let store = load(&[examples()]);
    assert_eq!(instances(&store, "af:Flow"), 3);
    let shared = count(
        &store,
        "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { GRAPH ?f1 { ?a af:technique ?t } GRAPH ?f2 { ?b af:technique ?t } FILTER(?f1 != ?f2) }",
    );
    assert!(shared >= 3, "{shared}");
    // Legacy action names state their technique: T1195.002 resolves to the shared IRI.
    let legacy = count(
        &store,
        "SELECT (COUNT(?a) AS ?n) WHERE { ?a af:technique attack:T1195.002 }",
    );
    assert_eq!(legacy, 1);
}

#[test]
fn strict_mode_makes_warnings_fatal() {
    let lenient = read_file(&fixture("no-flow.json"), &ReadOptions::new());
    assert!(
        matches!(lenient, Err(ReadError::Invalid { .. })),
        "{lenient:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty-list.json");
    let mut bundle: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture("minimal.json")).unwrap()).unwrap();
    let flow = bundle["objects"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|o| o["type"] == "attack-flow")
        .unwrap();
    flow["external_references"] = serde_json::json!([]);
    std::fs::write(&path, serde_json::to_vec(&bundle).unwrap()).unwrap();
    let loaded = read_file(&path, &ReadOptions::new()).unwrap();
    assert!(
        loaded
            .diagnostics
            .iter()
            .any(|d| d.message.contains("empty list"))
    );
    let strict = read_file(&path, &ReadOptions::new().with_strict(true)).unwrap_err();
    assert!(
        strict.to_string().contains("/external_references"),
        "{strict}"
    );
}

#[test]
fn the_attack_namespace_is_loaded_once_and_joins_flow_data() {
    let store = load(&[examples()]);
    assert_eq!(
        store.ensure_namespaces().unwrap(),
        0,
        "the same version is not loaded again"
    );
    let parent = count(
        &store,
        "SELECT (COUNT(*) AS ?n) WHERE { ?a af:technique attack:T1059.001 . attack:T1059.001 skos:broader attack:T1059 }",
    );
    assert!(parent >= 1);
    let deprecated = count(
        &store,
        "SELECT (COUNT(*) AS ?n) WHERE { attack:T1562.001 owl:deprecated true ; <http://purl.org/dc/terms/isReplacedBy> ?current }",
    );
    assert_eq!(deprecated, 1);
    assert_eq!(
        store.flows().unwrap().len(),
        3,
        "namespace graphs are not flows"
    );
}

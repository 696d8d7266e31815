//! The corpus suite: every folder of `../shared/corpus` loaded, counted by SPARQL as a user
//! would, against the numbers of the source documents and the Builder's own export.

mod common;

use common::{corpus, count, instances, instances_in, load, load_into};
use flowkg::FlowStore;

#[test]
fn afb_corpus_counts() {
    let Some(corpus) = corpus() else { return };
    let store = load(&[corpus.join("attack-flow-v2/afb")]);
    assert_eq!(instances(&store, "af:Flow"), 40);
    assert_eq!(instances(&store, "af:Action"), 934);
    assert_eq!(instances(&store, "af:Asset"), 123);
    assert_eq!(instances(&store, "af:Condition"), 145);
    assert_eq!(instances(&store, "af:Operator"), 115);
    let operators = |kind: &str| {
        count(
            &store,
            &format!(
                "SELECT (COUNT(?o) AS ?n) WHERE {{ ?o a af:Operator ; af:operator \"{kind}\" }}"
            ),
        )
    };
    assert_eq!(operators("AND"), 86);
    assert_eq!(operators("OR"), 29);
    // The Builder's export totals (oracle/builder-export-counts.tsv), condition branches aside.
    let edges = |p: &str, class: &str| {
        count(
            &store,
            &format!("SELECT (COUNT(*) AS ?n) WHERE {{ ?s a {class} ; {p} ?o }}"),
        )
    };
    assert_eq!(edges("af:effect", "af:Action"), 969);
    assert_eq!(edges("af:effect", "af:Operator"), 128);
    assert_eq!(edges("af:asset", "af:Action"), 141);
    assert_eq!(edges("af:command", "af:Action"), 21);
    assert_eq!(edges("af:object", "af:Asset"), 13);
    assert_eq!(edges("af:refersTo", "af:Note"), 46);
    assert_eq!(edges("prop:src_ref", "af:NetworkTraffic"), 8);
    // 727 related-to lines in the Builder's export; 175 of them leave a condition's branch,
    // which flowkg writes as onTrue / onFalse, as the extension specifies.
    assert_eq!(instances(&store, "af:Relationship"), 727 - 175);
    let branches = count(
        &store,
        "SELECT (COUNT(*) AS ?n) WHERE { { ?c af:onTrue ?x } UNION { ?c af:onFalse ?x } }",
    );
    assert_eq!(branches, 175);
    // Other STIX objects: 564 in the export, less its extension-definition and 2 identities per
    // flow that the Builder adds.
    assert_eq!(instances(&store, "af:Tool"), 119);
    assert_eq!(instances(&store, "af:Malware"), 93);
    assert_eq!(instances(&store, "af:Note"), 46);
}

#[test]
fn afb_per_file_counts() {
    let Some(corpus) = corpus() else { return };
    let store = load(&[
        corpus.join("attack-flow-v2/afb/Equifax Breach.afb"),
        corpus.join("attack-flow-v2/afb/Turla - Snake Emulation Plan.afb"),
    ]);
    assert_eq!(instances_in(&store, "Equifax Breach", "af:Action"), 12);
    assert_eq!(instances_in(&store, "Equifax Breach", "af:Condition"), 3);
    assert_eq!(instances_in(&store, "Equifax Breach", "af:Operator"), 2);
    assert_eq!(instances_in(&store, "Equifax Breach", "af:ThreatActor"), 4);
    assert_eq!(
        instances_in(&store, "Turla - Snake Emulation Plan", "af:Action"),
        74
    );
    assert_eq!(
        instances_in(&store, "Turla - Snake Emulation Plan", "af:File"),
        16
    );
    assert_eq!(
        instances_in(&store, "Turla - Snake Emulation Plan", "af:Condition"),
        19
    );
}

#[test]
fn stix_2023_corpus_counts() {
    let Some(corpus) = corpus() else { return };
    let store = load(&[corpus.join("attack-flow-v2/stix-2023-07-24")]);
    assert_eq!(instances(&store, "af:Flow"), 24);
    assert_eq!(instances(&store, "af:Action"), 383);
    assert_eq!(instances(&store, "af:Asset"), 80);
    assert_eq!(instances(&store, "af:Condition"), 69);
    assert_eq!(instances(&store, "af:Operator"), 45);
    assert_eq!(
        count(
            &store,
            "SELECT (COUNT(?o) AS ?n) WHERE { ?o af:operator \"AND\" }"
        ),
        35
    );
    assert_eq!(
        count(
            &store,
            "SELECT (COUNT(?o) AS ?n) WHERE { ?o af:operator \"OR\" }"
        ),
        10
    );
    assert_eq!(instances(&store, "af:Relationship"), 201);
    assert_eq!(
        count(
            &store,
            "SELECT (COUNT(?r) AS ?n) WHERE { ?r af:stixType \"relationship\" ; af:stixId ?id }"
        ),
        201
    );
}

#[test]
fn legacy_corpus_counts() {
    let Some(corpus) = corpus() else { return };
    let store = load(&[corpus.join("legacy-2022/corpus")]);
    assert_eq!(instances(&store, "af:Flow"), 20);
    assert_eq!(instances(&store, "af:Action"), 305);
    assert_eq!(instances(&store, "af:Asset"), 260);
    assert_eq!(instances(&store, "af:LegacyRelationship"), 1040);
    assert_eq!(instances(&store, "af:DataProperty"), 251);
    assert_eq!(instances(&store, "af:ObjectProperty"), 22);
    // Every relationship also stands as a direct edge between the nodes it joins.
    let direct = count(
        &store,
        "SELECT (COUNT(*) AS ?n) WHERE { ?r a af:LegacyRelationship ; af:source ?s ; af:target ?t . FILTER EXISTS { ?s ?p ?t FILTER(?p != af:source) } }",
    );
    assert_eq!(direct, 1040);
}

#[test]
fn whole_corpus_loads_and_flows_never_merge() {
    let Some(corpus) = corpus() else { return };
    let store = FlowStore::in_memory().unwrap();
    let loaded = load_into(&store, std::slice::from_ref(&corpus));
    let flows = instances(&store, "af:Flow");
    assert_eq!(flows, loaded, "every loaded flow has its own graph");
    // The .afb corpus reuses attack-flow ids in three pairs of files: still 40 graphs.
    let afb_graphs = count(
        &store,
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g af:document/af:sourceFormat \"afb\" } }",
    );
    assert_eq!(afb_graphs, 40);
    let shared_ids = count(
        &store,
        "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?id WHERE { ?g a af:Flow ; af:stixId ?id ; af:document/af:sourceFormat \"afb\" } GROUP BY ?id HAVING (COUNT(?g) > 1) } }",
    );
    assert_eq!(shared_ids, 3);
    // Loading everything again changes nothing.
    let before = store.len().unwrap();
    load_into(&store, &[corpus]);
    assert_eq!(store.len().unwrap(), before);
}

#[test]
fn removing_a_flow_removes_exactly_its_triples() {
    let Some(corpus) = corpus() else { return };
    let folder = corpus.join("attack-flow-v2/afb");
    let store = load(std::slice::from_ref(&folder));
    let before = store.len().unwrap();
    let path = std::fs::canonicalize(folder.join("Equifax Breach.afb")).unwrap();
    let graphs = store.find(&path.display().to_string()).unwrap();
    assert_eq!(graphs.len(), 1);
    let own = count(
        &store,
        &format!(
            "SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{}> {{ ?s ?p ?o }} }}",
            graphs[0].as_str()
        ),
    );
    assert!(own > 100);
    assert!(store.remove(graphs[0].as_ref()).unwrap());
    assert_eq!(store.len().unwrap(), before - own);
    assert_eq!(instances(&store, "af:Flow"), 39);
}

#[test]
fn the_bulk_path_and_the_transaction_path_store_the_same_quads() {
    let Some(corpus) = corpus() else { return };
    let folder = [
        corpus.join("attack-flow-v2/afb"),
        corpus.join("legacy-2022/corpus"),
    ];
    let by_transaction = load(&folder);
    let dir = tempfile::tempdir().unwrap();
    let on_disk = FlowStore::open(dir.path()).unwrap().with_bulk_threshold(16);
    load_into(&on_disk, &folder);
    assert_eq!(on_disk.len().unwrap(), by_transaction.len().unwrap());
    assert_eq!(instances(&on_disk, "af:Flow"), 60);
    // A second load replaces every flow in place.
    load_into(&on_disk, &folder);
    assert_eq!(on_disk.len().unwrap(), by_transaction.len().unwrap());
}

//! Shared namespaces and cross-flow resolution, asked as an analyst would, by plain joins over
//! shared IRIs on the `.afb` corpus; and the decisions report.

mod common;

use common::{corpus, count, examples, load};
use flowkg::resolve::Relation;
use flowkg::{MapOptions, ReadOptions, map_flow, read_file};

fn flows_with(store: &flowkg::FlowStore, pattern: &str) -> usize {
    count(
        store,
        &format!("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ GRAPH ?g {{ {pattern} }} }}"),
    )
}

#[test]
fn cross_flow_questions_are_plain_joins() {
    let Some(corpus) = corpus() else { return };
    let store = load(&[corpus.join("attack-flow-v2/afb")]);
    // Techniques used in two or more flows.
    let shared_techniques = count(
        &store,
        "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?t WHERE { GRAPH ?g { ?a af:technique ?t } } GROUP BY ?t HAVING (COUNT(DISTINCT ?g) >= 2) } }",
    );
    assert_eq!(shared_techniques, 121);
    // The domain-controller kind, whatever the spelling ("Domain Controllers"), and where a flow
    // names the machine and says it is one (Turla's BANNIK: "domain controller with Active Directory").
    let dc = "?x af:assetKind <https://w3id.org/flowkg/ns/asset-kind/domain-controller>";
    assert!(flows_with(&store, dc) >= 5, "{}", flows_with(&store, dc));
    assert_eq!(flows_with(&store, &format!("{dc} ; af:name \"BANNIK\"")), 1);
    assert_eq!(
        flows_with(&store, &format!("{dc} ; af:name \"Domain Controllers\"")),
        1
    );
    // A condition names assets but is none of them: it expresses a state, it has no kind.
    assert_eq!(
        count(
            &store,
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?c a af:Condition ; af:assetKind ?k } }"
        ),
        0
    );
    assert!(
        count(
            &store,
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?c a af:Condition ; af:expressesState ?s } }"
        ) > 50
    );
    // CVE-2022-22960, one flow spelling it "CVE 2022-22960".
    let cve = "?v af:entity <https://w3id.org/flowkg/ns/vulnerability/CVE-2022-22960>";
    assert!(flows_with(&store, cve) >= 2);
    assert!(
        flows_with(
            &store,
            &format!("{cve} ; af:name ?n FILTER(CONTAINS(?n, \"CVE 2022\"))")
        ) >= 1
    );
    // Mimikatz and PsExec: the flows that name them, plus renamed copies the flow's own
    // description identifies (Turla's loadperf.exe, "Mimikatz file"; NotPetya's dllhost.dat,
    // "copy of PsExec utility").
    let mimikatz = "?t af:entity <https://w3id.org/flowkg/ns/software/mimikatz>";
    assert!(flows_with(&store, mimikatz) >= 6);
    assert_eq!(
        flows_with(&store, &format!("{mimikatz} ; af:name \"loadperf.exe\"")),
        1
    );
    let psexec = "?t af:entity <https://w3id.org/flowkg/ns/software/psexec>";
    assert!(flows_with(&store, psexec) >= 6);
    assert_eq!(
        flows_with(&store, &format!("{psexec} ; af:name \"dllhost.dat\"")),
        1
    );
    // Cobalt Strike is one entity, typed tool in one flow and malware in another.
    let typings = count(
        &store,
        "SELECT (COUNT(DISTINCT ?type) AS ?n) WHERE { ?x af:entity <https://w3id.org/flowkg/ns/software/cobalt-strike> ; af:stixType ?type }",
    );
    assert_eq!(typings, 2);
}

#[test]
fn deprecated_techniques_resolve_and_lead_to_their_replacements() {
    let Some(corpus) = corpus() else { return };
    let store = load(&[corpus.join("attack-flow-v2/afb")]);
    let deprecated_in_use = count(
        &store,
        "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?a af:technique ?t . ?t owl:deprecated true }",
    );
    assert!(deprecated_in_use >= 5, "{deprecated_in_use}");
    let followed = count(
        &store,
        "SELECT (COUNT(*) AS ?n) WHERE { ?a af:technique attack:T1562.001 . attack:T1562.001 dcterms:isReplacedBy ?now . ?now skos:prefLabel ?name }",
    );
    assert!(followed >= 1);
}

#[test]
fn sub_techniques_count_for_their_parent() {
    let store = load(&[examples()]);
    let with_parent = count(
        &store,
        "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a af:techniqueOrParent attack:T1059 }",
    );
    let exact = count(
        &store,
        "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a af:technique attack:T1059.001 }",
    );
    assert!(exact >= 2);
    assert!(with_parent >= exact);
}

#[test]
fn the_examples_share_entities_across_formats_and_spellings() {
    let store = load(&[examples()]);
    // CVE-2020-1472 in the bundle, "CVE 2020-1472" in the .afb.
    assert_eq!(
        flows_with(
            &store,
            "?v af:entity <https://w3id.org/flowkg/ns/vulnerability/CVE-2020-1472>"
        ),
        2
    );
    // "Domain Controller" and "domain controllers".
    assert_eq!(
        flows_with(
            &store,
            "?x af:assetKind <https://w3id.org/flowkg/ns/asset-kind/domain-controller>"
        ),
        2
    );
    assert_eq!(
        flows_with(
            &store,
            "?x af:entity <https://w3id.org/flowkg/ns/software/cobalt-strike>"
        ),
        2
    );
}

#[test]
fn the_store_holds_exactly_the_reported_decisions() {
    let flow = read_file(
        &examples().join("ransomware-intrusion.json"),
        &ReadOptions::new(),
    )
    .unwrap();
    let mapped = map_flow(&flow, &MapOptions::new()).unwrap();
    assert!(!mapped.decisions.is_empty());
    let triples = |p: &str| {
        mapped
            .quads
            .iter()
            .filter(|q| q.predicate.as_str() == p)
            .count()
    };
    let decided = |r: Relation| mapped.decisions.iter().filter(|d| d.relation == r).count();
    assert_eq!(
        triples("https://w3id.org/flowkg/af#entity"),
        decided(Relation::SameAs)
    );
    assert_eq!(
        triples("http://www.w3.org/2002/07/owl#sameAs"),
        decided(Relation::SameAs)
    );
    assert_eq!(
        triples("https://w3id.org/flowkg/af#assetKind"),
        decided(Relation::AssetKind)
    );
    let unresolved = map_flow(&flow, &MapOptions::new().without_resolution()).unwrap();
    assert!(unresolved.decisions.is_empty());
    assert_eq!(
        unresolved.quads.len()
            + 2 * decided(Relation::SameAs)
            + decided(Relation::AssetKind)
            + decided(Relation::ExpressesState),
        mapped.quads.len()
    );
}

#[test]
fn a_users_namespace_takes_part_like_the_built_in_ones() {
    let dir = tempfile::tempdir().unwrap();
    let namespace = dir.path().join("ours.ttl");
    std::fs::write(
        &namespace,
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n\
         <https://example.org/kinds/finance-workstation> a skos:Concept ;\n\
           skos:prefLabel \"finance workstation\"@en .\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_flowkg"))
        .args([
            "resolve",
            "--namespace",
            namespace.to_str().unwrap(),
            examples()
                .join("ransomware-intrusion.json")
                .to_str()
                .unwrap(),
        ])
        .output()
        .unwrap();
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        csv.starts_with("source,node,shared_iri,relation,rule,confidence\n"),
        "{csv}"
    );
    assert!(
        csv.contains("https://example.org/kinds/finance-workstation,af:assetKind"),
        "{csv}"
    );
    let unmatched = std::process::Command::new(env!("CARGO_BIN_EXE_flowkg"))
        .args([
            "resolve",
            "--unmatched",
            examples()
                .join("ransomware-intrusion.json")
                .to_str()
                .unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        String::from_utf8(unmatched.stdout)
            .unwrap()
            .starts_with("source,node,type,name\n")
    );
}

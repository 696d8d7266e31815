//! `flowkg match`: events built from a corpus flow's own techniques find that flow first and
//! its actual next technique among the first suggestions.

mod common;

use common::corpus;
use flowkg::FlowStore;
use std::collections::{BTreeMap, BTreeSet};

/// A chain of `length` actions of one flow, each the effect of the one before, every one with
/// a technique: the first found from the flow's start actions, in IRI order.
fn chain(store: &FlowStore, flow_name: &str, length: usize) -> (String, Vec<String>) {
    let query = format!(
        "SELECT ?a ?b ?ta ?tb ?g WHERE {{ GRAPH ?g {{
           ?g af:name {name} ; af:document/af:sourceFormat \"afb\" .
           ?a a af:Action ; af:techniqueId ?ta ; af:effect ?b . ?b a af:Action ; af:techniqueId ?tb }} }}",
        name = oxigraph::model::Literal::new_simple_literal(flow_name)
    );
    let (_, rows) = flowkg::query::select(store.store(), &query).unwrap();
    let text = |t: &Option<oxigraph::model::Term>| match t {
        Some(oxigraph::model::Term::Literal(l)) => l.value().to_owned(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let mut next: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut technique = BTreeMap::new();
    let mut graph = String::new();
    for row in &rows {
        graph = match &row[4] {
            Some(oxigraph::model::Term::NamedNode(g)) => g.as_str().to_owned(),
            other => panic!("{other:?}"),
        };
        next.entry(text(&row[0])).or_default().insert(text(&row[1]));
        technique.insert(text(&row[0]), text(&row[2]));
        technique.insert(text(&row[1]), text(&row[3]));
    }
    fn walk(
        from: &str,
        next: &BTreeMap<String, BTreeSet<String>>,
        length: usize,
        path: &mut Vec<String>,
    ) -> bool {
        path.push(from.to_owned());
        if path.len() == length {
            return true;
        }
        for to in next.get(from).into_iter().flatten() {
            if !path.contains(to) && walk(to, next, length, path) {
                return true;
            }
        }
        path.pop();
        false
    }
    for start in next.keys() {
        let mut path = Vec::new();
        if walk(start, &next, length, &mut path) {
            let techniques = path.iter().map(|a| technique[a].trim().to_owned());
            return (graph, techniques.collect());
        }
    }
    panic!("{flow_name}: no chain of {length} actions");
}

#[test]
fn events_from_a_flow_find_it_first_with_its_next_technique() {
    let Some(corpus) = corpus() else { return };
    let store = common::load(std::slice::from_ref(&corpus));
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "Conti Ransomware",
        "Black Basta Ransomware",
        "Turla - Snake Emulation Plan",
    ] {
        let (graph, techniques) = chain(&store, name, 5);
        let events: String = techniques[..4]
            .iter()
            .enumerate()
            .map(|(i, t)| {
                format!(
                    "{{\"timestamp\":\"2024-05-01T10:0{i}:00Z\",\"host\":\"ws1\",\"techniques\":[\"{t}\"]}}\n"
                )
            })
            .collect();
        let file = dir.path().join("events.jsonl");
        std::fs::write(&file, events).unwrap();
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_flowkg"))
            .arg("match")
            .arg(&file)
            .args(["--format", "json", "--quiet", "--flows"])
            .arg(&corpus)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let ranked: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        // Copies of the flow in other formats (the same name) may tie with it; nothing else
        // may come before it.
        let ranked = ranked.as_array().unwrap();
        let position = ranked
            .iter()
            .position(|m| m["flow"] == graph.as_str())
            .unwrap_or_else(|| panic!("{name} not ranked"));
        let own = &ranked[position];
        assert_eq!(own["matched"], 4, "{techniques:?}: {own}");
        assert!(
            ranked[..position]
                .iter()
                .all(|m| m["name"] == name && m["matched"] == 4)
        );
        let suggested: Vec<&str> = own["next"]
            .as_array()
            .unwrap()
            .iter()
            .take(3)
            .flat_map(|n| {
                let written = n["written"].as_array().unwrap().iter();
                std::iter::once(&n["technique"]).chain(written)
            })
            .map(|id| id.as_str().unwrap())
            .collect();
        assert!(
            suggested.contains(&techniques[4].as_str()),
            "{name}: after {:?} the flow goes on with {}, suggested {suggested:?}",
            &techniques[..4],
            techniques[4]
        );
    }
}

#[test]
fn sub_techniques_and_deprecated_ids_match() {
    let store = common::load(&[common::examples()]);
    let events = |techniques: &[&str]| -> Vec<flowkg::correlate::Event> {
        techniques
            .iter()
            .map(|t| flowkg::correlate::Event {
                techniques: vec![(*t).to_owned()],
                ..Default::default()
            })
            .collect()
    };
    // The phishing example: T1566.001 → T1059.001 → T1003.001.
    let exact =
        flowkg::correlate::rank(&store, &events(&["T1566.001", "T1059.001", "T1003.001"])).unwrap();
    assert_eq!(exact[0].name, "Phishing to Exfiltration (example)");
    assert_eq!(exact[0].matched, 3);
    // Parents match their sub-techniques; T1086 was revoked in favour of T1059.001.
    let loose = flowkg::correlate::rank(&store, &events(&["T1566", "T1086", "T1003"])).unwrap();
    assert_eq!(loose[0].name, exact[0].name);
    assert_eq!(loose[0].matched, 3);
    // Out of order, the chain is shorter.
    let reversed =
        flowkg::correlate::rank(&store, &events(&["T1003.001", "T1059.001", "T1566.001"])).unwrap();
    assert!(reversed.iter().all(|m| m.matched < 3));
}

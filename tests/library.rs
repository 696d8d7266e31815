//! The query library: every query runs on the project's examples, and answers on the public
//! corpus what its header says.

mod common;

use common::{corpus, examples, load};
use flowkg::FlowStore;
use flowkg::query::library::{LIBRARY, find};
use oxigraph::model::Term;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// A result as text: one row per solution, each cell a literal's value or an IRI.
struct Answer {
    variables: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Answer {
    fn column(&self, name: &str) -> Vec<&str> {
        let i = self
            .variables
            .iter()
            .position(|v| v == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.variables));
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }

    fn row(&self, i: usize) -> Vec<(&str, &str)> {
        self.variables
            .iter()
            .map(String::as_str)
            .zip(self.rows[i].iter().map(String::as_str))
            .collect()
    }

    fn cell(&self, i: usize, name: &str) -> &str {
        self.column(name)[i]
    }
}

fn ask(store: &FlowStore, name: &str, params: &[(&str, &str)]) -> Answer {
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let text = find(name).unwrap().bind(&params).unwrap();
    answer(store, &text)
}

fn answer(store: &FlowStore, text: &str) -> Answer {
    let (variables, rows) =
        flowkg::query::select(store.store(), text).unwrap_or_else(|e| panic!("{text}: {e}"));
    let rows = rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|cell| match cell {
                    Some(Term::Literal(l)) => l.value().to_owned(),
                    Some(Term::NamedNode(n)) => n.into_string(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                })
                .collect()
        })
        .collect();
    Answer { variables, rows }
}

/// The whole public corpus, loaded once for every test of this file.
fn corpus_store() -> Option<&'static FlowStore> {
    static STORE: OnceLock<FlowStore> = OnceLock::new();
    let corpus = corpus()?;
    Some(STORE.get_or_init(|| load(&[corpus])))
}

const ATTACK: &str = "https://w3id.org/flowkg/ns/attack/";

#[test]
fn the_library_is_the_queries_folder() {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("queries");
    let files: BTreeSet<String> = std::fs::read_dir(folder)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".rq").map(str::to_owned)
        })
        .collect();
    let built_in: BTreeSet<String> = LIBRARY.iter().map(|q| q.name.to_owned()).collect();
    assert_eq!(files, built_in);
    assert!(LIBRARY.len() >= 12);
}

#[test]
fn every_query_runs_on_the_examples_with_its_defaults() {
    let store = load(&[examples()]);
    for query in LIBRARY {
        let answer = ask(&store, query.name, &[]);
        assert!(!answer.variables.is_empty(), "{}", query.name);
    }
    // The examples' own answers, where they have one.
    assert_eq!(ask(&store, "flows", &[]).rows.len(), 3);
    let next = ask(&store, "next-techniques", &[("technique", "T1566.001")]);
    assert_eq!(next.column("next"), [format!("{ATTACK}T1059.001")]);
}

#[test]
fn hostile_text_is_only_ever_a_literal() {
    let store = load(&[examples()]);
    for text in [
        "\" } } DELETE WHERE { ?s ?p ?o } #",
        "x\\\" ) } UNION { ?a ?b ?c }",
        "'''",
    ] {
        let answer = ask(&store, "search", &[("text", text)]);
        assert!(answer.rows.is_empty(), "{text}: {:?}", answer.rows.first());
    }
    let answer = ask(&store, "search", &[("text", "QAKBOT")]);
    assert!(
        !answer.rows.is_empty(),
        "case-insensitive search finds QakBot"
    );
}

#[test]
fn flows() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "flows", &[]);
    assert_eq!(answer.rows.len(), 141);
    let formats = answer.column("format");
    assert_eq!(formats.iter().filter(|f| **f == "afb").count(), 40);
    assert_eq!(formats.iter().filter(|f| **f == "stix").count(), 75);
    assert_eq!(formats.iter().filter(|f| **f == "legacy").count(), 26);
    let most = answer
        .column("actions")
        .iter()
        .map(|n| n.parse::<usize>().unwrap())
        .max();
    assert_eq!(most, Some(81));
}

#[test]
fn techniques_in_several_flows() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "techniques-in-several-flows", &[]);
    assert_eq!(answer.rows.len(), 256);
    assert_eq!(
        answer.row(0),
        [("technique", &*format!("{ATTACK}T1105")), ("flows", "68")]
    );
    assert_eq!(answer.cell(1, "technique"), format!("{ATTACK}T1059.001"));
    assert_eq!(answer.cell(1, "flows"), "40");
}

#[test]
fn techniques_per_tactic() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "techniques-per-tactic", &[]);
    assert_eq!(answer.rows.len(), 79);
    let leaders = |tactic: &str| -> Vec<(String, String)> {
        let tactic = format!("{ATTACK}{tactic}");
        (0..answer.rows.len())
            .filter(|i| answer.cell(*i, "tactic") == tactic)
            .map(|i| {
                (
                    answer
                        .cell(i, "technique")
                        .trim_start_matches(ATTACK)
                        .to_owned(),
                    answer.cell(i, "flows").to_owned(),
                )
            })
            .collect()
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    };
    assert_eq!(leaders("TA0002")[0], ("T1059.001".into(), "40".into()));
    assert_eq!(
        leaders("TA0001"),
        pairs(&[("T1078", "28"), ("T1566.001", "28"), ("T1190", "25")])
    );
    assert_eq!(leaders("TA0040")[0], ("T1486".into(), "25".into()));
    // A multi-tactic technique is counted under each of its tactics.
    let t1078: Vec<&str> = (0..answer.rows.len())
        .filter(|i| answer.cell(*i, "technique") == format!("{ATTACK}T1078"))
        .map(|i| answer.cell(i, "tactic"))
        .collect();
    assert!(t1078.len() > 1, "{t1078:?}");
    // top=1 keeps one per tactic, ties aside.
    assert!(
        ask(store, "techniques-per-tactic", &[("top", "1")])
            .rows
            .len()
            < 79
    );
}

#[test]
fn next_techniques() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "next-techniques", &[]);
    assert_eq!(answer.rows.len(), 30);
    assert_eq!(
        answer.row(0),
        [
            ("next", &*format!("{ATTACK}T1105")),
            ("name", "Ingress Tool Transfer"),
            ("flows", "8"),
            ("edges", "9")
        ]
    );
    assert_eq!(answer.cell(1, "next"), format!("{ATTACK}T1053.005"));
    assert_eq!(answer.cell(1, "flows"), "7");
    let after_exploit = ask(store, "next-techniques", &[("technique", "T1190")]);
    assert_eq!(after_exploit.cell(0, "next"), format!("{ATTACK}T1505.003"));
    assert_eq!(after_exploit.cell(0, "flows"), "7");
}

#[test]
fn attack_paths() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "attack-paths", &[("flow", "Conti Ransomware")]);
    assert_eq!(answer.rows.len(), 47);
    let flows: BTreeSet<&str> = answer.column("flow").into_iter().collect();
    assert_eq!(flows.len(), 2);
    let edges: BTreeSet<(&str, &str)> = answer
        .column("fromLabel")
        .into_iter()
        .zip(answer.column("toLabel"))
        .collect();
    assert!(edges.contains(&("T1566.001 Spearphishing Attachment", "T1059.007 JavaScript")));
    assert!(edges.contains(&("condition", "T1486 Data Encrypted for Impact")));
    // The same flow by its graph IRI: the same edges of that one flow.
    for flow in &flows {
        let by_iri = ask(store, "attack-paths", &[("flow", flow)]);
        let expected = answer.column("flow").iter().filter(|f| *f == flow).count();
        assert_eq!(by_iri.rows.len(), expected, "{flow}");
        assert!(by_iri.column("flow").iter().all(|f| f == flow));
    }
    // Equifax Breach ends in exfiltration, not impact: no path.
    assert!(
        ask(store, "attack-paths", &[("flow", "Equifax Breach")])
            .rows
            .is_empty()
    );
}

#[test]
fn choke_points() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "choke-points", &[]);
    assert_eq!(answer.rows.len(), 179);
    assert_eq!(answer.cell(0, "paths"), "6");
    assert_eq!(answer.cell(0, "flowName"), "REvil");
    let encrypted: Vec<(&str, &str)> = (0..answer.rows.len())
        .filter(|i| answer.cell(*i, "name") == "Encrypted Data")
        .map(|i| (answer.cell(i, "flowName"), answer.cell(i, "paths")))
        .collect();
    assert_eq!(
        encrypted
            .iter()
            .filter(|e| **e == ("Conti CISA Alert", "5"))
            .count(),
        2
    );
}

/// The choke points by their definition, walking the flow edges in SPARQL (what
/// `choke-points` did before the mapping stated the impact paths).
const CHOKE_POINTS_BY_WALKING: &str = r#"
SELECT ?flow ?node ?kind (COUNT(DISTINCT ?pair) AS ?paths)
WHERE {
  {
    SELECT DISTINCT ?flow ?start ?via WHERE {
      { SELECT ?flow ?start WHERE { GRAPH ?flow {
          ?start a af:Action .
          FILTER NOT EXISTS { ?before (af:effect|af:onTrue|af:onFalse|af:provides|af:requiredBy) ?start }
      } } }
      GRAPH ?flow { ?start (af:effect|af:onTrue|af:onFalse|af:provides|af:requiredBy)* ?via }
    }
  }
  {
    SELECT DISTINCT ?flow ?via ?impact WHERE {
      ?impactTactic af:shortName "impact" .
      ?impact af:tactic|af:technique/af:tactic ?impactTactic .
      GRAPH ?flow {
        ?impact a af:Action .
        ?via (af:effect|af:onTrue|af:onFalse|af:provides|af:requiredBy)* ?impact .
      }
    }
  }
  GRAPH ?flow {
    { ?via a af:Condition . BIND(?via AS ?node) BIND("condition" AS ?kind) }
    UNION { ?via a af:Asset . BIND(?via AS ?node) BIND("asset" AS ?kind) }
    UNION { ?via a af:Action ; af:asset ?node . BIND("asset" AS ?kind) }
  }
  BIND(CONCAT(STR(?start), " ", STR(?impact)) AS ?pair)
}
GROUP BY ?flow ?node ?kind
"#;

#[test]
fn the_impact_paths_stated_are_those_a_walk_of_the_flow_edges_finds() {
    let Some(store) = corpus_store() else { return };
    let rows = |answer: Answer| -> BTreeSet<Vec<String>> {
        let columns = ["flow", "node", "kind", "paths"];
        (0..answer.rows.len())
            .map(|i| {
                columns
                    .iter()
                    .map(|c| answer.cell(i, c).to_owned())
                    .collect()
            })
            .collect()
    };
    let walked = rows(answer(store, CHOKE_POINTS_BY_WALKING));
    let stated = rows(ask(store, "choke-points", &[]));
    // 178 nodes; the library's 179 rows name one legacy asset twice ("Group Policy",
    // "Windows Defender").
    assert_eq!(walked.len(), 178);
    assert_eq!(stated, walked);
    // Every path starts at an action nothing leads to and ends at an impact action.
    let wrong = answer(
        store,
        "SELECT ?path WHERE { GRAPH ?flow { ?path af:startsAt ?start ; af:endsAt ?end .
           ?start a af:Action . ?end a af:Action } FILTER(
           EXISTS { GRAPH ?flow { ?before af:effect|af:onTrue|af:onFalse|af:provides|af:requiredBy ?start } }
           || NOT EXISTS { ?end af:tactic|af:technique/af:tactic [ af:shortName \"impact\" ] }) }",
    );
    assert!(wrong.rows.is_empty(), "{:?}", wrong.rows);
}

#[test]
fn technique_sequence() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "technique-sequence", &[]);
    assert_eq!(answer.rows.len(), 13);
    let names: BTreeSet<&str> = answer.column("name").into_iter().collect();
    for name in [
        "Black Basta Ransomware",
        "Hancitor DLL",
        "Muddy Water",
        "OceanLotus",
    ] {
        assert!(names.contains(name), "{name}");
    }
    let web_shell = ask(store, "technique-sequence", &[("steps", "T1190,T1505.003")]);
    assert_eq!(web_shell.rows.len(), 12);
    // Order matters: the web shell never comes before the exploit.
    let reversed = ask(store, "technique-sequence", &[("steps", "T1505.003,T1190")]);
    assert!(reversed.rows.len() < web_shell.rows.len());
}

#[test]
fn deprecated_techniques() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "deprecated-techniques", &[]);
    assert_eq!(answer.rows.len(), 11);
    assert_eq!(answer.cell(0, "technique"), format!("{ATTACK}T1562.001"));
    assert_eq!(answer.cell(0, "replacement"), format!("{ATTACK}T1685"));
    assert_eq!(answer.cell(0, "flows"), "21");
    assert_eq!(answer.cell(1, "replacement"), format!("{ATTACK}T1685.005"));
}

#[test]
fn search() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "search", &[]);
    assert_eq!(answer.rows.len(), 37);
    let count = |kind: &str, place: &str| {
        (0..answer.rows.len())
            .filter(|i| answer.cell(*i, "type") == kind && answer.cell(*i, "where") == place)
            .count()
    };
    assert_eq!(count("attack-action", "description"), 20);
    assert_eq!(count("attack-asset", "name"), 8);
    assert_eq!(count("location", "description"), 3);
}

#[test]
fn flows_by_metadata() {
    let Some(store) = corpus_store() else { return };
    assert_eq!(ask(store, "flows-by-metadata", &[]).rows.len(), 73);
    let recent = ask(
        store,
        "flows-by-metadata",
        &[("scope", "campaign"), ("since", "2023-01-01")],
    );
    assert_eq!(
        recent.column("name"),
        ["ToolShell Vulnerability in Sharepoint"; 2]
    );
    let by_author = ask(
        store,
        "flows-by-metadata",
        &[("scope", "incident"), ("author", "haase")],
    );
    assert!(
        by_author
            .column("author")
            .iter()
            .all(|a| *a == "Mark Haase")
    );
    assert_eq!(by_author.rows.len(), 6);
}

#[test]
fn similar_flows() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "similar-flows", &[]);
    assert_eq!(answer.rows.len(), 186);
    assert_eq!(answer.cell(0, "otherName"), "Equifax Breach");
    assert_eq!(answer.cell(0, "shared"), "12");
    assert_eq!(answer.cell(0, "jaccard"), "1");
    assert_eq!(answer.cell(2, "otherName"), "FIN13 Case 1");
    assert_eq!(answer.cell(2, "shared"), "4");
}

#[test]
fn flows_using_technique() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "flows-using-technique", &[]);
    assert_eq!(answer.rows.len(), 25);
    let names = answer.column("name");
    for name in ["Equifax Breach", "CISA Iranian APT", "FIN13 Case 1"] {
        assert_eq!(names.iter().filter(|n| **n == name).count(), 3, "{name}");
    }
    // The parent finds its sub-techniques.
    let phishing = ask(store, "flows-using-technique", &[("technique", "T1566")]);
    assert!(
        phishing
            .column("ids")
            .iter()
            .any(|ids| ids.contains("T1566.001"))
    );
}

#[test]
fn tactic_mismatches() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "tactic-mismatches", &[]);
    assert_eq!(answer.rows.len(), 22);
    assert_eq!(answer.cell(0, "technique"), format!("{ATTACK}T1112"));
    assert_eq!(answer.cell(0, "tactic"), format!("{ATTACK}TA0005"));
    assert_eq!(answer.cell(0, "actions"), "14");
    assert_eq!(answer.cell(0, "flows"), "12");
}

#[test]
fn shared_entities() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "shared-entities", &[]);
    let others = answer.column("otherName");
    let ta1 = others
        .iter()
        .position(|n| *n == "CISA AA22-138B VMWare Workspace (TA1)")
        .expect("the TA1 flow shares CVE-2022-22954");
    assert!(answer.cell(ta1, "entities").contains("CVE-2022-22954"));
}

#[test]
fn shared_asset_kinds() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "shared-asset-kinds", &[]);
    assert!(
        answer
            .column("kinds")
            .iter()
            .any(|k| k.to_lowercase().contains("domain controller")),
        "Conti Ransomware's domain controllers are shared with other flows"
    );
}

#[test]
fn resolution_conflicts() {
    let Some(store) = corpus_store() else { return };
    let answer = ask(store, "resolution-conflicts", &[]);
    assert!(
        (0..answer.rows.len()).any(|i| answer.cell(i, "conflict") == "tool-vs-malware"
            && answer
                .cell(i, "names")
                .to_lowercase()
                .contains("cobalt strike")),
        "Cobalt Strike is a tool in Black Basta Ransomware and malware in Maastricht"
    );
}

#[test]
fn the_command_lists_and_runs_library_queries() {
    let flowkg = env!("CARGO_BIN_EXE_flowkg");
    let list = std::process::Command::new(flowkg)
        .args(["query", "--list"])
        .output()
        .unwrap();
    assert!(list.status.success());
    let listing = String::from_utf8(list.stdout).unwrap();
    for query in LIBRARY {
        assert!(listing.contains(&format!("{}\n    {}", query.name, query.question())));
    }
    assert!(listing.contains("--param technique=…"));
    let run = std::process::Command::new(flowkg)
        .args(["query", "next-techniques", "--param", "technique=T1566.001"])
        .args(["--format", "csv", "--quiet", "--flows"])
        .arg(examples())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let csv = String::from_utf8(run.stdout).unwrap();
    assert!(
        csv.contains(&format!("{ATTACK}T1059.001,PowerShell,2,2")),
        "{csv}"
    );
    let bad = std::process::Command::new(flowkg)
        .args(["query", "next-techniques", "--param", "technique=nothing"])
        .arg("--flows")
        .arg(examples())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains(
        "queries/next-techniques.rq: parameter technique: \"nothing\" is not a technique id"
    ));
}

//! `flowkg render`: the structure of flow pictures (nodes, edges, labels, branches) on own
//! fixtures; on the corpus, every flow's DOT checked by Graphviz and its Mermaid by the
//! mermaid library in headless Chromium; the Conti overlap joined at the shared assets; PNGs
//! rasterised for a person to look at (`target/test-artefacts/render-*.png`).

mod common;

use common::{corpus, fixture, load};
use flowkg::render::{
    EdgeKind, Format, NodeKind, Picture, RenderOptions, dot, flow_picture, matrix::Matrix, mermaid,
    overlap_picture, render, select_flows,
};
use flowkg::{FlowStore, query::select};
use oxigraph::model::Term;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn artefacts() -> PathBuf {
    let dir = root().join("target/test-artefacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Whether a tool the check needs runs; in CI it must.
fn tool(program: &str, arg: &str) -> bool {
    let found = Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{program} is required in CI"
        );
        eprintln!("skipped: no {program}");
    }
    found
}

fn has_dot() -> bool {
    tool("dot", "-V")
}

/// Runs `dot -T{format}` on DOT text; panics with Graphviz's message when it refuses it.
fn graphviz(dot_text: &str, format: &str, what: &str) -> Vec<u8> {
    let mut child = Command::new("dot")
        .arg(format!("-T{format}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let text = dot_text.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        output.status.success(),
        "{what}: dot refused the DOT: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Width and height of a PNG, from its IHDR chunk.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

/// The `width` / `height` an SVG declares, in its own units (Graphviz: points).
fn svg_size(svg: &str) -> (f64, f64) {
    let head = &svg[svg.find("<svg").unwrap()..];
    let attr = |name: &str| -> f64 {
        let start = head.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        let value: String = head[start..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        value.parse().unwrap()
    };
    (attr("width"), attr("height"))
}

fn fixtures() -> FlowStore {
    load(&[
        fixture("render-branches.json"),
        fixture("render-lateral.json"),
    ])
}

fn graph_named(store: &FlowStore, name: &str) -> oxigraph::model::NamedNode {
    let graphs = select_flows(store, &[name.to_owned()]).unwrap();
    assert_eq!(graphs.len(), 1, "{name}");
    graphs.into_iter().next().unwrap()
}

fn kinds(picture: &Picture) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for node in picture.nodes() {
        *counts.entry(format!("{:?}", node.kind)).or_default() += 1;
    }
    counts
}

#[test]
fn a_flow_picture_has_every_node_edge_branch_and_label() {
    let store = fixtures();
    let graph = graph_named(&store, "Render fixture: branches");
    let picture = flow_picture(&store, graph.as_ref()).unwrap();
    assert_eq!(picture.title, "Render fixture: branches");
    assert_eq!(picture.clusters.len(), 1);
    // The extension's author identity is left out; everything else of the flow is drawn.
    assert_eq!(
        kinds(&picture),
        BTreeMap::from([
            ("Action".into(), 4),
            ("Asset".into(), 2),
            ("Condition".into(), 1),
            ("Operator".into(), 1),
            ("Other".into(), 2),
        ])
    );
    let find = |text: &str| {
        picture
            .nodes()
            .find(|n| n.text.starts_with(text))
            .unwrap_or_else(|| panic!("no node {text}"))
            .id
            .clone()
    };
    let edge = |from: &str, to: &str| {
        picture
            .edges
            .iter()
            .find(|e| e.from == find(from) && e.to == find(to))
            .unwrap_or_else(|| panic!("no edge {from} -> {to}"))
    };
    assert_eq!(picture.edges.len(), 10, "{:#?}", picture.edges);
    assert_eq!(edge("Mail", "The macro").kind, EdgeKind::Effect);
    let on_true = edge("The macro", "PowerShell");
    assert_eq!(
        (on_true.kind, on_true.label.as_deref()),
        (EdgeKind::OnTrue, Some("true"))
    );
    let on_false = edge("The macro", "OR");
    assert_eq!(
        (on_false.kind, on_false.label.as_deref()),
        (EdgeKind::OnFalse, Some("false"))
    );
    assert_eq!(edge("Windows Command Shell", "OR").kind, EdgeKind::Effect);
    assert_eq!(edge("OR", "Data Encrypted").kind, EdgeKind::Effect);
    assert_eq!(
        edge("PowerShell", "Domain Controller").kind,
        EdgeKind::Asset
    );
    assert_eq!(
        edge("Web Server", "10.0.0.5").label.as_deref(),
        Some("object")
    );
    assert_eq!(edge("PowerShell", "PsExec").label.as_deref(), Some("uses"));
    let action = picture.node(&find("Mail")).unwrap();
    assert_eq!(action.kind, NodeKind::Action);
    assert_eq!(action.title, "T1566.001 · TA0001");
    assert_eq!(picture.node(&find("OR")).unwrap().kind, NodeKind::Operator);
    assert_eq!(picture.node(&find("PsExec")).unwrap().title, "tool");

    // DOT: quotes and backslashes escaped, the source's newline a space, the branches labelled.
    let dot_text = dot::write(&picture);
    assert!(dot_text.contains(r#"T1566.001 · TA0001\nMail \"Q3\" <b>#1</b> café ✓""#));
    assert!(dot_text.contains("shape=hexagon") && dot_text.contains("shape=circle"));
    assert_eq!(dot_text.matches("label=\"true\"").count(), 1);
    assert_eq!(dot_text.matches("label=\"false\"").count(), 1);
    assert_eq!(dot_text.matches(" -> ").count(), 10);
    // Mermaid: entity codes for what Mermaid reads itself.
    let mermaid_text = mermaid::write(&picture);
    assert!(mermaid_text.contains("Mail #quot;Q3#quot; #lt;b#gt;#35;1#lt;/b#gt; café ✓"));
    assert!(mermaid_text.contains("-->|\"true\"|") && mermaid_text.contains("-->|\"false\"|"));
    assert!(mermaid_text.contains("((\"OR\"))"));

    // Graphviz lays it out: every node and both branch labels are in the SVG.
    if has_dot() {
        let svg = dot::svg(&dot_text).unwrap();
        assert_eq!(svg.matches("class=\"node\"").count(), 10);
        assert_eq!(svg.matches("class=\"edge\"").count(), 10);
        assert!(svg.contains("Mail &quot;Q3&quot; &lt;b&gt;#1&lt;/b&gt; café ✓"));
        assert_eq!(svg.matches(">true</text>").count(), 1);
        assert_eq!(svg.matches(">false</text>").count(), 1);
    }
}

#[test]
fn an_overlap_draws_each_shared_entity_once_between_the_flows() {
    let store = fixtures();
    let graphs = select_flows(&store, &[]).unwrap();
    let picture = overlap_picture(&store, &graphs).unwrap();
    assert_eq!(picture.clusters.len(), 2);
    let shared: BTreeSet<(&str, &str)> = picture
        .shared
        .iter()
        .map(|n| (n.title.as_str(), n.text.as_str()))
        .collect();
    assert_eq!(
        shared,
        BTreeSet::from([
            ("shared asset kind", "domain controller"),
            ("shared software", "PsExec")
        ])
    );
    for node in &picture.shared {
        let from: BTreeSet<usize> = picture
            .edges
            .iter()
            .filter(|e| e.to == node.id)
            .map(|e| {
                assert_eq!(e.kind, EdgeKind::Shared);
                picture
                    .clusters
                    .iter()
                    .position(|c| c.nodes.iter().any(|n| n.id == e.from))
                    .unwrap()
            })
            .collect();
        assert_eq!(from, BTreeSet::from([0, 1]), "{}", node.text);
    }
    let dot_text = dot::write(&picture);
    assert_eq!(dot_text.matches("subgraph cluster_").count(), 3);
    if has_dot() {
        graphviz(&dot_text, "svg", "overlap");
    }
    let one = select_flows(&store, &["Render fixture: branches".into()]).unwrap();
    assert!(overlap_picture(&store, &one).is_err());
}

#[test]
fn the_matrix_counts_flows_per_technique_under_kill_chain_ordered_tactics() {
    let store = fixtures();
    let matrix = Matrix::build(&store, &[]).unwrap();
    assert_eq!(matrix.flows, 2);
    let columns: Vec<&str> = matrix.columns.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(columns, ["TA0001", "TA0002", "TA0008", "TA0040"]);
    let execution = &matrix.columns[1];
    assert_eq!(execution.name, "Execution");
    // T1059.001 in both flows (the second names no tactic: ATT&CK's tactic of T1059 is used),
    // T1059.003 in one; rolled up under T1059.
    let t1059 = &execution.cells[0];
    assert_eq!((t1059.id.as_str(), t1059.flows), ("T1059", 2));
    let subs: Vec<(&str, usize)> = t1059
        .subs
        .iter()
        .map(|s| (s.id.as_str(), s.flows))
        .collect();
    assert_eq!(subs, [("T1059.001", 2), ("T1059.003", 1)]);
    assert_eq!(t1059.name, "Command and Scripting Interpreter");
    let svg = matrix.svg();
    assert!(svg.starts_with("<?xml") && svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains(">Lateral Movement</text>") && svg.contains(">T1021</text>"));
    let html = matrix.html();
    assert!(html.contains("<td>T1059.003</td><td>Windows Command Shell</td>"));
    let one = select_flows(&store, &["Render fixture: lateral movement".into()]).unwrap();
    assert_eq!(Matrix::build(&store, &one).unwrap().flows, 1);
}

#[test]
fn the_command_draws_files_and_refuses_ambiguous_requests() {
    let dir = tempfile::tempdir().unwrap();
    let flowkg = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_flowkg"))
            .args(args)
            .output()
            .unwrap()
    };
    let branches = fixture("render-branches.json");
    let lateral = fixture("render-lateral.json");
    let (b, l) = (branches.to_str().unwrap(), lateral.to_str().unwrap());
    let out = flowkg(&["render", "-q", b, "--format", "mermaid"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("flowchart TB"));
    let out = flowkg(&["render", "-q", b, l]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--overlap"));
    let out = flowkg(&[
        "render",
        "-q",
        b,
        l,
        "--flow",
        "Render fixture: lateral movement",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("SMB/Windows Admin Shares"));
    let html = dir.path().join("m.html");
    let out = flowkg(&[
        "render",
        "-q",
        "--matrix",
        b,
        l,
        "-o",
        html.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );
    let out = flowkg(&["render", "-q", b, "--format", "html"]);
    assert_eq!(out.status.code(), Some(1));
    if has_dot() {
        let svg = dir.path().join("o.svg");
        let out = flowkg(&[
            "render",
            "-q",
            "--overlap",
            b,
            l,
            "-o",
            svg.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    }
}

// ---- the corpus -------------------------------------------------------------------------

/// Where the mermaid library is cached (`target/mermaid/`): fetched from the npm registry with
/// curl on first use and checked against the registry's integrity hash.
const MERMAID_VERSION: &str = "12.3.0";
const MERMAID_SHA512: &str = "e35d774dd5de2c0b0caee27bf4ea452f93bcf8b4c55e142a676eb4ac5ded8149a2340b519b852e99ed3823eeb93d137ac99ebd2787fcad56165bccd193ae5463";

fn mermaid_js() -> Option<PathBuf> {
    use sha2::Digest;
    // Tests run in parallel: one fetch at a time.
    static FETCH: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = FETCH
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = root().join("target/mermaid");
    let js = dir.join(format!("mermaid-{MERMAID_VERSION}.min.js"));
    if js.is_file() {
        return Some(js);
    }
    std::fs::create_dir_all(&dir).unwrap();
    let tgz = dir.join(format!("mermaid-{MERMAID_VERSION}.tgz"));
    let fetched = Command::new("curl")
        .args(["-sSfL", "--retry", "2", "-o"])
        .arg(&tgz)
        .arg(format!(
            "https://registry.npmjs.org/mermaid/-/mermaid-{MERMAID_VERSION}.tgz"
        ))
        .status()
        .is_ok_and(|s| s.success());
    if !fetched {
        assert!(
            std::env::var_os("CI").is_none(),
            "the mermaid library is required in CI"
        );
        eprintln!("skipped: cannot fetch mermaid");
        return None;
    }
    let bytes = std::fs::read(&tgz).unwrap();
    let digest: String = sha2::Sha512::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(digest, MERMAID_SHA512, "mermaid tarball integrity");
    let out = Command::new("tar")
        .arg("xzf")
        .arg(&tgz)
        .args(["-O", "package/dist/mermaid.min.js"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let partial = js.with_extension("partial");
    std::fs::write(&partial, out.stdout).unwrap();
    std::fs::rename(&partial, &js).unwrap();
    let _ = std::fs::remove_file(&tgz);
    Some(js)
}

/// Parses each diagram with `mermaid.parse` in headless Chromium; returns the failures.
fn mermaid_failures(diagrams: &[(String, String)]) -> Option<Vec<String>> {
    let js = mermaid_js()?;
    if !tool("chromium", "--version") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let data: Vec<serde_json::Value> = diagrams
        .iter()
        .map(|(name, text)| serde_json::json!({"name": name, "text": text}))
        .collect();
    let data = serde_json::to_string(&data).unwrap().replace("</", "<\\/");
    let page = dir.path().join("parse.html");
    std::fs::write(
        &page,
        format!(
            r#"<!DOCTYPE html><html><head><meta charset="utf-8"><script src="file://{js}"></script></head>
<body><pre id="out">pending</pre><script>
const diagrams = {data};
(async () => {{
  const failures = [];
  if (typeof mermaid === 'undefined') failures.push('mermaid did not load');
  else for (const d of diagrams) {{
    try {{ await mermaid.parse(d.text); }}
    catch (e) {{ failures.push(d.name + ': ' + String((e && e.message) || e)); }}
  }}
  document.getElementById('out').textContent = '@@RESULT@@' + JSON.stringify(failures) + '@@END@@';
}})();
</script></body></html>"#,
            js = js.display()
        ),
    )
    .unwrap();
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--allow-file-access-from-files",
            "--virtual-time-budget=60000",
            "--dump-dom",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom.find("@@RESULT@@").unwrap_or_else(|| {
        panic!(
            "the parse page did not finish: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    }) + "@@RESULT@@".len();
    let end = dom[start..].find("@@END@@").unwrap() + start;
    let json = dom[start..end]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    Some(serde_json::from_str(&json).unwrap())
}

#[test]
fn mermaid_parses_the_fixture_pictures_and_rejects_a_broken_one() {
    let store = fixtures();
    let graphs = select_flows(&store, &[]).unwrap();
    let mut diagrams: Vec<(String, String)> = graphs
        .iter()
        .map(|g| {
            let picture = flow_picture(&store, g.as_ref()).unwrap();
            (picture.title.clone(), mermaid::write(&picture))
        })
        .collect();
    diagrams.push((
        "overlap".into(),
        mermaid::write(&overlap_picture(&store, &graphs).unwrap()),
    ));
    // The check can fail: a label whose quote is not closed, a style for a missing edge.
    diagrams.push((
        "broken label".into(),
        "flowchart TB\n  a[\"say hi] --> b".into(),
    ));
    diagrams.push((
        "broken style".into(),
        "flowchart TB\n  a --> b\n  linkStyle 1 stroke:#f00".into(),
    ));
    let Some(failures) = mermaid_failures(&diagrams) else {
        return;
    };
    assert_eq!(failures.len(), 2, "{failures:#?}");
    assert!(failures[0].starts_with("broken label:"), "{failures:#?}");
    assert!(failures[1].starts_with("broken style:"), "{failures:#?}");

    // Mermaid lays the overlap out as a person would see it, labels decoded.
    let js = mermaid_js().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("draw.html");
    let text = serde_json::to_string(&diagrams[diagrams.len() - 3].1)
        .unwrap()
        .replace("</", "<\\/");
    std::fs::write(
        &page,
        format!(
            r#"<!DOCTYPE html><html><head><meta charset="utf-8"><script src="file://{js}"></script></head>
<body><div id="d">pending</div><script>
mermaid.initialize({{ startOnLoad: false }});
mermaid.render('g', {text}).then(r => {{ document.getElementById('d').innerHTML = r.svg; }})
  .catch(e => {{ document.getElementById('d').textContent = 'ERROR ' + e; }});
</script></body></html>"#,
            js = js.display()
        ),
    )
    .unwrap();
    let chromium = |args: &[String]| {
        let out = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--allow-file-access-from-files",
                "--hide-scrollbars",
                "--virtual-time-budget=20000",
                "--window-size=1400,1400",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("p").display()
            ))
            .args(args)
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let dom = chromium(&["--dump-dom".into()]);
    let drawn = dom.split_once("<div id=\"d\">").map_or("", |(_, rest)| {
        rest.split("</div><script>").next().unwrap_or("")
    });
    assert!(
        drawn.starts_with("<svg"),
        "mermaid drew nothing: {}",
        &drawn[..drawn.len().min(300)]
    );
    // The escaped label comes back as its text; both branch labels are drawn.
    assert!(drawn.contains("Mail \"Q3\" &lt;b&gt;#1&lt;/b&gt; café ✓"));
    assert!(drawn.contains("The macro runs &amp; the user is a"));
    assert!(drawn.contains(">true<") && drawn.contains(">false<"));
    let png = artefacts().join("render-mermaid-overlap.png");
    chromium(&[format!("--screenshot={}", png.display())]);
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(png_size(&bytes), (1400, 1400));
    assert!(
        bytes.len() > 60_000,
        "the drawing looks blank ({} bytes)",
        bytes.len()
    );
}

fn literal(term: Option<&Term>) -> String {
    match term {
        Some(Term::Literal(l)) => l.value().to_owned(),
        Some(Term::NamedNode(n)) => n.as_str().to_owned(),
        _ => String::new(),
    }
}

#[test]
fn every_corpus_flow_draws_as_valid_dot_and_mermaid() {
    let Some(corpus) = corpus() else { return };
    let store = load(&[corpus]);
    let graphs = select_flows(&store, &[]).unwrap();
    assert!(graphs.len() > 130, "{} flows", graphs.len());
    let dot_ok = has_dot();
    let mut diagrams = Vec::new();
    let mut nodes = 0;
    for graph in &graphs {
        let picture = flow_picture(&store, graph.as_ref()).unwrap();
        nodes += picture.nodes().count();
        let name = format!("{} <{}>", picture.title, graph.as_str());
        if dot_ok {
            graphviz(&dot::write(&picture), "svg", &name);
        }
        diagrams.push((name, mermaid::write(&picture)));
    }
    // Every action, asset, condition and operator of the corpus is a node of its picture.
    let (_, rows) = select(
        store.store(),
        "SELECT (COUNT(DISTINCT ?n) AS ?c) WHERE { GRAPH ?g { ?g a af:Flow . ?n a ?k VALUES ?k { af:Action af:Asset af:Condition af:Operator } } }",
    )
    .unwrap();
    let attack_nodes: usize = literal(rows[0][0].as_ref()).parse().unwrap();
    assert!(nodes >= attack_nodes, "{nodes} < {attack_nodes}");
    let matrix = Matrix::build(&store, &[]).unwrap();
    assert_eq!(matrix.flows, graphs.len());
    if let Some(failures) = mermaid_failures(&diagrams) {
        assert!(failures.is_empty(), "{failures:#?}");
    }
}

/// The asset kinds both flows' assets are occurrences of, by SPARQL on the graph.
fn shared_asset_kinds(store: &FlowStore, a: &str, b: &str) -> BTreeSet<String> {
    let (_, rows) = select(
        store.store(),
        &format!(
            "SELECT DISTINCT ?kind WHERE {{
               GRAPH ?f {{ ?f af:name {a} . ?x a af:Asset ; af:assetKind ?kind }}
               GRAPH ?g {{ ?g af:name {b} . ?y a af:Asset ; af:assetKind ?kind }} }}",
            a = oxigraph::model::Literal::new_simple_literal(a),
            b = oxigraph::model::Literal::new_simple_literal(b),
        ),
    )
    .unwrap();
    rows.iter().map(|r| literal(r[0].as_ref())).collect()
}

#[test]
fn the_conti_overlap_shows_their_shared_assets_and_rasterises() {
    let Some(corpus) = corpus() else { return };
    let afb = corpus.join("attack-flow-v2/afb");
    let store = load(&[afb.join("Conti PWC.afb"), afb.join("Conti CISA Alert.afb")]);
    let names = ["Conti PWC", "Conti CISA Alert"];
    let graphs = select_flows(&store, &names.map(String::from)).unwrap();
    let picture = overlap_picture(&store, &graphs).unwrap();
    assert_eq!(
        picture
            .clusters
            .iter()
            .map(|c| c.name.as_str())
            .collect::<Vec<_>>(),
        names
    );
    // The assets' kinds both flows share, found by query: encrypted data and exfiltrated
    // data (measured on the public corpus). Not workstations: CISA's "User of Patient Zero
    // workstation" is the user, PWC's "Patient Zero Workstation" the machine.
    let kinds = shared_asset_kinds(&store, names[0], names[1]);
    let expected: BTreeSet<String> = ["encrypted-data", "exfiltrated-data"]
        .iter()
        .map(|k| format!("https://w3id.org/flowkg/ns/asset-kind/{k}"))
        .collect();
    assert_eq!(kinds, expected);
    for kind in &kinds {
        let drawn: Vec<_> = picture.shared.iter().filter(|n| &n.iri == kind).collect();
        assert_eq!(drawn.len(), 1, "{kind} drawn once");
        let node = drawn[0];
        // Joined to an asset in each flow's cluster.
        for cluster in &picture.clusters {
            assert!(
                picture.edges.iter().any(|e| e.to == node.id
                    && cluster
                        .nodes
                        .iter()
                        .any(|n| n.id == e.from && n.kind == NodeKind::Asset)),
                "{kind} not joined to an asset of {}",
                cluster.name
            );
        }
    }
    let labels: BTreeSet<&str> = picture.shared.iter().map(|n| n.text.as_str()).collect();
    assert!(
        ["encrypted data", "exfiltrated data"]
            .iter()
            .all(|l| labels.contains(l)),
        "{labels:?}"
    );
    if !has_dot() {
        return;
    }
    // Rasterised for a person to look at; checked here for size and content.
    let dot_text = dot::write(&picture);
    let svg = String::from_utf8(graphviz(&dot_text, "svg", "overlap")).unwrap();
    let png = graphviz(&dot_text, "png", "overlap");
    std::fs::write(artefacts().join("render-conti-overlap.png"), &png).unwrap();
    let (w, h) = png_size(&png);
    let (sw, sh) = svg_size(&svg);
    // Graphviz draws PNGs at 96 dpi, SVGs in points (72 per inch).
    assert!(
        (f64::from(w) - sw * 96.0 / 72.0).abs() < 3.0,
        "{w} vs {sw}pt"
    );
    assert!(
        (f64::from(h) - sh * 96.0 / 72.0).abs() < 3.0,
        "{h} vs {sh}pt"
    );
    assert!(w > 1000 && h > 1000, "{w}x{h}");
    assert!(
        png.len() > 200_000,
        "the picture looks blank ({} bytes)",
        png.len()
    );
    let one = flow_picture(&store, graphs[0].as_ref()).unwrap();
    let png = graphviz(&dot::write(&one), "png", "Conti PWC");
    std::fs::write(artefacts().join("render-conti-pwc.png"), &png).unwrap();
    assert!(png.len() > 50_000);
}

#[test]
fn the_corpus_matrix_rasterises_in_chromium() {
    let Some(corpus) = corpus() else { return };
    if !tool("chromium", "--version") {
        return;
    }
    let store = load(&[corpus.join("attack-flow-v2/afb")]);
    let svg = render(&store, &RenderOptions::new(Format::Svg).with_matrix()).unwrap();
    let (width, height) = svg_size(&svg);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("matrix.svg");
    std::fs::write(&file, &svg).unwrap();
    let png = artefacts().join("render-matrix.png");
    let _ = std::fs::remove_file(&png);
    // The first columns at their natural size, as a person opening the file sees them.
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--window-size=1600,1000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("p").display()
        ))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(png_size(&bytes), (1600, 1000));
    assert!(width > 1600.0 && height > 500.0, "{width}x{height}");
    // A blank page is a few kB; coloured cells and text make it far larger.
    assert!(
        bytes.len() > 100_000,
        "the matrix looks blank ({} bytes)",
        bytes.len()
    );
}

//! `flowkg publish`: every term of `ontology/af.ttl` and `namespaces/attack.ttl` has its
//! anchor on the published HTML; every document parses back; content negotiation answers as
//! the W3C recipes say; the page renders in headless Chromium (screenshot kept in
//! `target/test-artefacts/`).

mod common;

use common::{examples, load};
use flowkg::publish::conneg::{Body, negotiate};
use flowkg::publish::{Site, usage_counts};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedOrBlankNode, Triple};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn parse(path: &Path, format: RdfFormat) -> Vec<Triple> {
    let bytes = std::fs::read(path).unwrap();
    RdfParser::from_format(format)
        .for_slice(&bytes)
        .map(|q| q.map(Triple::from))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The IRIs a source file defines (its subjects), read independently of the publisher.
fn subjects(path: &Path) -> Vec<String> {
    let mut iris: Vec<String> = parse(path, RdfFormat::Turtle)
        .into_iter()
        .filter_map(|t| match t.subject {
            NamedOrBlankNode::NamedNode(n) => Some(n.into_string()),
            NamedOrBlankNode::BlankNode(_) => None,
        })
        .collect();
    iris.sort();
    iris.dedup();
    iris
}

fn published() -> (tempfile::TempDir, Site) {
    let site = Site::built_in().unwrap();
    let dir = tempfile::tempdir().unwrap();
    site.write(dir.path(), Some("https://flowkg.example.org/vocab/"))
        .unwrap();
    (dir, site)
}

#[test]
fn every_term_of_the_ontology_and_the_namespace_has_its_anchor() {
    let (dir, _) = published();
    let mut checked = 0;
    let sources = [
        ("ontology/af.ttl", "https://w3id.org/flowkg/af#"),
        ("namespaces/attack.ttl", "https://w3id.org/flowkg/ns/"),
    ];
    for (source, base) in sources {
        for iri in subjects(&root().join(source)) {
            let Some(rest) = iri.strip_prefix(base) else {
                continue;
            };
            // af#Action → af/{version}/af.html#Action; ns/atlas/AML.T0000 → ns/atlas/...
            let (page, local) = match base.ends_with('#') {
                true => ("af", rest),
                false => match rest.split_once('/') {
                    Some((page, local)) if !local.is_empty() => (page, local),
                    _ => continue,
                },
            };
            if local.is_empty() {
                continue;
            }
            for version in ["current", if page == "af" { "0.1.0" } else { "19.1" }] {
                let folder = if page == "af" {
                    "af".to_owned()
                } else {
                    format!("ns/{page}")
                };
                let html = std::fs::read_to_string(
                    dir.path().join(format!("{folder}/{version}/{page}.html")),
                )
                .unwrap();
                let anchor = format!("id=\"{local}\"");
                assert!(html.contains(&anchor), "{iri}: no {anchor} on {page}.html");
            }
            checked += 1;
        }
    }
    // af.ttl: ~100 terms; attack.ttl: 1,800 tactics and techniques of four frameworks.
    assert!(checked > 1800, "only {checked} terms checked");
}

#[test]
fn every_published_document_parses_back_to_the_same_triples() {
    let (dir, site) = published();
    for vocabulary in &site.vocabularies {
        let turtle = parse(
            &dir.path().join(format!(
                "{}/current/{}.ttl",
                vocabulary.folder, vocabulary.name
            )),
            RdfFormat::Turtle,
        );
        assert_eq!(turtle.len(), vocabulary.triples.len());
        for (extension, format) in [
            ("rdf", RdfFormat::RdfXml),
            ("nt", RdfFormat::NTriples),
            ("jsonld", flowkg::export::parse_format("jsonld").unwrap()),
        ] {
            let path = dir.path().join(format!(
                "{}/{}/{}.{extension}",
                vocabulary.folder, vocabulary.version, vocabulary.name
            ));
            assert_eq!(
                parse(&path, format).len(),
                turtle.len(),
                "{}",
                path.display()
            );
        }
    }
}

fn location(site: &Site, path: &str, accept: Option<&str>) -> (u16, String) {
    let response = negotiate(site, path, accept);
    let location = response.header("Location").unwrap_or_default().to_owned();
    (response.status, location)
}

#[test]
fn content_negotiation_answers_as_the_recipes_say() {
    let (dir, site) = published();
    let html = Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
    let turtle = Some("text/turtle");
    // A technique of the slash namespace: 303 to the document, or to its anchor on the page.
    assert_eq!(
        location(&site, "/ns/attack/T1059.001", turtle),
        (303, "/flowkg/ns/attack/19.1/attack.ttl".into())
    );
    assert_eq!(
        location(&site, "/ns/attack/T1059.001", html),
        (303, "/flowkg/ns/attack/19.1/attack.html#T1059.001".into())
    );
    assert_eq!(
        location(&site, "/ns/atlas/AML.T0051", html),
        (303, "/flowkg/ns/atlas/19.1/atlas.html#AML.T0051".into())
    );
    // No Accept header: RDF (RDF/XML, the recipes' default).
    assert_eq!(
        location(&site, "/ns/attack/T1059.001", None),
        (303, "/flowkg/ns/attack/19.1/attack.rdf".into())
    );
    // The hash namespace: the vocabulary IRI (the browser drops #Action) is negotiated too.
    assert_eq!(
        location(&site, "/af", html),
        (303, "/flowkg/af/0.1.0/af.html".into())
    );
    assert_eq!(
        location(&site, "/af", turtle),
        (303, "/flowkg/af/0.1.0/af.ttl".into())
    );
    assert_eq!(
        location(&site, "/af", Some("application/ld+json")),
        (303, "/flowkg/af/0.1.0/af.jsonld".into())
    );
    // A type nobody offers: 406, listing what is available.
    let refused = negotiate(&site, "/af", Some("image/png"));
    assert_eq!(refused.status, 406);
    assert!(matches!(&refused.body, Body::Text(t) if t.contains("text/turtle")));
    assert_eq!(
        negotiate(&site, "/ns/attack/T1059.001", Some("image/png")).status,
        406
    );
    // Not a term: 404, whatever the Accept header.
    assert_eq!(negotiate(&site, "/ns/attack/T9999.999", turtle).status, 404);
    // Where the 303 leads: a published file, served as itself.
    for (path, media_type) in [
        ("/flowkg/af/0.1.0/af.ttl", "text/turtle"),
        ("/flowkg/ns/attack/19.1/attack.html", "text/html"),
        ("/flowkg/af/current/af.rdf", "application/rdf+xml"),
    ] {
        let path = path.trim_start_matches("/flowkg/");
        let response = negotiate(&site, path, Some("image/png"));
        assert_eq!(response.status, 200, "{path}");
        assert!(
            response
                .header("Content-Type")
                .unwrap()
                .starts_with(media_type)
        );
        let Body::File(file) = &response.body else {
            panic!("{path}: no file")
        };
        assert!(dir.path().join(file).is_file(), "{file} was not written");
    }
}

#[test]
fn htaccess_has_the_recipes_rules() {
    let (dir, _) = published();
    let rules = std::fs::read_to_string(dir.path().join(".htaccess")).unwrap();
    for rule in [
        "RewriteRule ^af/?$ af/0.1.0/af.html [R=303,L]",
        "RewriteRule ^af/?$ af/0.1.0/af.ttl [R=303,L]",
        "RewriteRule ^af/?$ - [R=406,L]",
        "RewriteRule ^ns/attack/([^/]+)$ ns/attack/19.1/attack.html#$1 [R=303,NE,L]",
        "RewriteRule ^ns/attack/([^/]+)$ ns/attack/19.1/attack.rdf [R=303,L]",
        "RewriteCond %{HTTP_ACCEPT} ^$ [OR]",
        "AddType text/turtle .ttl",
    ] {
        assert!(rules.contains(rule), "missing: {rule}");
    }
    let w3id = std::fs::read_to_string(dir.path().join("w3id/.htaccess")).unwrap();
    assert!(
        w3id.contains(
            "RewriteRule ^af/?$ https://flowkg.example.org/vocab/af/0.1.0/af.ttl [R=303,L]"
        )
    );
    let readme = std::fs::read_to_string(dir.path().join("w3id/README.md")).unwrap();
    assert!(readme.contains("perma-id/w3id.org"));
    assert!(readme.contains("`https://w3id.org/flowkg/ns/attack/`"));
}

#[test]
fn usage_counts_come_from_the_loaded_flows() {
    let store = load(&[examples()]);
    let site = Site::built_in().unwrap();
    let usage = usage_counts(store.store(), &site).unwrap();
    let actions = common::instances(&store, "af:Action");
    assert!(actions > 0);
    assert_eq!(usage["https://w3id.org/flowkg/af#Action"], actions as u64);
    let uses = common::count(
        &store,
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?a af:technique <https://w3id.org/flowkg/ns/attack/T1059.001> } }",
    );
    assert_eq!(
        usage
            .get("https://w3id.org/flowkg/ns/attack/T1059.001")
            .copied()
            .unwrap_or(0),
        uses as u64
    );
    let dir = tempfile::tempdir().unwrap();
    site.with_usage(usage).write(dir.path(), None).unwrap();
    let html = std::fs::read_to_string(dir.path().join("af/current/af.html")).unwrap();
    let action = &html[html.find("id=\"Action\"").unwrap()..];
    let action = &action[..action.find("</section>").unwrap()];
    assert!(action.contains(&format!("<dd class=\"usage\">{actions}</dd>")));
}

/// Debian's Chromium; missing: skip locally, fail in CI.
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none() && std::env::var_os("FLOWKG_REQUIRE_CORPUS").is_none(),
            "chromium is required in CI"
        );
        eprintln!("skipped: no chromium");
    }
    found.map(PathBuf::from)
}

fn headless(chromium: &Path, profile: &Path) -> Command {
    let mut command = Command::new(chromium);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command
}

#[test]
fn the_html_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else { return };
    let (dir, _) = published();
    let profile = tempfile::tempdir().unwrap();
    let artefacts = root().join("target/test-artefacts");
    std::fs::create_dir_all(&artefacts).unwrap();
    let page = dir.path().join("af/0.1.0/af.html");
    let png = artefacts.join("publish-af.png");
    let _ = std::fs::remove_file(&png);
    let shot = headless(&chromium, profile.path())
        .args(["--window-size=1280,1600", "--virtual-time-budget=5000"])
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        shot.status.success(),
        "{}",
        String::from_utf8_lossy(&shot.stderr)
    );
    // A blank page is ~9 kB at this size; rendered text makes it far larger.
    let size = std::fs::metadata(&png).unwrap().len();
    assert!(size > 50_000, "the screenshot looks blank ({size} bytes)");
    // The DOM Chromium built has the term anchors (the attack page: ~2,000 sections).
    let attack = dir.path().join("ns/attack/19.1/attack.html");
    let dom = headless(&chromium, profile.path())
        .arg("--dump-dom")
        .arg(format!("file://{}", attack.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    for anchor in ["id=\"T1059.001\"", "id=\"TA0002\"", "id=\"T1566\""] {
        assert!(dom.contains(anchor), "{anchor} not in the rendered DOM");
    }
}

#[test]
fn the_publish_command_writes_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let output = Command::new(env!("CARGO_BIN_EXE_flowkg"))
        .args(["publish", "--out"])
        .arg(&site)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for file in [
        "index.html",
        ".htaccess",
        "w3id/README.md",
        "af/0.1.0/af.ttl",
        "af/current/af.jsonld",
        "ns/attack/19.1/attack.rdf",
        "ns/attack/current/attack.html",
        "ns/d3fend/19.1/d3fend.html",
    ] {
        assert!(site.join(file).is_file(), "{file} missing");
    }
    // Without --site-url there is nothing to redirect to: no w3id rules.
    assert!(!site.join("w3id/.htaccess").exists());
    // Without --store there are no usage counts.
    let html = std::fs::read_to_string(site.join("af/current/af.html")).unwrap();
    assert!(!html.contains("class=\"usage\""));
}

//! The OWL 2 DL view (`flowkg export --owl`): what it rewrites, and that real OWL tools accept
//! it — the OWL API's OWL 2 DL profile checker and HermiT (the jar inside owlready2), and
//! owlready2 with its HermiT — for the ontology, the shared namespace and the exported corpus,
//! while they reject the regular export of the same data.

mod common;

use common::{corpus, examples, fixture};
use flowkg::export::owl::{self, OwlOptions};
use flowkg::export::{QuadWriter, parse_format};
use flowkg::pipeline::{Inputs, Outcome};
use flowkg::read::discover;
use flowkg::vocab::{af, ns};
use flowkg::{MapOptions, ReadOptions};
use oxigraph::io::RdfFormat;
use oxigraph::model::vocab::rdf;
use oxigraph::model::{GraphName, NamedOrBlankNode, Quad, Term, Triple};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const OWL_ANNOTATION_PROPERTY: &str = "http://www.w3.org/2002/07/owl#AnnotationProperty";

fn mapped(paths: &[PathBuf]) -> Vec<Quad> {
    let (read, map) = (ReadOptions::new(), MapOptions::new());
    let mut quads = Vec::new();
    for outcome in Inputs::new(discover(paths).unwrap(), &read, &map) {
        match outcome {
            Outcome::Mapped { mapped, .. } => quads.extend(mapped.quads),
            Outcome::Skipped { .. } => {}
            Outcome::Failed { path, error } => panic!("{}: {error}", path.display()),
        }
    }
    quads
}

fn is_reserved_value(term: &Term) -> bool {
    matches!(term, Term::NamedNode(n)
        if n.as_ref() == af::NULL || n.as_ref() == rdf::NIL
            || n.as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#Seq")
}

/// What every OWL view must satisfy, checked without any tool.
fn assert_owl_shape(quads: &[Quad], view: &[Triple]) {
    let declared: HashSet<&str> = view
        .iter()
        .filter(|t| t.predicate == rdf::TYPE)
        .filter(
            |t| matches!(&t.object, Term::NamedNode(o) if o.as_str() == OWL_ANNOTATION_PROPERTY),
        )
        .filter_map(|t| match &t.subject {
            NamedOrBlankNode::NamedNode(s) => Some(s.as_str()),
            NamedOrBlankNode::BlankNode(_) => None,
        })
        .collect();
    for t in view {
        assert!(
            matches!(t.subject, NamedOrBlankNode::NamedNode(_)),
            "blank node in {t}"
        );
        assert!(!matches!(t.object, Term::BlankNode(_)), "blank node in {t}");
        assert!(!is_reserved_value(&t.object), "reserved value in {t}");
        let p = t.predicate.as_str();
        assert!(
            !p.starts_with("http://www.w3.org/1999/02/22-rdf-syntax-ns#_"),
            "container membership property in {t}"
        );
        if p.starts_with(ns::PROP) || p.starts_with(ns::ITEM) {
            assert!(declared.contains(p), "{p} is used but not declared");
        }
    }
    // Nothing is dropped: every distinct mapped triple has exactly one counterpart.
    let distinct: HashSet<Triple> = quads.iter().map(|q| Triple::from(q.clone())).collect();
    let header = view
        .iter()
        .filter(|t| {
            (t.predicate.as_str().starts_with("http://www.w3.org/2002/07/owl#")
                && t.predicate.as_str() != "http://www.w3.org/2002/07/owl#sameAs")
                || (t.predicate == rdf::TYPE
                    && matches!(&t.object, Term::NamedNode(o) if o.as_str().starts_with("http://www.w3.org/2002/07/owl#")))
                || t.predicate.as_str() == "http://www.w3.org/2000/01/rdf-schema#label"
                    && matches!(&t.subject, NamedOrBlankNode::NamedNode(s) if s.as_str().starts_with("urn:flowkg:owl/"))
        })
        .count();
    assert_eq!(view.len() - header, distinct.len());
}

#[test]
fn the_owl_view_rewrites_what_owl_tools_reject_and_keeps_the_rest() {
    let quads = mapped(&[fixture("owl-misfit.json")]);
    // The regular export keeps the JSON values as they are.
    assert!(quads.iter().any(|q| is_reserved_value(&q.object)));
    let view = owl::owl_document(&quads, &OwlOptions::new()).unwrap();
    assert_owl_shape(&quads, &view);
    let has = |p: &str, o: &str| {
        view.iter().any(|t| {
            t.predicate.as_str() == p
                && match &t.object {
                    Term::NamedNode(n) => n.as_str() == o,
                    Term::Literal(l) => l.value() == o,
                    Term::BlankNode(_) => false,
                }
        })
    };
    let af = |local: &str| format!("{}{local}", ns::AF);
    let prop = |local: &str| format!("{}{local}", ns::PROP);
    assert!(has(&af("nullFor"), &af("description")));
    assert!(has(&af("emptyFor"), &af("effect")));
    assert!(has(&af("emptyFor"), &prop("x_empty")));
    // A created value that is no xsd:dateTime leaves af:created (range xsd:dateTime).
    assert!(has(&prop("created"), "yesterday"));
    assert!(!has(&af("created"), "yesterday"));
    assert!(has(&format!("{}_2", ns::ITEM), "Alice"));
    assert!(has(
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
        &af("Sequence")
    ));
    let imports: Vec<String> = view
        .iter()
        .filter(|t| t.predicate.as_str() == "http://www.w3.org/2002/07/owl#imports")
        .map(|t| t.object.to_string())
        .collect();
    let expected: Vec<String> = std::iter::once("<https://w3id.org/flowkg/af>".to_owned())
        .chain(
            flowkg::namespaces::BUILT_IN
                .iter()
                .map(|n| format!("<{}>", owl::namespace_ontology_iri(n))),
        )
        .collect();
    assert_eq!(imports, expected);
}

#[test]
fn the_owl_view_of_the_examples_and_corpus_has_no_reserved_values() {
    let mut paths = vec![examples()];
    paths.extend(corpus());
    let quads = mapped(&paths);
    let view = owl::owl_document(&quads, &OwlOptions::new()).unwrap();
    assert_owl_shape(&quads, &view);
}

#[test]
fn the_namespace_module_declares_what_it_uses_and_imports_af() {
    let module = owl::namespace_ontology(&flowkg::namespaces::BUILT_IN[0]).unwrap();
    let subject_is = |t: &Triple, iri: &str| matches!(&t.subject, NamedOrBlankNode::NamedNode(s) if s.as_str() == iri);
    for iri in [
        "http://www.w3.org/2004/02/skos/core#prefLabel",
        "http://www.w3.org/2004/02/skos/core#inScheme",
        "http://www.w3.org/2004/02/skos/core#Concept",
    ] {
        assert!(
            module
                .iter()
                .any(|t| subject_is(t, iri) && t.predicate == rdf::TYPE),
            "{iri} is not declared"
        );
    }
    assert!(module.iter().any(|t| {
        subject_is(t, "https://w3id.org/flowkg/ns/attack")
            && t.object.to_string() == "<https://w3id.org/flowkg/af>"
    }));
}

/// The Python of the venv with owlready2 (`FLOWKG_PYTHON`, or `target/flowkg-venv`), and
/// owlready2's folder, which holds the OWL API + HermiT jar. Missing: skip locally, fail in CI.
fn owl_tools() -> Option<(PathBuf, PathBuf)> {
    let python = std::env::var_os("FLOWKG_PYTHON").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/flowkg-venv/bin/python"),
        PathBuf::from,
    );
    let found = Command::new(&python)
        .args([
            "-c",
            "import owlready2, os; print(os.path.dirname(owlready2.__file__))",
        ])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let java = Command::new("java").arg("-version").output().is_ok();
    match found {
        Some(dir) if java => Some((python, dir)),
        _ => {
            assert!(
                std::env::var_os("CI").is_none()
                    && std::env::var_os("FLOWKG_REQUIRE_CORPUS").is_none(),
                "owlready2 (at {}) and java are required in CI",
                python.display()
            );
            eprintln!("skipped: no owlready2 at {} or no java", python.display());
            None
        }
    }
}

/// Runs the OWL API + HermiT checker; returns whether it passed, and its report.
fn owl_api_check(owlready: &Path, dir: &Path, extension: &str, files: &[&str]) -> (bool, String) {
    let hermit = owlready.join("hermit");
    let classpath = format!(
        "{}:{}",
        hermit.join("HermiT.jar").display(),
        hermit.display()
    );
    let checker = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/owl/OwlCheck.java");
    let mut command = Command::new("java");
    command.current_dir(dir).args(["-Xmx2g", "-cp", &classpath]);
    command.arg(checker);
    let modules = std::iter::once(("https://w3id.org/flowkg/af".to_owned(), "af")).chain(
        flowkg::namespaces::BUILT_IN
            .iter()
            .map(|n| (owl::namespace_ontology_iri(n), n.name)),
    );
    for (iri, stem) in modules {
        command.arg("--map").arg(format!(
            "{iri}={}",
            dir.join(format!("{stem}.{extension}")).display()
        ));
    }
    command.args(files);
    let output = command.output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    eprintln!("{report}");
    (output.status.success(), report)
}

fn owlready_check(python: &Path, dir: &Path, files: &[&str]) -> (bool, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/owl/owlready_check.py");
    let output = Command::new(python)
        .arg(script)
        .arg(dir)
        .args(files.iter().map(|f| dir.join(f)))
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    eprintln!("{report}");
    (output.status.success(), report)
}

fn write_view(quads: &[Quad], format: RdfFormat, path: &Path) {
    let view = owl::owl_document(quads, &OwlOptions::new()).unwrap();
    owl::write_owl_files(&view, format, path).unwrap();
}

#[test]
fn owl_tools_accept_the_ontology_and_the_owl_view_of_the_corpus() {
    let Some((python, owlready)) = owl_tools() else {
        return;
    };
    let mut paths = vec![examples(), fixture("owl-misfit.json")];
    paths.extend(corpus());
    let quads = mapped(&paths);
    let dir = tempfile::tempdir().unwrap();
    write_view(&quads, RdfFormat::RdfXml, &dir.path().join("flows.owl"));
    let mut files: Vec<String> = vec!["af.owl".into()];
    files.extend(
        flowkg::namespaces::BUILT_IN
            .iter()
            .map(|n| format!("{}.owl", n.name)),
    );
    files.push("flows.owl".into());
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let (ok, report) = owl_api_check(&owlready, dir.path(), "owl", &files);
    assert!(ok, "OWL API / HermiT rejected the OWL view:\n{report}");
    assert_eq!(report.matches("in profile").count(), files.len());
    assert_eq!(report.matches("HermiT: consistent").count(), files.len());
    let (ok, report) = owlready_check(&python, dir.path(), &["af.owl", "flows.owl"]);
    assert!(ok, "owlready2 rejected the OWL view:\n{report}");
}

#[test]
fn owl_tools_read_the_turtle_view_that_protege_opens() {
    let Some((_, owlready)) = owl_tools() else {
        return;
    };
    let quads = mapped(&[fixture("owl-misfit.json"), examples()]);
    let dir = tempfile::tempdir().unwrap();
    write_view(&quads, RdfFormat::Turtle, &dir.path().join("flows.ttl"));
    let catalog = std::fs::read_to_string(dir.path().join("catalog-v001.xml")).unwrap();
    assert!(catalog.contains("name=\"https://w3id.org/flowkg/af\" uri=\"af.ttl\""));
    let (ok, report) = owl_api_check(&owlready, dir.path(), "ttl", &["flows.ttl"]);
    assert!(ok, "OWL API / HermiT rejected the Turtle view:\n{report}");
}

#[test]
fn owl_tools_reject_the_regular_export_of_the_same_data() {
    let Some((python, owlready)) = owl_tools() else {
        return;
    };
    // The regular export of the fixture, in one document with the ontology: the checkers
    // must fail on it, or they would prove nothing about the view.
    let mut quads: Vec<Quad> = mapped(&[fixture("owl-misfit.json")])
        .into_iter()
        .map(|q| Quad::new(q.subject, q.predicate, q.object, GraphName::DefaultGraph))
        .collect();
    quads.extend(
        owl::af_ontology()
            .unwrap()
            .into_iter()
            .map(|t| t.in_graph(GraphName::DefaultGraph)),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = std::fs::File::create(dir.path().join("raw.owl")).unwrap();
    let mut writer = QuadWriter::new(parse_format("rdfxml").unwrap(), file);
    writer.write_all(&quads).unwrap();
    writer.finish().unwrap();
    let (ok, report) = owl_api_check(&owlready, dir.path(), "owl", &["raw.owl"]);
    assert!(!ok, "the OWL API accepted the regular export:\n{report}");
    assert!(report.contains("violations"), "{report}");
    assert!(report.contains("HermiT: INCONSISTENT"), "{report}");
    let (ok, report) = owlready_check(&python, dir.path(), &["raw.owl"]);
    assert!(!ok, "owlready2 accepted the regular export:\n{report}");
    assert!(report.contains("INCONSISTENT"), "{report}");
}

#[test]
fn export_owl_writes_the_view_its_imports_and_a_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("kg");
    let flowkg = |args: &[&std::ffi::OsStr]| {
        let output = Command::new(env!("CARGO_BIN_EXE_flowkg"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    };
    let misfit = fixture("owl-misfit.json");
    flowkg(&[
        "load".as_ref(),
        misfit.as_os_str(),
        "--store".as_ref(),
        store.as_os_str(),
        "-q".as_ref(),
    ]);
    // From a store, which also holds the namespace graphs: those are imported, not copied.
    let out = dir.path().join("owl/flows.ttl");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    flowkg(&[
        "export".as_ref(),
        "--owl".as_ref(),
        "--store".as_ref(),
        store.as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
        "-q".as_ref(),
    ]);
    for file in ["flows.ttl", "af.ttl", "attack.ttl", "catalog-v001.xml"] {
        assert!(
            dir.path().join("owl").join(file).is_file(),
            "{file} missing"
        );
    }
    let view = std::fs::read_to_string(&out).unwrap();
    assert!(view.contains("owl:imports <https://w3id.org/flowkg/af>"));
    assert!(view.contains("af:nullFor af:description"));
    assert!(
        !view.contains("skos:prefLabel"),
        "namespace triples copied into the view"
    );
    // Standard output, RDF/XML; the formats OWL tools do not read are refused.
    let stdout = flowkg(&[
        "export".as_ref(),
        "--owl".as_ref(),
        "--format".as_ref(),
        "rdfxml".as_ref(),
        misfit.as_os_str(),
        "-q".as_ref(),
    ]);
    assert!(String::from_utf8_lossy(&stdout.stdout).contains("<owl:Ontology"));
    let refused = Command::new(env!("CARGO_BIN_EXE_flowkg"))
        .args(["export", "--owl", "--format", "nquads"])
        .arg(&misfit)
        .output()
        .unwrap();
    assert!(!refused.status.success());
}

fn alignment_modules() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("ontology/align"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "ttl"))
            .collect();
    files.sort();
    files
}

#[test]
fn alignment_modules_import_the_core_and_name_only_its_terms() {
    let declared: HashSet<String> = owl::af_ontology()
        .unwrap()
        .into_iter()
        .filter(|t| t.predicate == rdf::TYPE)
        .map(|t| t.subject.to_string())
        .collect();
    let modules = alignment_modules();
    assert!(modules.len() >= 3);
    for path in modules {
        let text = std::fs::read_to_string(&path).unwrap();
        let triples: Vec<Triple> = oxigraph::io::RdfParser::from_format(RdfFormat::Turtle)
            .for_slice(text.as_bytes())
            .map(|q| Triple::from(q.unwrap()))
            .collect();
        assert!(
            triples.iter().any(
                |t| t.predicate.as_str() == "http://www.w3.org/2002/07/owl#imports"
                    && t.object.to_string() == "<https://w3id.org/flowkg/af>"
            ),
            "{} does not import the core",
            path.display()
        );
        for t in &triples {
            for term in [t.subject.to_string(), t.object.to_string()] {
                if term.starts_with(&format!("<{}", ns::AF)) {
                    assert!(
                        declared.contains(&term),
                        "{}: {term} is no af: term",
                        path.display()
                    );
                }
            }
            // Equivalence is for equal meaning only: no af: term is equivalent to anything
            // (the STIX module only equates two spellings of the same OASIS class).
            if t.predicate.as_str().ends_with("#equivalentClass") {
                for term in [t.subject.to_string(), t.object.to_string()] {
                    assert!(!term.starts_with(&format!("<{}", ns::AF)), "{t}");
                }
            }
        }
    }
}

#[test]
fn owl_tools_accept_the_alignment_modules() {
    let Some((_, owlready)) = owl_tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("af.ttl"), owl::AF_TURTLE).unwrap();
    let mut names = Vec::new();
    for path in alignment_modules() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::copy(&path, dir.path().join(&name)).unwrap();
        names.push(name);
    }
    let files: Vec<&str> = names.iter().map(String::as_str).collect();
    let (ok, report) = owl_api_check(&owlready, dir.path(), "ttl", &files);
    assert!(
        ok,
        "OWL API / HermiT rejected an alignment module:\n{report}"
    );
    assert_eq!(report.matches("in profile").count(), files.len());
}

#[test]
fn every_term_file_parses_in_rdflib() {
    let Some((python, _)) = owl_tools() else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![
        root.join("ontology/af.ttl"),
        root.join("ontology/shapes.ttl"),
        root.join("namespaces/attack.ttl"),
        root.join("namespaces/asset-kinds.ttl"),
        root.join("namespaces/states.ttl"),
        root.join("namespaces/software.ttl"),
    ];
    files.extend(alignment_modules());
    let script = "import sys, rdflib\nfor path in sys.argv[1:]:\n    g = rdflib.Graph().parse(path, format='turtle')\n    print(len(g), path)\n";
    let output = Command::new(python)
        .args(["-c", script])
        .args(&files)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{report}");
    // Each file gave a count of distinct triples that agrees with Oxigraph's parser.
    for (line, path) in report.lines().zip(&files) {
        let count: usize = line.split(' ').next().unwrap().parse().unwrap();
        let text = std::fs::read(path).unwrap();
        let ours = oxigraph::io::RdfParser::from_format(RdfFormat::Turtle)
            .for_slice(&text)
            .map(|q| Triple::from(q.unwrap()))
            .collect::<HashSet<_>>()
            .len();
        assert_eq!(count, ours, "{}", path.display());
    }
}

#[test]
fn the_stix_module_maps_every_stix_class_to_the_oasis_ontology() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ontology/align/stix.ttl");
    let text = std::fs::read_to_string(path).unwrap();
    let triples: Vec<Triple> = oxigraph::io::RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(text.as_bytes())
        .map(|q| Triple::from(q.unwrap()))
        .collect();
    let oasis = ["http://docs.oasis-open.org/ns/cti"];
    let superclass_of = |class: &str| {
        triples
            .iter()
            .filter(|t| {
                t.subject.to_string() == format!("<{class}>")
                    && t.predicate.as_str().ends_with("#subClassOf")
            })
            .filter_map(|t| match &t.object {
                Term::NamedNode(n) if oasis.iter().any(|o| n.as_str().starts_with(o)) => {
                    Some(n.as_str().to_owned())
                }
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    for (stix_type, _, class) in flowkg::stix_types::STIX_CLASSES {
        let mapped = superclass_of(class.as_str());
        assert_eq!(mapped.len(), 1, "{stix_type} ({class}) maps to {mapped:?}");
        // Each OASIS class named is declared, with its pre-2021 spelling equivalent.
        let old = mapped[0].replace("/ns/cti/stix#", "/cti/ns/stix#");
        if old != mapped[0] {
            assert!(
                triples
                    .iter()
                    .any(|t| t.subject.to_string() == format!("<{}>", mapped[0])
                        && t.object.to_string() == format!("<{old}>")),
                "{} has no equivalent in the old spelling",
                mapped[0]
            );
        }
    }
}

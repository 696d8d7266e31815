//! Every export syntax parses back, with Oxigraph's own parsers, to a dataset isomorphic to
//! what the mapping produced (sophia's isomorphism check).

mod common;

use common::{corpus, examples};
use flowkg::export::{QuadWriter, parse_format};
use flowkg::pipeline::{Inputs, Outcome};
use flowkg::read::discover;
use flowkg::{MapOptions, ReadOptions};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphName, Quad, Term};
use sophia_api::MownStr;
use sophia_api::term::{BnodeId, IriRef, LanguageTag, SimpleTerm};
use std::path::PathBuf;

type SophiaQuad = ([SimpleTerm<'static>; 3], Option<SimpleTerm<'static>>);

fn text(s: &str) -> MownStr<'static> {
    MownStr::from(s.to_owned())
}

fn term(term: &Term) -> SimpleTerm<'static> {
    match term {
        Term::NamedNode(n) => SimpleTerm::Iri(IriRef::new_unchecked(text(n.as_str()))),
        Term::BlankNode(b) => SimpleTerm::BlankNode(BnodeId::new_unchecked(text(b.as_str()))),
        Term::Literal(l) => match l.language() {
            Some(lang) => SimpleTerm::LiteralLanguage(
                text(l.value()),
                LanguageTag::new_unchecked(text(lang)),
                None,
            ),
            None => SimpleTerm::LiteralDatatype(
                text(l.value()),
                IriRef::new_unchecked(text(l.datatype().as_str())),
            ),
        },
    }
}

fn sophia(quads: &[Quad], keep_graphs: bool) -> Vec<SophiaQuad> {
    let mut out: Vec<SophiaQuad> = quads
        .iter()
        .map(|q| {
            let graph = match (&q.graph_name, keep_graphs) {
                (GraphName::NamedNode(g), true) => {
                    Some(SimpleTerm::Iri(IriRef::new_unchecked(text(g.as_str()))))
                }
                (GraphName::BlankNode(b), true) => Some(SimpleTerm::BlankNode(
                    BnodeId::new_unchecked(text(b.as_str())),
                )),
                _ => None,
            };
            (
                [
                    term(&q.subject.clone().into()),
                    term(&q.predicate.clone().into()),
                    term(&q.object),
                ],
                graph,
            )
        })
        .collect();
    // A set: triple syntaxes merge the same triple of two graphs into one.
    out.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    out.dedup();
    out
}

fn mapped_quads(paths: &[PathBuf]) -> Vec<Quad> {
    let (read, map) = (ReadOptions::new(), MapOptions::new());
    let mut quads = Vec::new();
    for outcome in Inputs::new(discover(paths).unwrap(), &read, &map) {
        if let Outcome::Mapped { mapped, .. } = outcome {
            quads.extend(mapped.quads);
        }
    }
    assert!(!quads.is_empty());
    quads
}

fn round_trip(quads: &[Quad], name: &str) {
    let format = parse_format(name).unwrap();
    let mut writer = QuadWriter::new(format, Vec::new());
    writer.write_all(quads).unwrap();
    let bytes = writer.finish().unwrap();
    let parsed: Vec<Quad> = RdfParser::from_format(format)
        .for_slice(&bytes)
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{name} does not parse back: {e}"));
    let datasets = format.supports_datasets();
    let (expected, actual) = (sophia(quads, datasets), sophia(&parsed, datasets));
    let isomorphic = sophia_isomorphism::isomorphic_datasets(&expected, &actual).unwrap();
    assert!(
        isomorphic,
        "{name}: {} quads written, {} read back",
        expected.len(),
        actual.len()
    );
}

const SYNTAXES: [&str; 6] = ["turtle", "trig", "ntriples", "nquads", "rdfxml", "jsonld"];

#[test]
fn every_syntax_round_trips_the_examples() {
    let quads = mapped_quads(&[examples()]);
    for name in SYNTAXES {
        round_trip(&quads, name);
    }
}

#[test]
fn every_syntax_round_trips_the_corpus() {
    let Some(corpus) = corpus() else { return };
    let quads = mapped_quads(&[
        corpus.join("attack-flow-v2/afb"),
        corpus.join("attack-flow-v2/stix-2023-07-24"),
        corpus.join("legacy-2022/corpus"),
    ]);
    for name in SYNTAXES {
        round_trip(&quads, name);
    }
}

#[test]
fn triple_syntaxes_say_so_and_dataset_syntaxes_keep_graphs() {
    assert!(!parse_format("turtle").unwrap().supports_datasets());
    assert!(parse_format("trig").unwrap().supports_datasets());
    assert!(matches!(
        parse_format("jsonld").unwrap(),
        RdfFormat::JsonLd { .. }
    ));
    assert!(parse_format("yaml").is_err());
}

/// The mapping version that a store records tells flows mapped by an older flowkg apart, so
/// it must change with what the mapping states. This pins it to the examples' N-Quads.
#[test]
fn the_mapping_version_changes_with_the_quads_the_mapping_states() {
    use sha2::{Digest, Sha256};
    let (read, map) = (ReadOptions::new(), MapOptions::new());
    let mut lines = Vec::new();
    for name in [
        "legacy-supply-chain.json",
        "phishing-to-exfil.afb",
        "ransomware-intrusion.json",
    ] {
        let bytes = std::fs::read(examples().join(name)).unwrap();
        let identity = format!("examples/{name}");
        let flow = flowkg::read_bytes(name, Some(&identity), &bytes, &read).unwrap();
        let mapped = flowkg::map_flow(&flow, &map).unwrap();
        lines.extend(mapped.quads.iter().map(|quad| format!("{quad} .\n")));
    }
    lines.sort();
    let digest = Sha256::digest(lines.concat().as_bytes());
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    assert_eq!(
        (flowkg::map::MAPPING_VERSION, hex.as_str()),
        (
            1,
            "72a4cb1894bd1b9f1396097e86f49fbcbfbd84f89402ac557265022a25168f51"
        ),
        "the examples map to other quads: add one to MAPPING_VERSION (src/map/mod.rs) and set \
         both here, so stores loaded before this change are told apart"
    );
}

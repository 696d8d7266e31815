//! The code's vocabulary and `ontology/af.ttl` cannot drift: every `af:` term the code uses is
//! declared there with a label and a comment.

use flowkg::stix_types::STIX_CLASSES;
use flowkg::vocab::af;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{NamedNodeRef, Term, Triple};
use std::path::Path;

fn ontology() -> Vec<Triple> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ontology/af.ttl");
    let bytes = std::fs::read(&path).unwrap();
    RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(&bytes)
        .map(|q| q.map(Triple::from))
        .collect::<Result<_, _>>()
        .unwrap()
}

fn has(triples: &[Triple], subject: NamedNodeRef<'_>, predicate: NamedNodeRef<'_>) -> bool {
    triples
        .iter()
        .any(|t| t.subject == subject.into_owned().into() && t.predicate == predicate)
}

#[test]
fn every_term_of_the_code_is_declared_labelled_and_commented() {
    let triples = ontology();
    let terms = af::ALL
        .iter()
        .map(|(_, t)| *t)
        .chain(STIX_CLASSES.iter().map(|(_, _, c)| *c));
    for term in terms {
        assert!(
            has(&triples, term, rdf::TYPE),
            "{term} is not declared in ontology/af.ttl"
        );
        assert!(has(&triples, term, rdfs::LABEL), "{term} has no rdfs:label");
        assert!(
            has(&triples, term, rdfs::COMMENT),
            "{term} has no rdfs:comment"
        );
    }
}

#[test]
fn the_ontology_declares_no_af_term_the_code_does_not_know() {
    let triples = ontology();
    let known: Vec<&str> = af::ALL
        .iter()
        .map(|(_, t)| t.as_str())
        .chain(STIX_CLASSES.iter().map(|(_, _, c)| c.as_str()))
        .collect();
    for triple in &triples {
        if triple.predicate != rdf::TYPE {
            continue;
        }
        if let oxigraph::model::NamedOrBlankNode::NamedNode(s) = &triple.subject {
            if let Some(local) = s.as_str().strip_prefix(flowkg::vocab::ns::AF) {
                let extra_allowed =
                    matches!(&triple.object, Term::NamedNode(_)) && local.is_empty();
                assert!(
                    known.contains(&s.as_str()) || extra_allowed,
                    "af:{local} is declared but unknown to the code"
                );
            }
        }
    }
}

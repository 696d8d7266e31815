//! The shared namespaces shipped with flowkg (ATT&CK and the other technique frameworks), each
//! loaded into a named graph of its own, so flow data joins them in plain SPARQL.

use crate::hash::sha256_hex;
use crate::vocab::{af, ns};
use crate::{Error, Result};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphName, Literal, NamedNode, Quad};

/// A namespace file: its graph IRI and its Turtle text.
#[derive(Debug, Clone, Copy)]
pub struct Namespace {
    /// Short name (`attack`): the last segment of its IRI.
    pub name: &'static str,
    /// The file it is kept in, below `namespaces/`.
    pub file: &'static str,
    /// The named graph it is loaded into (its namespace IRI).
    pub graph: &'static str,
    /// The Turtle document.
    pub turtle: &'static str,
}

/// The namespaces built into flowkg.
pub const BUILT_IN: &[Namespace] = &[
    Namespace {
        name: "attack",
        file: "attack.ttl",
        graph: ns::ATTACK,
        turtle: include_str!("../namespaces/attack.ttl"),
    },
    Namespace {
        name: "asset-kind",
        file: "asset-kinds.ttl",
        graph: "https://w3id.org/flowkg/ns/asset-kind/",
        turtle: include_str!("../namespaces/asset-kinds.ttl"),
    },
    Namespace {
        name: "state",
        file: "states.ttl",
        graph: "https://w3id.org/flowkg/ns/state/",
        turtle: include_str!("../namespaces/states.ttl"),
    },
    Namespace {
        name: "software",
        file: "software.ttl",
        graph: "https://w3id.org/flowkg/ns/software/",
        turtle: include_str!("../namespaces/software.ttl"),
    },
];

impl Namespace {
    /// The namespace's graph IRI.
    #[must_use]
    pub fn graph_iri(&self) -> NamedNode {
        NamedNode::new_unchecked(self.graph)
    }

    /// SHA-256 of the Turtle text: a store holds the same version when its graph carries it.
    #[must_use]
    pub fn version_hash(&self) -> String {
        sha256_hex(self.turtle.as_bytes())
    }

    /// The namespace's quads in its graph, with the version hash on the graph node.
    pub fn quads(&self) -> Result<Vec<Quad>> {
        let graph = GraphName::NamedNode(self.graph_iri());
        let mut quads = RdfParser::from_format(RdfFormat::Turtle)
            .without_named_graphs()
            .with_default_graph(graph.clone())
            .for_slice(self.turtle.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| Error::Store(format!("namespaces/{}: {e}", self.file)))?;
        quads.push(Quad::new(
            self.graph_iri(),
            af::CONTENT_SHA256,
            Literal::new_simple_literal(self.version_hash()),
            graph,
        ));
        Ok(quads)
    }
}

//! The reverse map: the quads of one flow graph back into the neutral [`Flow`] model.
//!
//! It is the mirror of [`crate::map`] and reads the triples alone (`af:stixId`, `af:stixType`,
//! `af:` and `prop:` properties, `af:Structure` and `rdf:Seq` nodes, `af:listProperty` marks),
//! never a stored copy of the source. What the mapping derives (technique and tactic IRIs, the
//! direct edges of relationships and legacy statements, the flow key) is recomputed and left
//! out, so a flow read back from any store that holds its graph is the flow that was mapped.

mod value;

use crate::FlowStore;
use crate::map::{legacy_local_name, relationship_edge, statement_edge, statement_value_predicate};
use crate::model::{Flow, Object, ObjectKind, Source, SourceFormat, StatementKind};
use crate::vocab::{af, std_terms::rdf};
use oxigraph::model::{
    GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term,
};
use serde_json::Map;
use std::collections::{HashMap, HashSet};

/// Why a graph could not be read back as a flow.
#[derive(Debug, thiserror::Error)]
#[error("<{graph}>: <{node}>: {message}")]
pub struct ReverseError {
    /// The flow graph.
    pub graph: String,
    /// The node where the problem is (the graph itself for the flow node).
    pub node: String,
    pub message: String,
}

/// Reads a flow graph of a store back into a flow.
pub fn read_stored(store: &FlowStore, graph: NamedNodeRef<'_>) -> crate::Result<Flow> {
    let quads = store
        .store()
        .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(graph)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(reverse_flow(graph, quads)?)
}

/// Rebuilds the flow whose graph is `graph` from its quads; quads of other graphs are ignored.
pub fn reverse_flow(
    graph: NamedNodeRef<'_>,
    quads: impl IntoIterator<Item = Quad>,
) -> Result<Flow, ReverseError> {
    let nodes = Nodes::collect(graph, quads)?;
    nodes.flow()
}

/// The triples of one graph, by subject.
pub(crate) struct Nodes {
    graph: NamedNode,
    /// `{graph}/`: the prefix of every node IRI of this flow.
    prefix: String,
    triples: HashMap<NamedNode, Vec<(NamedNode, Term)>>,
    /// Object node → its STIX id.
    ids: HashMap<NamedNode, String>,
    /// Triples the mapping derived from other triples: left out when reading properties.
    derived: HashSet<(NamedNode, NamedNode, Term)>,
}

impl Nodes {
    fn collect(
        graph: NamedNodeRef<'_>,
        quads: impl IntoIterator<Item = Quad>,
    ) -> Result<Self, ReverseError> {
        let mut triples: HashMap<NamedNode, Vec<(NamedNode, Term)>> = HashMap::new();
        for quad in quads {
            if quad.graph_name != GraphNameRef::NamedNode(graph).into() {
                continue;
            }
            let NamedOrBlankNode::NamedNode(subject) = quad.subject else {
                return Err(ReverseError {
                    graph: graph.as_str().to_owned(),
                    node: quad.subject.to_string(),
                    message: "a blank node: flowkg never writes one, so this graph was not \
                              written by flowkg"
                        .into(),
                });
            };
            triples
                .entry(subject)
                .or_default()
                .push((quad.predicate, quad.object));
        }
        let mut ids = HashMap::new();
        for (subject, list) in &triples {
            if let Some(id) = literal_of(list, af::STIX_ID) {
                ids.insert(subject.clone(), id.value().to_owned());
            }
        }
        let mut nodes = Self {
            graph: graph.into_owned(),
            prefix: format!("{}/", graph.as_str()),
            triples,
            ids,
            derived: HashSet::new(),
        };
        nodes.derived = nodes.derived_edges();
        Ok(nodes)
    }

    fn error(&self, node: &NamedNode, message: impl Into<String>) -> ReverseError {
        ReverseError {
            graph: self.graph.as_str().to_owned(),
            node: node.as_str().to_owned(),
            message: message.into(),
        }
    }

    fn triples_of(&self, node: &NamedNode) -> &[(NamedNode, Term)] {
        self.triples.get(node).map_or(&[], Vec::as_slice)
    }

    fn has_type(&self, node: &NamedNode, class: NamedNodeRef<'_>) -> bool {
        self.triples_of(node)
            .iter()
            .any(|(p, o)| *p == rdf::TYPE && *o == Term::from(class.into_owned()))
    }

    fn object_at(&self, node: &NamedNode, predicate: NamedNodeRef<'_>) -> Option<&Term> {
        self.triples_of(node)
            .iter()
            .find(|(p, _)| *p == predicate)
            .map(|(_, o)| o)
    }

    fn kind_of(&self, node: &NamedNode) -> ObjectKind {
        let class = |c| self.has_type(node, c);
        if class(af::LEGACY_RELATIONSHIP) {
            return ObjectKind::Statement(StatementKind::Relationship);
        }
        if class(af::DATA_PROPERTY) {
            return ObjectKind::Statement(StatementKind::DataProperty);
        }
        if class(af::OBJECT_PROPERTY) {
            return ObjectKind::Statement(StatementKind::ObjectProperty);
        }
        let stix_type = literal_of(self.triples_of(node), af::STIX_TYPE);
        ObjectKind::of_stix_type(stix_type.map_or("", |l| l.value()))
    }

    /// The direct edges the mapping materialised from relationships and legacy statements,
    /// recomputed from those nodes with the mapping's own rules.
    fn derived_edges(&self) -> HashSet<(NamedNode, NamedNode, Term)> {
        let mut derived = HashSet::new();
        for node in self.ids.keys() {
            let kind = self.kind_of(node);
            let text = |p| literal_of(self.triples_of(node), p).map(|l| l.value().to_owned());
            let iri = |p| match self.object_at(node, p) {
                Some(Term::NamedNode(n)) => Some(n.clone()),
                _ => None,
            };
            match kind {
                ObjectKind::Relationship => {
                    if let (Some(source), Some(target)) = (iri(af::SOURCE), iri(af::TARGET)) {
                        let edge = relationship_edge(text(af::RELATIONSHIP_TYPE).as_deref());
                        derived.insert((source, edge, target.into()));
                    }
                }
                ObjectKind::Statement(statement) => {
                    let (Some(subject), Some(predicate)) = (iri(af::SOURCE), text(af::PREDICATE))
                    else {
                        continue;
                    };
                    let local = legacy_local_name(&predicate);
                    if statement == StatementKind::Relationship {
                        if let Some(target) = iri(af::TARGET) {
                            let kinds = (
                                self.ids
                                    .contains_key(&subject)
                                    .then(|| self.kind_of(&subject)),
                                self.ids
                                    .contains_key(&target)
                                    .then(|| self.kind_of(&target)),
                            );
                            derived.insert((subject, statement_edge(&local, kinds), target.into()));
                        }
                    } else if let Some(value) = text(af::VALUE) {
                        let literal = Literal::new_simple_literal(value);
                        derived.insert((
                            subject,
                            statement_value_predicate(&local),
                            literal.into(),
                        ));
                    }
                }
                _ => {}
            }
        }
        derived
    }

    /// The flow: its objects (the flow object first, then by STIX id), its container and source.
    fn flow(&self) -> Result<Flow, ReverseError> {
        if !self.has_type(&self.graph, af::FLOW) {
            return Err(self.error(&self.graph, "no af:Flow node: not a flow graph"));
        }
        let mut nodes: Vec<&NamedNode> = self.ids.keys().collect();
        nodes.sort_by(|a, b| {
            let rank = |n: &&NamedNode| **n != self.graph;
            rank(a)
                .cmp(&rank(b))
                .then_with(|| self.ids[*a].cmp(&self.ids[*b]))
        });
        let mut objects = Vec::with_capacity(nodes.len());
        for (index, node) in nodes.into_iter().enumerate() {
            objects.push(self.object(node, index)?);
        }
        let (source, container) = self.document()?;
        Ok(Flow {
            source,
            objects,
            container,
            diagnostics: Vec::new(),
        })
    }

    fn object(&self, node: &NamedNode, index: usize) -> Result<Object, ReverseError> {
        let stix_type = literal_of(self.triples_of(node), af::STIX_TYPE)
            .ok_or_else(|| self.error(node, "an af:stixId but no af:stixType"))?;
        Ok(Object {
            id: self.ids[node].clone(),
            stix_type: stix_type.value().to_owned(),
            kind: self.kind_of(node),
            properties: self.properties(node)?,
            pointer: format!("/objects/{index}"),
        })
    }

    /// The source the flow was read from and the container's own properties.
    fn document(&self) -> Result<(Source, Map<String, serde_json::Value>), ReverseError> {
        let Some(Term::NamedNode(document)) = self.object_at(&self.graph, af::DOCUMENT_REF) else {
            return Err(self.error(&self.graph, "no af:document: the source is unknown"));
        };
        let text = |p| literal_of(self.triples_of(document), p).map(|l| l.value().to_owned());
        let format = match text(af::SOURCE_FORMAT).as_deref() {
            Some("stix") => SourceFormat::Stix,
            Some("afb") => SourceFormat::Afb,
            Some("legacy") => SourceFormat::Legacy,
            other => {
                return Err(self.error(
                    document,
                    format!("unknown af:sourceFormat {other:?} (expected stix, afb or legacy)"),
                ));
            }
        };
        let content_sha256 = text(af::CONTENT_SHA256).unwrap_or_default();
        let path = text(af::SOURCE_PATH);
        let source = Source {
            name: path
                .clone()
                .unwrap_or_else(|| self.graph.as_str().to_owned()),
            identity: path.unwrap_or_else(|| format!("sha256:{content_sha256}")),
            content_sha256,
            format,
        };
        Ok((source, self.properties(document)?))
    }
}

/// The first literal a node has for a predicate.
fn literal_of<'t>(
    triples: &'t [(NamedNode, Term)],
    predicate: NamedNodeRef<'_>,
) -> Option<&'t Literal> {
    triples.iter().find_map(|(p, o)| match o {
        Term::Literal(l) if *p == predicate => Some(l),
        _ => None,
    })
}

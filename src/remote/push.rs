//! Pushing graphs to a remote store with the SPARQL 1.1 Graph Store HTTP Protocol: one `PUT`
//! per graph (it replaces the graph, so pushing again changes nothing), and the comparison a
//! dry run prints (`GET` of each graph).

use super::http::{Remote, Reply};
use crate::{Error, Result};
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term, Triple};
use std::collections::HashMap;

/// The graph IRI the `af:` ontology (`ontology/af.ttl`) is pushed to: its ontology IRI.
pub const ONTOLOGY_GRAPH: &str = "https://w3id.org/flowkg/af";

/// One graph to push: its IRI, what it is (for messages) and its triples.
#[derive(Debug, Clone)]
pub struct PushGraph {
    pub graph: NamedNode,
    /// `flow NAME`, `namespace attack`, `ontology`.
    pub label: String,
    pub triples: Vec<Triple>,
}

impl PushGraph {
    /// The quads of one graph as triples (quads of other graphs are left out).
    #[must_use]
    pub fn from_quads(graph: NamedNode, label: String, quads: &[Quad]) -> Self {
        let name = GraphName::NamedNode(graph.clone());
        let triples = quads
            .iter()
            .filter(|q| q.graph_name == name)
            .map(|q| Triple::new(q.subject.clone(), q.predicate.clone(), q.object.clone()))
            .collect();
        Self {
            graph,
            label,
            triples,
        }
    }
}

/// The graphs every push sends besides the flows: the built-in shared namespaces (each in its
/// namespace IRI, as `flowkg load` stores them) and the `af:` ontology (in [`ONTOLOGY_GRAPH`]).
pub fn shared_graphs() -> Result<Vec<PushGraph>> {
    let mut graphs = Vec::new();
    for namespace in crate::namespaces::BUILT_IN {
        graphs.push(PushGraph::from_quads(
            namespace.graph_iri(),
            format!("namespace {}", namespace.name),
            &namespace.quads()?,
        ));
    }
    let graph = NamedNode::new_unchecked(ONTOLOGY_GRAPH);
    let triples = RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(crate::export::owl::AF_TURTLE.as_bytes())
        .map(|quad| quad.map(Triple::from))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Remote(format!("ontology/af.ttl: {e}")))?;
    graphs.push(PushGraph {
        graph,
        label: "ontology af".into(),
        triples,
    });
    Ok(graphs)
}

/// What a push would do to one graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The store does not hold the graph.
    New { triples: usize },
    /// The store holds other triples: `added` would come, `removed` would go.
    Changed {
        triples: usize,
        remote: usize,
        added: usize,
        removed: usize,
    },
    /// The store holds the same triples.
    Unchanged { triples: usize },
}

/// A Graph Store Protocol endpoint (`http://host/store`, Virtuoso's
/// `/sparql-graph-crud-auth`, Fuseki's `/dataset/data` …); each graph is addressed as
/// `?graph=IRI`.
pub struct GraphStore<'a> {
    remote: &'a Remote,
    url: String,
}

impl<'a> GraphStore<'a> {
    pub fn new(remote: &'a Remote, url: &str) -> Result<Self> {
        if !url.starts_with("http://") {
            return Err(Error::Remote(format!(
                "{url}: the endpoint must be an http:// URL"
            )));
        }
        Ok(Self {
            remote,
            url: url.to_owned(),
        })
    }

    fn graph_url(&self, graph: &NamedNode) -> String {
        let separator = if self.url.contains('?') { '&' } else { '?' };
        let iri: String = form_urlencoded::byte_serialize(graph.as_str().as_bytes()).collect();
        format!("{}{separator}graph={iri}", self.url)
    }

    /// Replaces the graph in the store with these triples.
    pub fn put(&self, graph: &PushGraph) -> Result<()> {
        let what = format!("PUT {} ({})", graph.graph, graph.label);
        let body = ntriples(&graph.triples)?;
        // N-Triples is Turtle too, and every store reads Turtle.
        self.remote
            .send(
                "PUT",
                &self.graph_url(&graph.graph),
                &[("Content-Type", "text/turtle; charset=utf-8")],
                &body,
                &what,
            )?
            .success(&what)?;
        Ok(())
    }

    /// The triples the store holds in the graph, or `None` when it holds no such graph.
    pub fn get(&self, graph: &NamedNode) -> Result<Option<Vec<Triple>>> {
        let what = format!("GET {graph}");
        let reply = self.remote.send(
            "GET",
            &self.graph_url(graph),
            &[(
                "Accept",
                "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5",
            )],
            &[],
            &what,
        )?;
        if reply.status == 404 {
            return Ok(None);
        }
        parse_graph(reply.success(&what)?, &what).map(Some)
    }

    /// What pushing the graph would change.
    pub fn compare(&self, graph: &PushGraph) -> Result<Change> {
        let triples = graph.triples.len();
        let Some(remote) = self.get(&graph.graph)? else {
            return Ok(Change::New { triples });
        };
        if remote.is_empty() && triples > 0 {
            return Ok(Change::New { triples });
        }
        let (local_counts, remote_counts) = (counts(&graph.triples), counts(&remote));
        let added = difference(&local_counts, &remote_counts);
        let removed = difference(&remote_counts, &local_counts);
        Ok(if added == 0 && removed == 0 {
            Change::Unchanged { triples }
        } else {
            Change::Changed {
                triples,
                remote: remote.len(),
                added,
                removed,
            }
        })
    }
}

/// Triples as N-Triples text.
fn ntriples(triples: &[Triple]) -> Result<Vec<u8>> {
    let mut serializer = RdfSerializer::from_format(RdfFormat::NTriples).for_writer(Vec::new());
    for triple in triples {
        serializer
            .serialize_triple(triple)
            .map_err(|e| Error::Remote(e.to_string()))?;
    }
    serializer
        .finish()
        .map_err(|e| Error::Remote(e.to_string()))
}

/// The triples of a `GET` answer, in the syntax its media type names.
fn parse_graph(reply: Reply, what: &str) -> Result<Vec<Triple>> {
    let format = match reply.media_type.as_str() {
        // Some stores answer N-Triples as text/plain.
        "text/plain" | "" => RdfFormat::NTriples,
        media_type => RdfFormat::from_media_type(media_type)
            .ok_or_else(|| Error::Remote(format!("{what}: unexpected media type {media_type}")))?,
    };
    RdfParser::from_format(format)
        .for_slice(&reply.body)
        .map(|quad| quad.map(Triple::from))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Remote(format!("{what}: {e}")))
}

/// Triples keyed by a form that stores agree on: typed literals in their canonical lexical
/// form (stores keep `1.50` as `1.5`), blank nodes all alike (stores rename them), language
/// tags lower case.
fn counts(triples: &[Triple]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for triple in triples {
        let subject = match &triple.subject {
            NamedOrBlankNode::BlankNode(_) => "_".to_owned(),
            other => other.to_string(),
        };
        let key = format!(
            "{subject} {} {}",
            triple.predicate,
            comparable(&triple.object)
        );
        *counts.entry(key).or_insert(0) += 1;
    }
    counts
}

/// How many of `a` (counted with repeats) are not in `b`.
fn difference(a: &HashMap<String, usize>, b: &HashMap<String, usize>) -> usize {
    a.iter()
        .map(|(key, n)| n.saturating_sub(b.get(key).copied().unwrap_or(0)))
        .sum()
}

/// A term in a form stores agree on (see [`counts`]).
#[must_use]
pub fn comparable(term: &Term) -> String {
    match term {
        Term::BlankNode(_) => "_".to_owned(),
        Term::Literal(literal) => canonical_literal(literal).to_string(),
        other => other.to_string(),
    }
}

/// The literal with its lexical form made canonical for the XSD numeric, boolean and date-time
/// datatypes; other literals as they are (language tags lower case).
#[must_use]
pub fn canonical_literal(literal: &Literal) -> Literal {
    use oxigraph::model::vocab::xsd;
    use oxsdatatypes::{Boolean, Date, DateTime, Decimal, Double, Float, Integer};
    use std::str::FromStr;
    if let Some(language) = literal.language() {
        return Literal::new_language_tagged_literal_unchecked(
            literal.value(),
            language.to_ascii_lowercase(),
        );
    }
    let value = literal.value();
    let datatype = literal.datatype();
    let canonical = if datatype == xsd::DOUBLE {
        Double::from_str(value).ok().map(|v| v.to_string())
    } else if datatype == xsd::FLOAT {
        Float::from_str(value).ok().map(|v| v.to_string())
    } else if datatype == xsd::DECIMAL {
        Decimal::from_str(value).ok().map(|v| v.to_string())
    } else if datatype == xsd::INTEGER {
        Integer::from_str(value).ok().map(|v| v.to_string())
    } else if datatype == xsd::BOOLEAN {
        Boolean::from_str(value).ok().map(|v| v.to_string())
    } else if datatype == xsd::DATE_TIME {
        DateTime::from_str(value).ok().map(|v| v.to_string())
    } else if datatype == xsd::DATE {
        Date::from_str(value).ok().map(|v| v.to_string())
    } else {
        None
    };
    match canonical {
        Some(text) => Literal::new_typed_literal(text, datatype),
        None => literal.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::vocab::xsd;

    #[test]
    fn literals_compare_by_value() {
        let a = Literal::new_typed_literal("1.50", xsd::DOUBLE);
        let b = Literal::new_typed_literal("1.5E0", xsd::DOUBLE);
        assert_eq!(canonical_literal(&a), canonical_literal(&b));
        let t1 = Literal::new_typed_literal("2023-01-01T00:00:00.520Z", xsd::DATE_TIME);
        let t2 = Literal::new_typed_literal("2023-01-01T00:00:00.52Z", xsd::DATE_TIME);
        assert_eq!(canonical_literal(&t1), canonical_literal(&t2));
        let s1 = Literal::new_simple_literal("1.50");
        assert_ne!(canonical_literal(&s1), canonical_literal(&a));
    }

    #[test]
    fn shared_graphs_are_the_namespaces_and_the_ontology() {
        let graphs = shared_graphs().unwrap();
        assert_eq!(graphs.len(), crate::namespaces::BUILT_IN.len() + 1);
        assert!(graphs.iter().all(|g| !g.triples.is_empty()));
        assert_eq!(graphs.last().unwrap().graph.as_str(), ONTOLOGY_GRAPH);
    }
}

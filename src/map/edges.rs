//! A flow's structure read once from its quads: its actions and the edges it leads along.
//!
//! Action succession (`af:followedBy`) and impact paths (`af:ImpactPath`) both walk the same
//! five edge kinds between the same nodes; they share this one reading of the quads.

use super::technique::serves_impact;
use crate::vocab::{af, std_terms::rdf};
use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term};
use std::collections::HashMap;

/// The edges a flow leads along, from a node to what comes after it.
const FLOW_EDGES: [NamedNodeRef<'static>; 5] = [
    af::EFFECT,
    af::ON_TRUE,
    af::ON_FALSE,
    af::PROVIDES,
    af::REQUIRED_BY,
];

/// A flow's nodes, numbered in quad order, with its flow edges both ways.
pub(super) struct FlowEdges<'a> {
    pub nodes: Vec<&'a NamedNode>,
    /// Whether a node is typed `af:Action`.
    pub is_action: Vec<bool>,
    /// The actions, each once, in quad order.
    pub actions: Vec<usize>,
    /// The nodes that lead somewhere, in the order of their first edge.
    pub sources: Vec<usize>,
    /// Whether a node states an Impact tactic or a technique that serves Impact.
    pub impact: Vec<bool>,
    /// What each node leads to, in quad order.
    pub after: Vec<Vec<usize>>,
    /// What leads to each node, in quad order.
    pub before: Vec<Vec<usize>>,
}

impl<'a> FlowEdges<'a> {
    pub fn of(quads: &'a [Quad]) -> Self {
        let mut numbers: HashMap<&NamedNode, usize> = HashMap::new();
        let mut graph = Self {
            nodes: Vec::new(),
            is_action: Vec::new(),
            actions: Vec::new(),
            sources: Vec::new(),
            impact: Vec::new(),
            after: Vec::new(),
            before: Vec::new(),
        };
        for quad in quads {
            let (NamedOrBlankNode::NamedNode(subject), Term::NamedNode(object)) =
                (&quad.subject, &quad.object)
            else {
                continue;
            };
            let is_type = quad.predicate == rdf::TYPE && *object == af::ACTION;
            let is_edge = FLOW_EDGES.contains(&quad.predicate.as_ref());
            let marks_impact = (quad.predicate == af::TACTIC_REF
                || quad.predicate == af::TECHNIQUE_REF)
                && serves_impact(object);
            if !(is_type || is_edge || marks_impact) {
                continue;
            }
            let from = graph.number(&mut numbers, subject);
            if is_type {
                if !graph.is_action[from] {
                    graph.is_action[from] = true;
                    graph.actions.push(from);
                }
            } else if is_edge {
                let to = graph.number(&mut numbers, object);
                if graph.after[from].is_empty() {
                    graph.sources.push(from);
                }
                graph.after[from].push(to);
                graph.before[to].push(from);
            } else {
                graph.impact[from] = true;
            }
        }
        graph
    }

    /// The number of `node`, given on first sight.
    fn number(
        &mut self,
        numbers: &mut HashMap<&'a NamedNode, usize>,
        node: &'a NamedNode,
    ) -> usize {
        *numbers.entry(node).or_insert_with(|| {
            self.nodes.push(node);
            self.is_action.push(false);
            self.impact.push(false);
            self.after.push(Vec::new());
            self.before.push(Vec::new());
            self.nodes.len() - 1
        })
    }

    /// The nodes reached from `node` (itself included) along `edges`.
    pub fn reach(&self, node: usize, edges: &[Vec<usize>]) -> Vec<bool> {
        let mut reached = vec![false; self.nodes.len()];
        let mut pending = vec![node];
        while let Some(next) = pending.pop() {
            if !std::mem::replace(&mut reached[next], true) {
                pending.extend(&edges[next]);
            }
        }
        reached
    }
}

/// Quads for the tests of the modules that walk a flow's edges.
#[cfg(test)]
pub(super) mod fixtures {
    use crate::vocab::{af, std_terms::rdf};
    use oxigraph::model::{GraphName, NamedNode, NamedNodeRef, Quad};

    /// `http://example.com/{name}`; test names start at byte 19.
    pub fn node(name: &str) -> NamedNode {
        NamedNode::new(format!("http://example.com/{name}")).unwrap()
    }

    pub fn quad(s: &str, p: NamedNodeRef<'_>, o: NamedNode) -> Quad {
        Quad::new(node(s), p, o, GraphName::DefaultGraph)
    }

    pub fn action(name: &str) -> Quad {
        quad(name, rdf::TYPE, af::ACTION.into_owned())
    }
}

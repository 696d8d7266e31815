//! Impact paths: every way from a start action to an impact action, materialised as
//! `af:ImpactPath` nodes.
//!
//! "Which conditions and assets lie on the most paths to impact?" needs, for every node, the
//! (start, impact) pairs it lies between. Walking the flow edges from every start and back
//! from every impact action in SPARQL costs two path closures per flow per question (31 s over
//! 10,000 flows); the mapping already holds each flow's edges, so it walks them once here.

use super::succession::FLOW_EDGES;
use super::technique::serves_impact;
use crate::vocab::{af, std_terms::rdf};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Quad, Term};
use std::collections::HashMap;

/// One impact path: a start, an impact action it reaches, and the nodes between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ImpactPath {
    /// An action nothing in the flow leads to.
    pub start: NamedNode,
    /// An action whose tactic, or its technique's, is Impact.
    pub end: NamedNode,
    /// The nodes the start reaches that reach the end, both included, in quad order.
    pub through: Vec<NamedNode>,
}

/// The impact paths of a flow's quads: one per (start, impact action) pair the flow links,
/// starts and ends in quad order.
pub(super) fn impact_paths(quads: &[Quad]) -> Vec<ImpactPath> {
    let graph = FlowEdges::of(quads);
    let ends: Vec<usize> = graph
        .actions
        .iter()
        .copied()
        .filter(|&a| graph.impact[a])
        .collect();
    if ends.is_empty() {
        return Vec::new();
    }
    let leading_to: Vec<Vec<bool>> = ends
        .iter()
        .map(|&end| graph.reach(end, &graph.before))
        .collect();
    let mut paths = Vec::new();
    for &start in graph
        .actions
        .iter()
        .filter(|&&a| graph.before[a].is_empty())
    {
        let reached = graph.reach(start, &graph.after);
        for (&end, leads) in ends.iter().zip(&leading_to) {
            if !reached[end] {
                continue;
            }
            let through = (0..graph.nodes.len())
                .filter(|&n| reached[n] && leads[n])
                .map(|n| graph.nodes[n].clone())
                .collect();
            paths.push(ImpactPath {
                start: graph.nodes[start].clone(),
                end: graph.nodes[end].clone(),
                through,
            });
        }
    }
    paths
}

/// A flow's nodes, numbered in quad order, with its flow edges both ways.
struct FlowEdges<'a> {
    nodes: Vec<&'a NamedNode>,
    /// The actions, each once, in quad order.
    actions: Vec<usize>,
    /// Whether a node states an Impact tactic or a technique that serves Impact.
    impact: Vec<bool>,
    after: Vec<Vec<usize>>,
    before: Vec<Vec<usize>>,
}

impl<'a> FlowEdges<'a> {
    fn of(quads: &'a [Quad]) -> Self {
        let mut numbers: HashMap<&NamedNode, usize> = HashMap::new();
        let mut graph = Self {
            nodes: Vec::new(),
            actions: Vec::new(),
            impact: Vec::new(),
            after: Vec::new(),
            before: Vec::new(),
        };
        let mut is_action = Vec::new();
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
            let mut number = |node: &'a NamedNode| {
                *numbers.entry(node).or_insert_with(|| {
                    graph.nodes.push(node);
                    graph.impact.push(false);
                    graph.after.push(Vec::new());
                    graph.before.push(Vec::new());
                    is_action.push(false);
                    graph.nodes.len() - 1
                })
            };
            let from = number(subject);
            if is_type {
                if !is_action[from] {
                    is_action[from] = true;
                    graph.actions.push(from);
                }
            } else if is_edge {
                let to = number(object);
                graph.after[from].push(to);
                graph.before[to].push(from);
            } else {
                graph.impact[from] = true;
            }
        }
        graph
    }

    /// The nodes reached from `node` (itself included) along `edges`.
    fn reach(&self, node: usize, edges: &[Vec<usize>]) -> Vec<bool> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::ns;
    use oxigraph::model::{GraphName, NamedNodeRef};

    fn node(name: &str) -> NamedNode {
        NamedNode::new(format!("http://example.com/{name}")).unwrap()
    }

    fn quad(s: &str, p: NamedNodeRef<'_>, o: NamedNode) -> Quad {
        Quad::new(node(s), p, o, GraphName::DefaultGraph)
    }

    fn action(name: &str) -> Quad {
        quad(name, rdf::TYPE, af::ACTION.into_owned())
    }

    fn attack(id: &str) -> NamedNode {
        NamedNode::new(format!("{}{id}", ns::ATTACK)).unwrap()
    }

    fn names(nodes: &[NamedNode]) -> Vec<&str> {
        nodes.iter().map(|n| &n.as_str()[19..]).collect()
    }

    #[test]
    fn each_start_to_each_impact_it_reaches_with_the_nodes_between() {
        let quads = vec![
            action("s1"),
            action("s2"),
            action("mid"),
            action("side"),
            action("encrypt"),
            action("wipe"),
            // encrypt by technique (T1486 serves Impact), wipe by its stated tactic.
            quad("encrypt", af::TECHNIQUE_REF, attack("T1486")),
            quad("wipe", af::TACTIC_REF, attack("TA0040")),
            // mid is no impact action: T1059 serves Execution.
            quad("mid", af::TECHNIQUE_REF, attack("T1059")),
            quad("s1", af::EFFECT, node("and")),
            quad("s2", af::EFFECT, node("and")),
            quad("and", af::EFFECT, node("mid")),
            quad("mid", af::EFFECT, node("cond")),
            quad("cond", af::ON_TRUE, node("encrypt")),
            quad("cond", af::ON_FALSE, node("side")),
            quad("s2", af::EFFECT, node("wipe")),
            // A loop past the impact action ends, and adds nothing to the paths.
            quad("encrypt", af::EFFECT, node("loop")),
            quad("loop", af::EFFECT, node("loop")),
        ];
        let paths = impact_paths(&quads);
        let summary: Vec<(&str, &str, Vec<&str>)> = paths
            .iter()
            .map(|p| {
                (
                    &p.start.as_str()[19..],
                    &p.end.as_str()[19..],
                    names(&p.through),
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("s1", "encrypt", vec!["s1", "mid", "encrypt", "and", "cond"]),
                ("s2", "encrypt", vec!["s2", "mid", "encrypt", "and", "cond"]),
                ("s2", "wipe", vec!["s2", "wipe"]),
            ]
        );
    }

    #[test]
    fn a_flow_without_impact_actions_has_no_paths() {
        let quads = vec![
            action("a"),
            action("b"),
            quad("a", af::EFFECT, node("b")),
            quad("b", af::TECHNIQUE_REF, attack("T1059")),
        ];
        assert!(impact_paths(&quads).is_empty());
    }
}

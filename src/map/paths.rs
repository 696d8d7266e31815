//! Impact paths: every way from a start action to an impact action, materialised as
//! `af:ImpactPath` nodes.
//!
//! "Which conditions and assets lie on the most paths to impact?" needs, for every node, the
//! (start, impact) pairs it lies between. Walking the flow edges from every start and back
//! from every impact action in SPARQL costs two path closures per flow per question (31 s over
//! 10,000 flows); the mapping already holds each flow's edges, so it walks them once here.

use super::edges::FlowEdges;
use oxigraph::model::NamedNode;

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

/// The impact paths of a flow: one per (start, impact action) pair the flow links, starts and
/// ends in quad order.
pub(super) fn impact_paths(graph: &FlowEdges<'_>) -> Vec<ImpactPath> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::edges::fixtures::{action, node, quad};
    use crate::vocab::{af, ns};

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
        let paths = impact_paths(&FlowEdges::of(&quads));
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
        assert!(impact_paths(&FlowEdges::of(&quads)).is_empty());
    }
}

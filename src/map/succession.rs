//! Action succession: which action comes right after which, materialised as `af:followedBy`.
//!
//! A flow leads from action to action through operators, conditions and (legacy) assets, over
//! five edge kinds. Questions such as "what follows T1190?" or "which flows run T1566, then
//! T1204, then T1059?" only care about the actions; answering them by walking the mixed edges
//! in SPARQL costs a look-up per hop per flow. Stating the action-to-action steps once, at map
//! time, turns them into plain joins and `af:followedBy+` walks over actions only.

use super::edges::FlowEdges;
use oxigraph::model::NamedNode;

/// The `(action, next action)` pairs of a flow: `next` is reached from `action` along flow
/// edges with only non-actions between. Pairs come in the order of the quads, each once.
pub(super) fn followed_by(graph: &FlowEdges<'_>) -> Vec<(NamedNode, NamedNode)> {
    let mut pairs = Vec::new();
    for &action in graph.sources.iter().filter(|&&n| graph.is_action[n]) {
        let mut seen = vec![false; graph.nodes.len()];
        let mut pending: Vec<usize> = graph.after[action].iter().rev().copied().collect();
        while let Some(node) = pending.pop() {
            if std::mem::replace(&mut seen[node], true) {
                continue;
            }
            if graph.is_action[node] {
                pairs.push((graph.nodes[action].clone(), graph.nodes[node].clone()));
            } else {
                pending.extend(graph.after[node].iter().rev());
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::edges::fixtures::{action, node, quad};
    use crate::vocab::af;

    #[test]
    fn steps_over_operators_conditions_and_assets_but_not_over_actions() {
        let quads = vec![
            action("a"),
            action("b"),
            action("c"),
            action("d"),
            quad("a", af::EFFECT, node("or")),
            quad("or", af::EFFECT, node("cond")),
            quad("cond", af::ON_TRUE, node("b")),
            quad("cond", af::ON_FALSE, node("c")),
            quad("b", af::PROVIDES, node("asset")),
            quad("asset", af::REQUIRED_BY, node("d")),
            quad("a", af::EFFECT, node("b")),
            // Past b, d is not a's successor: b comes between.
            quad("b", af::EFFECT, node("d")),
            // A loop through non-actions ends.
            quad("c", af::EFFECT, node("loop")),
            quad("loop", af::EFFECT, node("loop")),
        ];
        let pairs: Vec<(String, String)> = followed_by(&FlowEdges::of(&quads))
            .into_iter()
            .map(|(a, b)| (a.as_str()[19..].to_owned(), b.as_str()[19..].to_owned()))
            .collect();
        let expected = [("a", "b"), ("a", "c"), ("b", "d")];
        assert_eq!(
            pairs,
            expected
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect::<Vec<_>>()
        );
    }
}

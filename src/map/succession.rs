//! Action succession: which action comes right after which, materialised as `af:followedBy`.
//!
//! A flow leads from action to action through operators, conditions and (legacy) assets, over
//! five edge kinds. Questions such as "what follows T1190?" or "which flows run T1566, then
//! T1204, then T1059?" only care about the actions; answering them by walking the mixed edges
//! in SPARQL costs a look-up per hop per flow. Stating the action-to-action steps once, at map
//! time, turns them into plain joins and `af:followedBy+` walks over actions only.

use crate::vocab::{af, std_terms::rdf};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Quad, Term};
use std::collections::{HashMap, HashSet};

/// The edges a flow leads along, from a node to what comes after it.
pub(super) const FLOW_EDGES: [oxigraph::model::NamedNodeRef<'static>; 5] = [
    af::EFFECT,
    af::ON_TRUE,
    af::ON_FALSE,
    af::PROVIDES,
    af::REQUIRED_BY,
];

/// The `(action, next action)` pairs of a flow's quads: `next` is reached from `action` along
/// flow edges with only non-actions between. Pairs come in the order of the quads, each once.
pub(super) fn followed_by(quads: &[Quad]) -> Vec<(NamedNode, NamedNode)> {
    let mut actions: HashSet<&NamedNode> = HashSet::new();
    let mut after: HashMap<&NamedNode, Vec<&NamedNode>> = HashMap::new();
    let mut order: Vec<&NamedNode> = Vec::new();
    for quad in quads {
        let NamedOrBlankNode::NamedNode(subject) = &quad.subject else {
            continue;
        };
        let Term::NamedNode(object) = &quad.object else {
            continue;
        };
        if quad.predicate == rdf::TYPE && *object == af::ACTION {
            actions.insert(subject);
        } else if FLOW_EDGES.contains(&quad.predicate.as_ref()) {
            let next = after.entry(subject).or_default();
            if next.is_empty() {
                order.push(subject);
            }
            next.push(object);
        }
    }
    let mut pairs = Vec::new();
    for &action in order.iter().filter(|node| actions.contains(*node)) {
        let mut seen: HashSet<&NamedNode> = HashSet::new();
        let mut pending: Vec<&NamedNode> = after[action].iter().rev().copied().collect();
        while let Some(node) = pending.pop() {
            if !seen.insert(node) {
                continue;
            }
            if actions.contains(node) {
                pairs.push((action.clone(), node.clone()));
            } else if let Some(next) = after.get(node) {
                pending.extend(next.iter().rev());
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::GraphName;

    fn node(name: &str) -> NamedNode {
        NamedNode::new(format!("http://example.com/{name}")).unwrap()
    }

    fn quad(s: &str, p: oxigraph::model::NamedNodeRef<'_>, o: NamedNode) -> Quad {
        Quad::new(node(s), p, o, GraphName::DefaultGraph)
    }

    fn action(name: &str) -> Quad {
        quad(name, rdf::TYPE, af::ACTION.into_owned())
    }

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
        let pairs: Vec<(String, String)> = followed_by(&quads)
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

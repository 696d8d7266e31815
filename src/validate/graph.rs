//! The graph rules of the official validator, on a graph any format can build: references that
//! resolve, every node joined to the flow, a flow with a description.

use super::schemas::ATTACK_FLOW_SDOS;
use super::{Report, Rule};
use crate::error::Severity;
use serde_json::Value;
use std::collections::{HashMap, HashSet, VecDeque};

/// A node: an object of the document, by id.
pub(super) struct Node<'d> {
    id: &'d str,
    /// Its STIX type (`attack-flow`, `tool` ...).
    kind: &'d str,
    pointer: String,
    description: Option<&'d Value>,
}

/// A reference from one node to another id, where the document says it.
pub(super) struct Edge<'d> {
    from: &'d str,
    to: &'d str,
    pointer: String,
    key: &'d str,
}

/// Nodes in document order and the references between them.
#[derive(Default)]
pub(super) struct Graph<'d> {
    nodes: Vec<Node<'d>>,
    index: HashMap<&'d str, usize>,
    edges: Vec<Edge<'d>>,
    /// How bad a reference to nothing is: a warning for STIX (as the official validator says),
    /// an error for legacy files (as the 2022 validator said).
    pub dangling: Option<Severity>,
}

impl<'d> Graph<'d> {
    /// Adds a node; a second node with the same id is left out (the duplicate is reported by
    /// the format's own rules).
    pub(super) fn node(
        &mut self,
        id: &'d str,
        kind: &'d str,
        pointer: String,
        description: Option<&'d Value>,
    ) {
        if self.index.contains_key(id) {
            return;
        }
        self.index.insert(id, self.nodes.len());
        self.nodes.push(Node {
            id,
            kind,
            pointer,
            description,
        });
    }

    /// Adds a reference from `from` to `to`, found at `pointer` in property `key`.
    pub(super) fn edge(&mut self, from: &'d str, to: &'d str, pointer: String, key: &'d str) {
        self.edges.push(Edge {
            from,
            to,
            pointer,
            key,
        });
    }

    /// Every id the graph knows: its nodes, then referenced ids it does not hold, in order.
    fn all_ids(&self) -> Vec<&'d str> {
        let mut ids: Vec<&'d str> = self.nodes.iter().map(|n| n.id).collect();
        let mut seen: HashSet<&str> = ids.iter().copied().collect();
        for edge in &self.edges {
            for id in [edge.from, edge.to] {
                if seen.insert(id) {
                    ids.push(id);
                }
            }
        }
        ids
    }
}

/// Runs the three graph rules.
pub(super) fn check_graph(graph: &Graph<'_>, report: &mut Report) {
    dangling(graph, report);
    disconnected(graph, report);
    flow_description(graph, report);
}

/// References to ids the document does not hold. The official validator warns for Attack Flow
/// objects only; other dangling references (an author identity, a marking published elsewhere)
/// are notices, which do not change the verdict.
fn dangling(graph: &Graph<'_>, report: &mut Report) {
    let mut reported: HashSet<(&str, &str)> = HashSet::new();
    for edge in &graph.edges {
        for (holder, missing) in [(edge.from, edge.to), (edge.to, edge.from)] {
            if graph.index.contains_key(missing) || !reported.insert((holder, missing)) {
                continue;
            }
            let prefix = missing.split("--").next().unwrap_or_default();
            let severity = match graph.dangling {
                Some(severity) => severity,
                None if ATTACK_FLOW_SDOS.contains(&prefix) => Severity::Warning,
                None if points_outside(edge.key) => continue,
                None => Severity::Notice,
            };
            report.push(
                severity,
                edge.pointer.clone(),
                graph.index.contains_key(holder).then_some(holder),
                Rule::DanglingRef,
                format!(
                    "{} references \"{missing}\", which is not defined in this file",
                    edge.key
                ),
            );
        }
    }
}

/// References that by design name objects published elsewhere (ATT&CK techniques and tactics,
/// author identities, markings): not worth a notice when absent.
fn points_outside(key: &str) -> bool {
    matches!(
        key,
        "technique_ref" | "tactic_ref" | "created_by_ref" | "object_marking_refs"
    )
}

/// Nodes that no chain of references, in either direction, joins to the flow. As in the official
/// validator: the extension definition is taken out first, with the nodes it alone references
/// (its creator identity); threat actors and campaigns may stand apart.
fn disconnected(graph: &Graph<'_>, report: &mut Report) {
    let ids = graph.all_ids();
    let mut successors: HashMap<&str, Vec<&str>> = HashMap::new();
    for edge in &graph.edges {
        successors.entry(edge.from).or_default().push(edge.to);
    }
    let removed = removed_with_extensions(&ids, &successors);
    let mut neighbours: HashMap<&str, Vec<&str>> = HashMap::new();
    for edge in &graph.edges {
        if removed.contains(edge.from) || removed.contains(edge.to) {
            continue;
        }
        neighbours.entry(edge.from).or_default().push(edge.to);
        neighbours.entry(edge.to).or_default().push(edge.from);
    }
    let mut visited: HashSet<&str> = HashSet::new();
    let mut queue: VecDeque<&str> = graph
        .nodes
        .iter()
        .filter(|n| n.kind == "attack-flow" && !removed.contains(n.id))
        .map(|n| n.id)
        .collect();
    while let Some(id) = queue.pop_front() {
        if visited.insert(id) {
            queue.extend(neighbours.get(id).into_iter().flatten().copied());
        }
    }
    for id in ids {
        if visited.contains(id)
            || removed.contains(id)
            || id.starts_with("threat-actor--")
            || id.starts_with("campaign--")
        {
            continue;
        }
        let pointer = graph.index.get(id).map_or_else(
            || {
                graph
                    .edges
                    .iter()
                    .find(|e| e.to == id)
                    .map(|e| e.pointer.clone())
                    .unwrap_or_default()
            },
            |&i| graph.nodes[i].pointer.clone(),
        );
        report.push(
            Severity::Warning,
            pointer,
            Some(id),
            Rule::Disconnected,
            "not connected to the flow: no chain of references joins it to the attack-flow",
        );
    }
}

/// The extension definitions, and each node they reference that references nothing else.
fn removed_with_extensions<'d>(
    ids: &[&'d str],
    successors: &HashMap<&'d str, Vec<&'d str>>,
) -> HashSet<&'d str> {
    let mut removed: HashSet<&str> = HashSet::new();
    for &id in ids
        .iter()
        .filter(|id| id.starts_with("extension-definition--"))
    {
        removed.insert(id);
        for &next in successors.get(id).into_iter().flatten() {
            let others = successors
                .get(next)
                .into_iter()
                .flatten()
                .filter(|&&n| n != next && !removed.contains(n))
                .count();
            if others == 0 {
                removed.insert(next);
            }
        }
    }
    removed
}

/// The flow should say what it is about.
fn flow_description(graph: &Graph<'_>, report: &mut Report) {
    let Some(flow) = graph.nodes.iter().find(|n| n.kind == "attack-flow") else {
        return;
    };
    if !flow.description.is_some_and(is_truthy) {
        report.push(
            Severity::Warning,
            flow.pointer.clone(),
            Some(flow.id),
            Rule::FlowDescription,
            "the flow should have a description",
        );
    }
}

/// What Python counts as true: the official validator tests `if not description`.
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

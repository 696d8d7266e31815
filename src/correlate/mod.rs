//! Alert correlation: which stored flows contain the techniques a detection tool observed, in
//! the order it observed them, and what those flows say comes next.
//!
//! A flow's score is the longest run of events (in time order, others skipped as noise) that
//! its actions show one after another along the flow's edges. An event matches an action when
//! one of its techniques is the action's technique, its parent or one of its sub-techniques
//! (deprecated ids first replaced by their successors); an event with tactics only matches an
//! action of one of those tactics. The next techniques are those of the actions right after
//! the last matched one, with the assets they act on.

mod events;

pub use events::{Event, read_events};

use crate::map::find_ids;
use crate::query::select;
use crate::{FlowStore, Result};
use oxigraph::model::Term;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// One flow's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowMatch {
    pub flow: String,
    pub name: String,
    /// How many events the flow shows in order.
    pub matched: usize,
    pub events: usize,
    /// How many actions the flow has: of two flows matching as many events, the smaller
    /// one is the more specific answer.
    pub actions: usize,
    /// Likely next techniques, most often seen after the match first.
    pub next: Vec<NextTechnique>,
}

/// A technique that follows the matched actions in a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextTechnique {
    /// The ATT&CK id (`T1105`); for a deprecated id, the technique that replaces it.
    pub id: String,
    pub name: String,
    /// The ids as the flow writes them, where they differ from `id` (deprecated ones).
    pub written: Vec<String>,
    /// Names of the assets its actions act on.
    pub assets: Vec<String>,
}

/// One action of a flow, as matching needs it.
struct Action {
    /// Technique IRIs, deprecated ones replaced.
    techniques: BTreeSet<String>,
    /// Technique IRIs the flow uses that were replaced above.
    replaced: BTreeSet<String>,
    tactics: BTreeSet<String>,
}

struct FlowGraph {
    name: String,
    actions: BTreeMap<String, Action>,
    next: HashMap<String, Vec<String>>,
}

/// Ranks the stored flows against the events, best first; flows matching no event are left out.
pub fn rank(store: &FlowStore, events: &[Event]) -> Result<Vec<FlowMatch>> {
    let vocabulary = Vocabulary::load(store)?;
    let observed: Vec<Observed> = events.iter().map(|e| vocabulary.observe(e)).collect();
    let mut matches = Vec::new();
    for (flow, graph) in flows(store)? {
        let (matched, last) = longest_chain(&graph, &observed, &vocabulary);
        if matched == 0 {
            continue;
        }
        matches.push(FlowMatch {
            next: next_techniques(store, &flow, &graph, &last, &vocabulary)?,
            flow,
            actions: graph.actions.len(),
            name: graph.name,
            matched,
            events: events.len(),
        });
    }
    matches.sort_by(|a, b| {
        b.matched
            .cmp(&a.matched)
            .then(a.actions.cmp(&b.actions))
            .then(a.name.cmp(&b.name))
            .then(a.flow.cmp(&b.flow))
    });
    Ok(matches)
}

/// Technique IRIs as shared across flows: replacements and parents from the ATT&CK graph.
struct Vocabulary {
    replaced_by: HashMap<String, String>,
    parent: HashMap<String, String>,
    label: HashMap<String, String>,
}

/// What one event observed, as IRIs.
struct Observed {
    techniques: BTreeSet<String>,
    tactics: BTreeSet<String>,
}

fn text(term: Option<&Term>) -> String {
    match term {
        Some(Term::NamedNode(n)) => n.as_str().to_owned(),
        Some(Term::Literal(l)) => l.value().to_owned(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

fn rows(store: &FlowStore, query: &str) -> Result<Vec<Vec<String>>> {
    let (_, rows) = select(store.store(), query)?;
    Ok(rows
        .into_iter()
        .map(|row| row.iter().map(|t| text(t.as_ref())).collect())
        .collect())
}

impl Vocabulary {
    fn load(store: &FlowStore) -> Result<Self> {
        let pairs = |query: &str| -> Result<HashMap<String, String>> {
            Ok(rows(store, query)?
                .into_iter()
                .map(|r| (r[0].clone(), r[1].clone()))
                .collect())
        };
        Ok(Self {
            replaced_by: pairs("SELECT ?t ?r WHERE { ?t dcterms:isReplacedBy ?r }")?,
            parent: pairs("SELECT ?t ?p WHERE { ?t skos:broader ?p }")?,
            label: pairs("SELECT ?t ?l WHERE { ?t skos:notation ?n ; skos:prefLabel ?l }")?,
        })
    }

    fn canonical(&self, iri: &str) -> String {
        self.replaced_by
            .get(iri)
            .cloned()
            .unwrap_or_else(|| iri.to_owned())
    }

    fn observe(&self, event: &Event) -> Observed {
        let iris = |ids: &[String]| -> BTreeSet<String> {
            ids.iter()
                .flat_map(|id| find_ids(id))
                .map(|id| self.canonical(&id.iri()))
                .collect()
        };
        Observed {
            techniques: iris(&event.techniques),
            tactics: iris(&event.tactics),
        }
    }

    /// Same technique, or one is the other's parent.
    fn related(&self, a: &str, b: &str) -> bool {
        a == b
            || self.parent.get(a).is_some_and(|p| p == b)
            || self.parent.get(b).is_some_and(|p| p == a)
    }

    fn matches(&self, observed: &Observed, action: &Action) -> bool {
        if observed.techniques.is_empty() {
            return !observed.tactics.is_disjoint(&action.tactics);
        }
        observed
            .techniques
            .iter()
            .any(|o| action.techniques.iter().any(|a| self.related(o, a)))
    }
}

/// Every flow's actions and next-action edges (through operators, conditions and, in legacy
/// flows, the assets actions provide).
fn flows(store: &FlowStore) -> Result<BTreeMap<String, FlowGraph>> {
    let mut flows: BTreeMap<String, FlowGraph> = BTreeMap::new();
    for row in rows(store, ACTIONS)? {
        let flow = flows.entry(row[0].clone()).or_insert_with(|| FlowGraph {
            name: row[1].clone(),
            actions: BTreeMap::new(),
            next: HashMap::new(),
        });
        let action = flow.actions.entry(row[2].clone()).or_insert(Action {
            techniques: BTreeSet::new(),
            replaced: BTreeSet::new(),
            tactics: BTreeSet::new(),
        });
        if row[5] != row[3] && !row[5].is_empty() {
            action.replaced.insert(row[5].clone());
        }
        for (set, value) in [
            (&mut action.techniques, &row[3]),
            (&mut action.tactics, &row[4]),
        ] {
            if !value.is_empty() {
                set.insert(value.clone());
            }
        }
    }
    for row in rows(store, NEXT)? {
        if let Some(flow) = flows.get_mut(&row[0]) {
            flow.next
                .entry(row[1].clone())
                .or_default()
                .push(row[2].clone());
        }
    }
    Ok(flows)
}

const ACTIONS: &str = "SELECT ?flow ?name ?action ?technique ?tactic ?used WHERE {
  GRAPH ?flow { ?action a af:Action . OPTIONAL { ?flow af:name ?name }
                OPTIONAL { ?action af:technique ?used } OPTIONAL { ?action af:tactic ?tactic } }
  OPTIONAL { ?used dcterms:isReplacedBy ?replacement }
  BIND(COALESCE(?replacement, ?used) AS ?technique)
}";

const NEXT: &str = "SELECT ?flow ?action ?following WHERE {
  GRAPH ?flow { ?action af:followedBy ?following } }";

/// Actions reachable from `from` along next-action edges (not `from` itself unless on a cycle).
fn reachable(graph: &FlowGraph, from: &str) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut stack: Vec<&String> = graph.next.get(from).into_iter().flatten().collect();
    while let Some(action) = stack.pop() {
        if seen.insert(action.clone()) {
            stack.extend(graph.next.get(action).into_iter().flatten());
        }
    }
    seen
}

/// The longest chain of events shown in order, and the actions that can end it.
fn longest_chain(
    graph: &FlowGraph,
    observed: &[Observed],
    vocabulary: &Vocabulary,
) -> (usize, Vec<String>) {
    let reach: HashMap<&String, HashSet<String>> = graph
        .actions
        .keys()
        .map(|a| (a, reachable(graph, a)))
        .collect();
    // Best chain length ending at each action, events taken in order.
    let mut best: HashMap<&String, usize> = HashMap::new();
    for event in observed {
        let mut updates = Vec::new();
        for (action, details) in &graph.actions {
            if !vocabulary.matches(event, details) {
                continue;
            }
            let before = best
                .iter()
                .filter(|(earlier, _)| reach[*earlier].contains(action))
                .map(|(_, n)| *n)
                .max()
                .unwrap_or(0);
            updates.push((action, before + 1));
        }
        for (action, length) in updates {
            let entry = best.entry(action).or_insert(0);
            *entry = (*entry).max(length);
        }
    }
    let longest = best.values().copied().max().unwrap_or(0);
    let ends = best
        .into_iter()
        .filter(|(_, n)| *n == longest)
        .map(|(a, _)| a.clone())
        .collect();
    (longest, ends)
}

/// The techniques right after the chain's last actions, most frequent first.
fn next_techniques(
    store: &FlowStore,
    flow: &str,
    graph: &FlowGraph,
    last: &[String],
    vocabulary: &Vocabulary,
) -> Result<Vec<NextTechnique>> {
    let mut counts: BTreeMap<String, (usize, BTreeSet<String>, BTreeSet<String>)> = BTreeMap::new();
    let assets = assets(store, flow)?;
    for action in last
        .iter()
        .flat_map(|a| graph.next.get(a).into_iter().flatten())
    {
        let Some(details) = graph.actions.get(action) else {
            continue;
        };
        for technique in &details.techniques {
            let entry = counts.entry(technique.clone()).or_default();
            entry.0 += 1;
            entry
                .1
                .extend(assets.get(action).cloned().unwrap_or_default());
            let written = details.replaced.iter();
            entry.2.extend(
                written
                    .filter(|r| vocabulary.canonical(r) == *technique)
                    .map(|r| local_id(r)),
            );
        }
    }
    let mut next: Vec<(usize, NextTechnique)> = counts
        .into_iter()
        .map(|(iri, (count, assets, written))| {
            let name = vocabulary.label.get(&iri).cloned().unwrap_or_default();
            (
                count,
                NextTechnique {
                    id: local_id(&iri),
                    name,
                    written: written.into_iter().collect(),
                    assets: assets.into_iter().collect(),
                },
            )
        })
        .collect();
    next.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.id.cmp(&b.1.id)));
    Ok(next.into_iter().map(|(_, n)| n).collect())
}

/// `https://w3id.org/flowkg/ns/attack/T1105` → `T1105`.
fn local_id(iri: &str) -> String {
    iri.rsplit('/').next().unwrap_or(iri).to_owned()
}

/// Action → names of the assets it acts on (or, in legacy flows, provides), in one flow.
fn assets(store: &FlowStore, flow: &str) -> Result<HashMap<String, BTreeSet<String>>> {
    let graph = oxigraph::model::NamedNode::new(flow)
        .map_err(|e| crate::Error::Query(format!("{flow}: {e}")))?;
    let query = format!(
        "SELECT ?action ?name WHERE {{ GRAPH {graph} {{ ?action af:asset|af:provides ?asset . ?asset af:name ?name }} }}"
    );
    let mut assets: HashMap<String, BTreeSet<String>> = HashMap::new();
    for row in rows(store, &query)? {
        assets
            .entry(row[0].clone())
            .or_default()
            .insert(row[1].clone());
    }
    Ok(assets)
}

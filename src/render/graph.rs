//! RDF graph → [`Picture`]: the nodes and edges of flows as the store holds them, and the shared
//! IRIs (`af:entity`, `af:assetKind`) that join flows.

use super::{Cluster, Edge, EdgeKind, Node, NodeKind, Picture, rows};
use crate::model::ObjectKind;
use crate::vocab::af;
use crate::{Error, FlowStore, Result};
use oxigraph::model::{NamedNode, NamedNodeRef};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// STIX types that are not drawn: the flow itself (it is the picture), relationships (drawn
/// as edges), legacy statements (drawn as edges) and the extension's bookkeeping.
fn drawn(stix_type: &str) -> bool {
    !matches!(
        stix_type,
        "attack-flow" | "relationship" | "extension-definition" | "marking-definition"
    ) && !stix_type.starts_with("x-legacy-")
}

/// Finds the flows a user names (flow key, graph IRI, STIX id of the flow, source path or flow
/// name); every name must match at least one flow. No names: every flow in the store.
pub fn select_flows(store: &FlowStore, wanted: &[String]) -> Result<Vec<NamedNode>> {
    let flows = store.flows()?;
    if wanted.is_empty() {
        let mut all: Vec<_> = flows
            .into_iter()
            .map(|f| (f.name.unwrap_or_default(), f.graph))
            .collect();
        all.sort();
        return Ok(all.into_iter().map(|(_, g)| g).collect());
    }
    let mut graphs = Vec::new();
    for name in wanted {
        let what = std::fs::canonicalize(name).map_or(name.clone(), |p| p.display().to_string());
        let mut found = store.find(&what)?;
        if found.is_empty() {
            found = flows
                .iter()
                .filter(|f| f.name.as_deref() == Some(name.as_str()))
                .map(|f| f.graph.clone())
                .collect();
        }
        if found.is_empty() {
            return Err(Error::Render(format!("{name}: no such flow")));
        }
        for graph in found {
            if !graphs.contains(&graph) {
                graphs.push(graph);
            }
        }
    }
    Ok(graphs)
}

/// The picture of one flow.
pub fn flow_picture(store: &FlowStore, graph: NamedNodeRef<'_>) -> Result<Picture> {
    let flow = read_flow(store, graph, 0)?;
    Ok(Picture {
        title: flow.cluster.name.clone(),
        clusters: vec![flow.cluster],
        shared: Vec::new(),
        edges: flow.edges,
    })
}

/// Several flows, each in its own cluster, joined at the shared entities (same asset kind,
/// software, vulnerability, actor, campaign or observable) that two or more of them point to:
/// each is drawn once, outside the clusters, with an edge from every node that is (or is an
/// occurrence of) it.
pub fn overlap_picture(store: &FlowStore, graphs: &[NamedNode]) -> Result<Picture> {
    if graphs.len() < 2 {
        return Err(Error::Render(format!(
            "an overlap picture needs two or more flows ({} given)",
            graphs.len()
        )));
    }
    let mut picture = Picture::default();
    // shared IRI → (flows pointing to it, (node id, IRI) pairs)
    let mut shared: BTreeMap<String, (BTreeSet<usize>, Vec<String>)> = BTreeMap::new();
    for (index, graph) in graphs.iter().enumerate() {
        let flow = read_flow(store, graph.as_ref(), index)?;
        for (node, iri) in flow.shared {
            let entry = shared.entry(iri).or_default();
            entry.0.insert(index);
            entry.1.push(node);
        }
        picture.clusters.push(flow.cluster);
        picture.edges.extend(flow.edges);
    }
    let labels = labels(store)?;
    for (iri, (_, nodes)) in shared.into_iter().filter(|(_, (f, _))| f.len() > 1) {
        let id = format!("s{}", picture.shared.len());
        for node in nodes {
            picture.edges.push(Edge {
                from: node,
                to: id.clone(),
                kind: EdgeKind::Shared,
                label: None,
            });
        }
        picture.shared.push(Node {
            title: format!("shared {}", namespace_name(&iri)),
            text: labels
                .get(&iri)
                .cloned()
                .unwrap_or_else(|| local_name(&iri)),
            id,
            iri,
            kind: NodeKind::Shared,
        });
    }
    let names: Vec<&str> = picture.clusters.iter().map(|c| c.name.as_str()).collect();
    picture.title = names.join(" + ");
    Ok(picture)
}

struct FlowPart {
    cluster: Cluster,
    edges: Vec<Edge>,
    /// (node id, shared IRI) for every `af:entity` and `af:assetKind` of a drawn node.
    shared: Vec<(String, String)>,
}

/// What is known of one node, first value of each property.
#[derive(Default)]
struct Fields {
    stix_type: String,
    name: Option<String>,
    description: Option<String>,
    technique: Option<String>,
    tactic: Option<String>,
    operator: Option<String>,
    value: Option<String>,
    state: Option<String>,
}

fn read_flow(store: &FlowStore, graph: NamedNodeRef<'_>, index: usize) -> Result<FlowPart> {
    let g = graph.as_str();
    let name = rows(
        store,
        &format!("SELECT ?name WHERE {{ GRAPH <{g}> {{ <{g}> af:name ?name }} }} LIMIT 1"),
    )?
    .into_iter()
    .next()
    .and_then(|mut r| r.swap_remove(0))
    .unwrap_or_else(|| local_name(g));
    // Observables have no name: their value (an address, a path, a key, an account ...).
    let value_predicates: Vec<String> = [
        "value",
        "path",
        "key",
        "user_id",
        "account_login",
        "display_name",
        "command_line",
        "number",
    ]
    .iter()
    .map(|key| crate::map::predicate_for_key(key).to_string())
    .collect();
    let value_predicates = value_predicates.join(" ");
    let query = format!(
        "SELECT ?n ?type ?name ?desc ?tech ?tactic ?op ?value ?state WHERE {{ GRAPH <{g}> {{
           ?n af:stixType ?type . FILTER(?n != <{g}>)
           OPTIONAL {{ ?n af:name ?name }} OPTIONAL {{ ?n af:description ?desc }}
           OPTIONAL {{ ?n af:techniqueId ?tech }} OPTIONAL {{ ?n af:tacticId ?tactic }}
           OPTIONAL {{ ?n af:operator ?op }} OPTIONAL {{ ?n af:state ?state }}
           OPTIONAL {{ VALUES ?vp {{ {value_predicates} }} ?n ?vp ?value FILTER(isLiteral(?value)) }}
         }} }} ORDER BY ?n ?name ?desc ?tech ?tactic ?op ?value ?state"
    );
    let mut fields: BTreeMap<String, Fields> = BTreeMap::new();
    for row in rows(store, &query)? {
        let mut row = row.into_iter();
        let (Some(Some(node)), Some(Some(stix_type))) = (row.next(), row.next()) else {
            continue;
        };
        if !drawn(&stix_type) {
            continue;
        }
        let entry = fields.entry(node).or_insert_with(|| Fields {
            stix_type,
            ..Fields::default()
        });
        for slot in [
            &mut entry.name,
            &mut entry.description,
            &mut entry.technique,
            &mut entry.tactic,
            &mut entry.operator,
            &mut entry.value,
            &mut entry.state,
        ] {
            let value = row.next().flatten();
            if slot.is_none() {
                *slot = value;
            }
        }
    }
    let mut ids: HashMap<String, String> = HashMap::new();
    let mut nodes = Vec::new();
    for (iri, f) in &fields {
        let id = format!("f{index}n{}", nodes.len());
        ids.insert(iri.clone(), id.clone());
        nodes.push(node(id, iri, f));
    }
    let edges = read_edges(store, g, &ids)?;
    // An identity that nothing but `created_by_ref` points to (the extension's author) is
    // bookkeeping, not part of the attack.
    nodes.retain(|n: &Node| {
        n.title != "identity" || edges.iter().any(|e| e.from == n.id || e.to == n.id)
    });
    let mut shared = Vec::new();
    for row in rows(
        store,
        &format!(
            "SELECT DISTINCT ?n ?s WHERE {{ GRAPH <{g}> {{ ?n af:entity|af:assetKind ?s }} }} ORDER BY ?n ?s"
        ),
    )? {
        if let [Some(n), Some(s)] = &row[..]
            && let Some(id) = ids.get(n)
        {
            shared.push((id.clone(), s.clone()));
        }
    }
    Ok(FlowPart {
        cluster: Cluster {
            flow: g.to_owned(),
            name,
            nodes,
        },
        edges,
        shared,
    })
}

fn node(id: String, iri: &str, f: &Fields) -> Node {
    let kind = match ObjectKind::of_stix_type(&f.stix_type) {
        ObjectKind::Action => NodeKind::Action,
        ObjectKind::Asset => NodeKind::Asset,
        ObjectKind::Condition => NodeKind::Condition,
        ObjectKind::Operator => NodeKind::Operator,
        _ => NodeKind::Other,
    };
    let first = |options: &[&Option<String>]| {
        options
            .iter()
            .find_map(|o| o.as_deref().map(str::trim).filter(|s| !s.is_empty()))
            .unwrap_or("")
            .to_owned()
    };
    let (title, text) = match kind {
        NodeKind::Action => {
            let ids: Vec<&str> = [&f.technique, &f.tactic]
                .iter()
                .filter_map(|o| o.as_deref())
                .collect();
            let title = if ids.is_empty() {
                "Action".to_owned()
            } else {
                ids.join(" · ")
            };
            (title, first(&[&f.name, &f.description]))
        }
        NodeKind::Asset => (
            "Asset".to_owned(),
            first(&[&f.name, &f.state, &f.description]),
        ),
        NodeKind::Condition => ("Condition".to_owned(), first(&[&f.description, &f.name])),
        NodeKind::Operator => (String::new(), first(&[&f.operator, &f.name])),
        NodeKind::Other | NodeKind::Shared => (
            f.stix_type.clone(),
            first(&[&f.name, &f.value, &f.description]),
        ),
    };
    Node {
        id,
        iri: iri.to_owned(),
        kind,
        title,
        text,
    }
}

/// The edges between drawn nodes: flow structure, references, relationships and legacy
/// statements (the materialised direct edges stand for those). Action succession
/// (`af:followedBy`) is derived from the drawn flow edges, so it is not drawn again.
fn read_edges(store: &FlowStore, g: &str, ids: &HashMap<String, String>) -> Result<Vec<Edge>> {
    let mut edges = BTreeSet::new();
    let skipped = [
        af::FOLLOWED_BY,
        af::RELATED_TO,
        af::CREATED_BY,
        af::START,
        af::FLOW_EDGE,
        af::SOURCE,
        af::TARGET,
    ];
    for row in rows(
        store,
        &format!("SELECT ?s ?p ?o WHERE {{ GRAPH <{g}> {{ ?s ?p ?o . FILTER(isIRI(?o)) }} }}"),
    )? {
        let [Some(s), Some(p), Some(o)] = &row[..] else {
            continue;
        };
        let (Some(from), Some(to)) = (ids.get(s), ids.get(o)) else {
            continue;
        };
        if skipped.iter().any(|t| t.as_str() == p) {
            continue;
        }
        let (kind, label) = match p.as_str() {
            p if p == af::EFFECT.as_str() => (EdgeKind::Effect, None),
            p if p == af::ON_TRUE.as_str() => (EdgeKind::OnTrue, Some("true".to_owned())),
            p if p == af::ON_FALSE.as_str() => (EdgeKind::OnFalse, Some("false".to_owned())),
            p if p == af::ASSET_REF.as_str() => (EdgeKind::Asset, None),
            p if p == af::PROVIDES.as_str() => (EdgeKind::Effect, Some("provides".to_owned())),
            p if p == af::REQUIRED_BY.as_str() => {
                (EdgeKind::Effect, Some("required by".to_owned()))
            }
            other => (EdgeKind::Reference, Some(local_name(other))),
        };
        edges.insert(Edge {
            from: from.clone(),
            to: to.clone(),
            kind,
            label,
        });
    }
    for row in rows(
        store,
        &format!(
            "SELECT ?s ?t ?type WHERE {{ GRAPH <{g}> {{ ?r a af:Relationship ; af:source ?s ; af:target ?t .
               OPTIONAL {{ ?r af:relationshipType ?type }} }} }}"
        ),
    )? {
        let [Some(s), Some(t), label] = &row[..] else {
            continue;
        };
        if let (Some(from), Some(to)) = (ids.get(s), ids.get(t)) {
            edges.insert(Edge {
                from: from.clone(),
                to: to.clone(),
                kind: EdgeKind::Reference,
                label: Some(label.clone().unwrap_or_else(|| "related-to".to_owned())),
            });
        }
    }
    Ok(edges.into_iter().collect())
}

/// Labels of shared IRIs, from the namespaces loaded in the store.
fn labels(store: &FlowStore) -> Result<HashMap<String, String>> {
    store.ensure_namespaces()?;
    let mut labels = HashMap::new();
    for row in rows(
        store,
        "SELECT ?s ?l WHERE { ?s skos:prefLabel|rdfs:label ?l } ORDER BY ?s DESC(LANGMATCHES(LANG(?l), 'en')) ?l",
    )? {
        if let [Some(s), Some(l)] = &row[..] {
            labels.entry(s.clone()).or_insert_with(|| l.clone());
        }
    }
    Ok(labels)
}

/// `https://w3id.org/flowkg/ns/asset-kind/domain-controller` → `asset kind`.
fn namespace_name(iri: &str) -> String {
    iri.strip_prefix(crate::vocab::ns::SHARED)
        .and_then(|rest| rest.split('/').next())
        .map_or_else(|| "entity".to_owned(), |ns| ns.replace('-', " "))
}

/// The last segment of an IRI (after `#` or `/`), percent-decoded.
fn local_name(iri: &str) -> String {
    let tail = iri.rsplit(['#', '/']).next().unwrap_or(iri);
    let bytes = tail.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = tail
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

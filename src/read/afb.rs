//! Attack Flow Builder save files (`.afb`, `"schema": "attack_flow_v2"`).
//!
//! Nodes hang anchors; a `dynamic_line` joins two latches; a latch sits on an anchor; the key of
//! the anchor in its node says where the line leaves (`branch:True` / `branch:False` on
//! conditions). Lines become the typed references the Builder's STIX export writes, except
//! that condition branches become `on_true_refs` / `on_false_refs`, as the extension specifies.

use super::{Diagnostics, as_object, json_type, required_array, required_str};
use crate::error::{ReadError, pointer_push};
use crate::model::{Flow, Object, ObjectKind, Source};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};

const STRUCTURE: [&str; 5] = [
    "horizontal_anchor",
    "vertical_anchor",
    "generic_latch",
    "generic_handle",
    "dynamic_line",
];

/// Top-level members that are diagram geometry only: not part of the flow's meaning.
const GEOMETRY: [&str; 2] = ["layout", "camera"];

/// One entry of the file's `objects` list.
struct Entry<'d> {
    template: &'d str,
    instance: &'d str,
    body: &'d Map<String, Value>,
    pointer: String,
}

pub(super) fn read(source: Source, mut document: Map<String, Value>) -> Result<Flow, ReadError> {
    let name = source.name.clone();
    let mut diagnostics = Diagnostics::new(&name);
    let items = required_array(&name, &document, "", "objects")?.clone();
    let entries = index_entries(&name, &items)?;
    let by_instance: HashMap<&str, usize> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.instance, i))
        .collect();

    let mut nodes = Vec::new();
    let mut node_of: HashMap<&str, usize> = HashMap::new();
    for entry in entries.iter().filter(|e| !STRUCTURE.contains(&e.template)) {
        node_of.insert(entry.instance, nodes.len());
        nodes.push(node_object(&name, entry, &mut diagnostics)?);
    }
    let flow_index = single_flow(&name, &entries, &nodes)?;

    let anchor_owner = anchor_owners(&name, &entries, &by_instance)?;
    let latch_anchor = latch_anchors(&name, &entries, &by_instance)?;
    let mut relationships = Vec::new();
    for entry in entries.iter().filter(|e| e.template == "dynamic_line") {
        let Some((from, anchor_key, to)) = line_ends(
            &name,
            entry,
            &by_instance,
            &latch_anchor,
            &anchor_owner,
            &node_of,
            &mut diagnostics,
        )?
        else {
            continue;
        };
        if let Some(relationship) = add_edge(&mut nodes, from, &anchor_key, to, entry) {
            relationships.push(relationship);
        }
    }
    let start_refs = start_refs(&nodes, &entries, flow_index, &node_of);
    if !start_refs.is_empty() {
        nodes[flow_index]
            .properties
            .insert("start_refs".into(), Value::from(start_refs));
    }
    nodes.extend(relationships);
    document.remove("objects");
    for key in GEOMETRY {
        document.remove(key);
    }
    Ok(Flow {
        source,
        objects: nodes,
        container: document,
        diagnostics: diagnostics.into_vec(),
    })
}

fn index_entries<'d>(source: &str, items: &'d [Value]) -> Result<Vec<Entry<'d>>, ReadError> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut entries = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let pointer = format!("/objects/{index}");
        let body = as_object(source, item, &pointer)?;
        let template = required_str(source, body, &pointer, "id")?;
        let instance = required_str(source, body, &pointer, "instance")?;
        if let Some(first) = seen.insert(instance, index) {
            return Err(ReadError::invalid(
                source,
                pointer_push(&pointer, "instance"),
                format!("duplicate instance \"{instance}\" (first used at /objects/{first})"),
            ));
        }
        entries.push(Entry {
            template,
            instance,
            body,
            pointer,
        });
    }
    Ok(entries)
}

/// The STIX type the Builder exports a template as.
fn stix_type(template: &str) -> String {
    match template {
        "flow" => "attack-flow".into(),
        "action" => "attack-action".into(),
        "asset" => "attack-asset".into(),
        "condition" => "attack-condition".into(),
        "AND_operator" | "OR_operator" => "attack-operator".into(),
        "email_address" => "email-addr".into(),
        other => other.replace('_', "-"),
    }
}

fn node_object(
    source: &str,
    entry: &Entry<'_>,
    diagnostics: &mut Diagnostics<'_>,
) -> Result<Object, ReadError> {
    let stix_type = stix_type(entry.template);
    let mut properties = Map::new();
    if let Some(list) = entry.body.get("properties") {
        let at = pointer_push(&entry.pointer, "properties");
        let Value::Array(pairs) = list else {
            return Err(ReadError::invalid(
                source,
                at,
                format!(
                    "expected a list of [key, value] pairs, found {}",
                    json_type(list)
                ),
            ));
        };
        for (index, pair) in pairs.iter().enumerate() {
            let at = pointer_push(&at, index);
            let (key, value) = as_pair(source, pair, &at)?;
            if let Some(value) = convert(key, value, &pointer_push(&at, 1), diagnostics) {
                properties.insert(key.to_owned(), value);
            }
        }
    }
    match entry.template {
        "AND_operator" | "OR_operator" if !properties.contains_key("operator") => {
            let operator = entry.template.trim_end_matches("_operator");
            properties.insert("operator".into(), Value::from(operator));
        }
        "action" => unfold_ttp(&mut properties),
        _ => {}
    }
    Ok(Object {
        id: format!("{stix_type}--{}", entry.instance),
        kind: ObjectKind::of_stix_type(&stix_type),
        stix_type,
        properties,
        pointer: entry.pointer.clone(),
    })
}

fn as_pair<'v>(source: &str, pair: &'v Value, at: &str) -> Result<(&'v str, &'v Value), ReadError> {
    match pair.as_array().map(Vec::as_slice) {
        Some([Value::String(key), value]) => Ok((key, value)),
        _ => Err(ReadError::invalid(
            source,
            at,
            format!("expected a [key, value] pair, found {}", json_type(pair)),
        )),
    }
}

/// The Builder's action form holds tactic and technique in a `ttp` tuple; it exports them as
/// `tactic_id` / `technique_id`, which is what the tuple means.
fn unfold_ttp(properties: &mut Map<String, Value>) {
    let Some(Value::Object(mut ttp)) = properties.remove("ttp") else {
        return;
    };
    for (part, key) in [("tactic", "tactic_id"), ("technique", "technique_id")] {
        if let Some(value) = ttp.remove(part) {
            properties.insert(key.into(), value);
        }
    }
    if !ttp.is_empty() {
        properties.insert("ttp".into(), Value::Object(ttp));
    }
}

/// Converts a Builder property value to its JSON meaning. Unset values (`null`, empty lists and
/// strings, which every template carries for each field left blank) give `None`.
fn convert(key: &str, value: &Value, at: &str, diagnostics: &mut Diagnostics<'_>) -> Option<Value> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::Array(items) if items.is_empty() => None,
        Value::Array(items) if is_pair_list(items) => {
            let pairs: Vec<(&str, &Value)> = items
                .iter()
                .filter_map(|p| match p.as_array().map(Vec::as_slice) {
                    Some([Value::String(k), v]) => Some((k.as_str(), v)),
                    _ => None,
                })
                .collect();
            if pairs.iter().all(|(k, _)| is_item_id(k)) {
                let list: Vec<Value> = pairs
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (k, v))| {
                        convert(k, v, &pointer_push(&pointer_push(at, i), 1), diagnostics)
                    })
                    .collect();
                (!list.is_empty()).then_some(Value::Array(list))
            } else {
                let mut map = Map::new();
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if let Some(v) =
                        convert(k, v, &pointer_push(&pointer_push(at, i), 1), diagnostics)
                    {
                        map.insert((*k).to_owned(), v);
                    }
                }
                (!map.is_empty()).then_some(Value::Object(map))
            }
        }
        Value::Object(date) if date.contains_key("time") => {
            let time = date.get("time").cloned().filter(|t| !t.is_null())?;
            if let Some(zone) = date.get("zone").and_then(Value::as_str) {
                diagnostics.notice(
                    at,
                    format!("\"{key}\": kept the instant with its UTC offset; the zone name \"{zone}\" is display information"),
                );
            }
            Some(time)
        }
        other => Some(other.clone()),
    }
}

fn is_pair_list(items: &[Value]) -> bool {
    items.iter().all(|item| {
        matches!(
            item.as_array().map(Vec::as_slice),
            Some([Value::String(_), _])
        )
    })
}

/// Builder list items are keyed by 32 hex digits.
fn is_item_id(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit())
}

fn single_flow(source: &str, entries: &[Entry<'_>], nodes: &[Object]) -> Result<usize, ReadError> {
    let mut flows = nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.kind == ObjectKind::Flow);
    match (flows.next(), flows.next()) {
        (Some((index, _)), None) => Ok(index),
        (Some(_), Some((_, second))) => Err(ReadError::invalid(
            source,
            &second.pointer,
            "a second flow object: a file holds exactly one flow",
        )),
        (None, _) => Err(ReadError::invalid(
            source,
            "/objects",
            format!("no \"flow\" object among {} objects", entries.len()),
        )),
    }
}

/// Anchor instance → (owning node instance, anchor key in that node).
fn anchor_owners<'d>(
    source: &str,
    entries: &[Entry<'d>],
    by_instance: &HashMap<&str, usize>,
) -> Result<HashMap<&'d str, (&'d str, &'d str)>, ReadError> {
    let mut owner = HashMap::new();
    for entry in entries.iter().filter(|e| !STRUCTURE.contains(&e.template)) {
        let Some(anchors) = entry.body.get("anchors") else {
            continue;
        };
        let at = pointer_push(&entry.pointer, "anchors");
        for (key, anchor) in as_object(source, anchors, &at)? {
            let at = pointer_push(&at, key);
            let Value::String(anchor) = anchor else {
                return Err(ReadError::invalid(
                    source,
                    at,
                    format!(
                        "expected an anchor instance id, found {}",
                        json_type(anchor)
                    ),
                ));
            };
            if !by_instance.contains_key(anchor.as_str()) {
                return Err(ReadError::invalid(
                    source,
                    at,
                    format!("anchor \"{anchor}\" is not among the file's objects"),
                ));
            }
            owner.insert(anchor.as_str(), (entry.instance, key.as_str()));
        }
    }
    Ok(owner)
}

/// Latch instance → the anchor it hangs on.
fn latch_anchors<'d>(
    source: &str,
    entries: &[Entry<'d>],
    by_instance: &HashMap<&str, usize>,
) -> Result<HashMap<&'d str, &'d str>, ReadError> {
    let mut anchor_of = HashMap::new();
    for entry in entries.iter().filter(|e| e.template.ends_with("_anchor")) {
        let Some(latches) = entry.body.get("latches") else {
            continue;
        };
        let at = pointer_push(&entry.pointer, "latches");
        let Value::Array(latches) = latches else {
            return Err(ReadError::invalid(
                source,
                at,
                format!("expected a list of latch ids, found {}", json_type(latches)),
            ));
        };
        for (index, latch) in latches.iter().enumerate() {
            let at = pointer_push(&at, index);
            let Some(latch) = latch.as_str() else {
                return Err(ReadError::invalid(
                    source,
                    at,
                    "expected a latch instance id",
                ));
            };
            if !by_instance.contains_key(latch) {
                return Err(ReadError::invalid(
                    source,
                    at,
                    format!("latch \"{latch}\" is not among the file's objects"),
                ));
            }
            anchor_of.insert(latch, entry.instance);
        }
    }
    Ok(anchor_of)
}

/// The nodes a line joins and the anchor key it leaves from; `None` (with a warning) when an
/// end hangs on nothing, as the Builder allows for a line not yet connected.
#[allow(clippy::too_many_arguments)]
fn line_ends<'d>(
    source: &str,
    line: &Entry<'d>,
    by_instance: &HashMap<&str, usize>,
    latch_anchor: &HashMap<&'d str, &'d str>,
    anchor_owner: &HashMap<&'d str, (&'d str, &'d str)>,
    node_of: &HashMap<&str, usize>,
    diagnostics: &mut Diagnostics<'_>,
) -> Result<Option<(usize, String, usize)>, ReadError> {
    let mut ends = Vec::with_capacity(2);
    for end in ["source", "target"] {
        let latch = required_str(source, line.body, &line.pointer, end)?;
        let at = pointer_push(&line.pointer, end);
        if !by_instance.contains_key(latch) {
            return Err(ReadError::invalid(
                source,
                at,
                format!(
                    "line {end} points at latch \"{latch}\", which is not among the file's objects"
                ),
            ));
        }
        let owner = latch_anchor
            .get(latch)
            .and_then(|anchor| anchor_owner.get(anchor));
        match owner.and_then(|(node, key)| node_of.get(node).map(|&n| (n, *key))) {
            Some(found) => ends.push(found),
            None => {
                diagnostics.warn(
                    &at,
                    format!("line {} has its {end} end attached to no object; it joins nothing and is left out", line.instance),
                );
                return Ok(None);
            }
        }
    }
    Ok(Some((ends[0].0, ends[0].1.to_owned(), ends[1].0)))
}

/// Addresses that network traffic flows from or to.
fn is_address(stix_type: &str) -> bool {
    matches!(
        stix_type,
        "ipv4-addr" | "ipv6-addr" | "mac-addr" | "domain-name"
    )
}

/// Records a line as the reference the Builder writes, or returns the `related-to` relationship
/// it becomes.
fn add_edge(
    nodes: &mut [Object],
    from: usize,
    anchor_key: &str,
    to: usize,
    line: &Entry<'_>,
) -> Option<Object> {
    let (source, target) = (&nodes[from], &nodes[to]);
    let flows_on = matches!(
        target.kind,
        ObjectKind::Action | ObjectKind::Operator | ObjectKind::Condition
    );
    let unset =
        |node: &Object, key: &'static str| (!node.properties.contains_key(key)).then_some(key);
    // (the node that holds the reference, its property, the node referenced)
    let reference = match (source.kind, source.stix_type.as_str()) {
        (ObjectKind::Action | ObjectKind::Operator, _) if flows_on => {
            Some((from, "effect_refs", to))
        }
        (ObjectKind::Action, _) if target.kind == ObjectKind::Asset => {
            Some((from, "asset_refs", to))
        }
        (ObjectKind::Action, _) if target.stix_type == "process" => {
            unset(source, "command_ref").map(|k| (from, k, to))
        }
        (ObjectKind::Condition, _) if flows_on && anchor_key == "branch:True" => {
            Some((from, "on_true_refs", to))
        }
        (ObjectKind::Condition, _) if flows_on && anchor_key == "branch:False" => {
            Some((from, "on_false_refs", to))
        }
        (ObjectKind::Asset, _) => unset(source, "object_ref").map(|k| (from, k, to)),
        // Traffic flows from the address a line comes from, to the address a line goes to.
        (_, "network-traffic") if is_address(&target.stix_type) => {
            unset(source, "dst_ref").map(|k| (from, k, to))
        }
        (_, t) if is_address(t) && target.stix_type == "network-traffic" => {
            unset(target, "src_ref").map(|k| (to, k, from))
        }
        (_, "note" | "grouping" | "observed-data" | "opinion" | "report") => {
            Some((from, "object_refs", to))
        }
        (_, "malware-analysis") => Some((from, "analysis_sco_refs", to)),
        _ => None,
    };
    let Some((holder, key, referenced)) = reference else {
        let mut properties = Map::new();
        properties.insert("relationship_type".into(), Value::from("related-to"));
        properties.insert("source_ref".into(), Value::from(nodes[from].id.clone()));
        properties.insert("target_ref".into(), Value::from(nodes[to].id.clone()));
        return Some(Object {
            id: format!("relationship--{}", line.instance),
            stix_type: "relationship".into(),
            kind: ObjectKind::Relationship,
            properties,
            pointer: line.pointer.clone(),
        });
    };
    let referenced = Value::from(nodes[referenced].id.clone());
    let properties = &mut nodes[holder].properties;
    if key.ends_with("_refs") {
        if let Value::Array(items) = properties
            .entry(key)
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            items.push(referenced);
        }
    } else {
        properties.insert(key.into(), referenced);
    }
    None
}

/// The flow's start: actions and conditions that no action, operator or condition leads to,
/// in the order the canvas lists them.
fn start_refs(
    nodes: &[Object],
    entries: &[Entry<'_>],
    flow_index: usize,
    node_of: &HashMap<&str, usize>,
) -> Vec<String> {
    let mut reached: HashSet<&str> = HashSet::new();
    for node in nodes.iter().filter(|n| {
        matches!(
            n.kind,
            ObjectKind::Action | ObjectKind::Operator | ObjectKind::Condition
        )
    }) {
        for (key, target) in node.references() {
            if matches!(key, "effect_refs" | "on_true_refs" | "on_false_refs") {
                reached.insert(target);
            }
        }
    }
    let canvas_order: Vec<usize> = entries
        .iter()
        .find(|e| e.template == "flow")
        .and_then(|e| e.body.get("objects"))
        .and_then(Value::as_array)
        .map(|ids| {
            ids.iter()
                .filter_map(Value::as_str)
                .filter_map(|id| node_of.get(id).copied())
                .collect()
        })
        .unwrap_or_else(|| (0..nodes.len()).collect());
    canvas_order
        .into_iter()
        .filter(|&i| i != flow_index)
        .map(|i| &nodes[i])
        .filter(|n| matches!(n.kind, ObjectKind::Action | ObjectKind::Condition))
        .filter(|n| !reached.contains(n.id.as_str()))
        .map(|n| n.id.clone())
        .collect()
}

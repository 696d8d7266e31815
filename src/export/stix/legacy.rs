//! Legacy 2022 flows as equivalent Attack Flow 2.0 bundles.
//!
//! The 2022 format joins actions through asset states: an action *provides* a state of an
//! asset, and the state is *required by* the next action. In Attack Flow 2.0 an action lists
//! the assets it touches (`asset_refs`) and the actions that follow it (`effect_refs`), so:
//! - the flow, actions and assets become `attack-flow`, `attack-action`, `attack-asset` with
//!   ids derived from their legacy ids (UUIDv5), the legacy id kept as `x_legacy_id`;
//! - an action providing an asset's state: the asset is in the action's `asset_refs`;
//! - a state required by an action: the asset is in that action's `asset_refs`, and every
//!   action that provides the state lists the requiring action in its `effect_refs`;
//! - `start_refs` are the actions no action leads to; the scope is `other`;
//! - `flow-edge` statements only say the flow holds a node and add nothing;
//! - any other relationship statement becomes a STIX `relationship` of that type, and data and
//!   object property statements become `x_legacy_{predicate}` properties of their subject;
//! - action and asset properties that Attack Flow 2.0 does not define are kept as
//!   `x_legacy_{name}`; a technique id the action's name or ATT&CK link states becomes its
//!   `technique_id`; a confidence (a probability, 0–1) becomes STIX's 0–100; the flow's
//!   `author` becomes the identity its `created_by_ref` names.

use super::{builder, derived_uuid};
use crate::map::{find_ids, legacy_local_name};
use crate::model::{Flow, Object, ObjectKind, StatementKind};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// The container and objects of the Attack Flow 2.0 bundle of a legacy flow.
#[must_use]
pub fn complete(flow: &Flow) -> (Map<String, Value>, Vec<Object>) {
    let mut converter = Converter::new(flow);
    for statement in &flow.objects {
        if let ObjectKind::Statement(kind) = statement.kind {
            converter.statement(statement, kind);
        }
    }
    let timestamp = builder::flow_timestamp(flow);
    let mut objects = builder::preamble();
    let mut converted = converter.finish();
    if let Some(author) = author_identity(flow, &mut converted) {
        converted.push(author);
    }
    for mut object in converted {
        builder::finish_object(&mut object, &timestamp);
        objects.push(object);
    }
    (builder::container(flow, &timestamp), objects)
}

struct Converter<'f> {
    flow: &'f Flow,
    /// Legacy id → the converted object's index.
    index: HashMap<&'f str, usize>,
    objects: Vec<Object>,
    /// Asset legacy id → the actions that provide it.
    providers: HashMap<&'f str, Vec<usize>>,
    /// (asset legacy id, requiring action index).
    requirements: Vec<(&'f str, usize)>,
}

impl<'f> Converter<'f> {
    fn new(flow: &'f Flow) -> Self {
        let mut converter = Self {
            flow,
            index: HashMap::new(),
            objects: Vec::new(),
            providers: HashMap::new(),
            requirements: Vec::new(),
        };
        for object in &flow.objects {
            let stix_type = match object.kind {
                ObjectKind::Flow => "attack-flow",
                ObjectKind::Action => "attack-action",
                ObjectKind::Asset => "attack-asset",
                _ => continue,
            };
            converter.index.insert(&object.id, converter.objects.len());
            converter.objects.push(node(flow, object, stix_type));
        }
        converter
    }

    fn kind(&self, id: &str) -> Option<ObjectKind> {
        self.index.get(id).map(|&i| self.objects[i].kind)
    }

    fn statement(&mut self, statement: &'f Object, kind: StatementKind) {
        let (Some(subject), Some(predicate)) =
            (statement.str("source_ref"), statement.str("predicate"))
        else {
            return;
        };
        let local = legacy_local_name(predicate);
        if kind != StatementKind::Relationship {
            if let (Some(&at), Some(value)) =
                (self.index.get(subject), statement.properties.get("value"))
            {
                add_value(&mut self.objects[at], &format!("x_legacy_{local}"), value);
            }
            return;
        }
        let Some(target) = statement.str("target_ref") else {
            return;
        };
        let kinds = (self.kind(subject), self.kind(target));
        match kinds {
            _ if local == "flow-edge" => {}
            (Some(ObjectKind::Action), Some(ObjectKind::Asset)) => {
                let at = self.index[subject];
                self.providers.entry(target).or_default().push(at);
                let asset = json!(self.objects[self.index[target]].id);
                push(&mut self.objects[at], "asset_refs", &asset);
            }
            (Some(ObjectKind::Asset), Some(ObjectKind::Action)) => {
                let at = self.index[target];
                let asset = json!(self.objects[self.index[subject]].id);
                push(&mut self.objects[at], "asset_refs", &asset);
                self.requirements.push((subject, at));
            }
            _ => {
                let id = |legacy: &str| {
                    self.index
                        .get(legacy)
                        .map_or_else(|| legacy.to_owned(), |&i| self.objects[i].id.clone())
                };
                let mut properties = Map::new();
                properties.insert("relationship_type".into(), json!(local));
                properties.insert("source_ref".into(), json!(id(subject)));
                properties.insert("target_ref".into(), json!(id(target)));
                self.objects.push(Object {
                    id: format!(
                        "relationship--{}",
                        derived_uuid(self.flow, &statement.pointer)
                    ),
                    stix_type: "relationship".into(),
                    kind: ObjectKind::Relationship,
                    properties,
                    pointer: statement.pointer.clone(),
                });
            }
        }
    }

    /// Effects through required states, then the flow's start.
    fn finish(mut self) -> Vec<Object> {
        for (asset, action) in std::mem::take(&mut self.requirements) {
            let next = json!(self.objects[action].id);
            for &provider in self.providers.get(asset).map_or(&[][..], Vec::as_slice) {
                push(&mut self.objects[provider], "effect_refs", &next);
            }
        }
        let reached: Vec<String> = self
            .objects
            .iter()
            .filter_map(|o| o.properties.get("effect_refs"))
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let start: Vec<Value> = self
            .objects
            .iter()
            .filter(|o| o.kind == ObjectKind::Action && !reached.contains(&o.id))
            .map(|o| json!(o.id))
            .collect();
        if let Some(flow) = self.objects.iter_mut().find(|o| o.kind == ObjectKind::Flow) {
            flow.properties
                .insert("start_refs".into(), Value::Array(start));
        }
        self.objects
    }
}

/// The legacy flow's `author` (a name) as the identity that created the flow.
fn author_identity(flow: &Flow, objects: &mut [Object]) -> Option<Object> {
    let name = flow.flow_object().str("author")?;
    let id = format!("identity--{}", derived_uuid(flow, "author"));
    let converted = objects.iter_mut().find(|o| o.kind == ObjectKind::Flow)?;
    converted.properties.remove("x_legacy_author");
    converted
        .properties
        .insert("created_by_ref".into(), json!(id));
    let mut properties = Map::new();
    properties.insert("name".into(), json!(name));
    Some(Object {
        id,
        stix_type: "identity".into(),
        kind: ObjectKind::Other,
        properties,
        pointer: "/flow/author".into(),
    })
}

/// Sets a property, or makes it a list when a second statement gives it another value.
fn add_value(object: &mut Object, key: &str, value: &Value) {
    match object.properties.get_mut(key) {
        None => {
            object.properties.insert(key.to_owned(), value.clone());
        }
        Some(Value::Array(items)) => items.push(value.clone()),
        Some(first) => *first = Value::Array(vec![first.clone(), value.clone()]),
    }
}

/// Adds a value to a list property, once.
fn push(object: &mut Object, key: &str, value: &Value) {
    let entry = object
        .properties
        .entry(key.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(items) = entry {
        if !items.contains(value) {
            items.push(value.clone());
        }
    }
}

/// The properties Attack Flow 2.0 defines for a type; others get the `x_legacy_` prefix.
fn is_defined(stix_type: &str, key: &str) -> bool {
    match stix_type {
        "attack-flow" => matches!(key, "name" | "description" | "created" | "modified"),
        "attack-action" => matches!(
            key,
            "name" | "description" | "technique_id" | "tactic_id" | "confidence"
        ),
        _ => matches!(key, "name" | "description"),
    }
}

fn node(flow: &Flow, object: &Object, stix_type: &str) -> Object {
    let mut properties = Map::new();
    properties.insert("x_legacy_id".into(), json!(object.id));
    if stix_type == "attack-flow" {
        properties.insert("scope".into(), json!("other"));
    }
    for (key, value) in &object.properties {
        let (key, value) = match (key.as_str(), value) {
            // Legacy confidence is a probability (0–1); STIX confidence is 0–100.
            ("confidence", Value::Number(n))
                if n.as_f64().is_some_and(|c| (0.0..=1.0).contains(&c)) =>
            {
                let percent = n.as_f64().map_or(0.0, |c| (c * 100.0).round());
                ("confidence".to_owned(), json!(percent as u8))
            }
            (key, value) if is_defined(stix_type, key) => (key.to_owned(), value.clone()),
            (key, value) => (format!("x_legacy_{key}"), value.clone()),
        };
        properties.insert(key, value);
    }
    if stix_type == "attack-action" && !properties.contains_key("technique_id") {
        if let Some(id) = stated_technique(object) {
            properties.insert("technique_id".into(), json!(id));
        }
    }
    if stix_type == "attack-asset" && !properties.contains_key("name") {
        let tail = object.id.rsplit(['/', '#']).next().unwrap_or(&object.id);
        properties.insert("name".into(), json!(tail));
    }
    let id = match object.kind {
        ObjectKind::Flow => format!("attack-flow--{}", derived_uuid(flow, "flow")),
        _ => format!("{stix_type}--{}", derived_uuid(flow, &object.id)),
    };
    Object {
        id,
        stix_type: stix_type.to_owned(),
        kind: object.kind,
        properties,
        pointer: object.pointer.clone(),
    }
}

/// The one technique id an action's name (`T1133: …`) or ATT&CK link states.
fn stated_technique(action: &Object) -> Option<String> {
    let head = action.str("name")?.split(':').next()?.trim();
    let ids = find_ids(head);
    if ids.len() == 1 && head.split_whitespace().count() == 1 {
        return ids.first().map(|t| t.id.clone());
    }
    let link = action.str("reference")?;
    let path = link.split("attack.mitre.org/techniques/").nth(1)?;
    let ids = find_ids(&path.trim_end_matches('/').replace('/', "."));
    ids.first().map(|t| t.id.clone())
}

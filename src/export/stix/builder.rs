//! `.afb` flows as the Attack Flow Builder (3.2.0) exports them to STIX.
//!
//! The reader keeps what the file says; this step adds what the Builder's export adds, from
//! the flow alone: the bundle, the extension definition and its MITRE identity, an identity
//! for the flow's `author` (referenced by `created_by_ref`), `spec_version`, `created` /
//! `modified` and the extension marker on every object; it trims strings, writes dates in UTC,
//! and fills an action's `tactic_id`, `tactic_ref` and `technique_ref` from its technique with
//! the Builder's own ATT&CK, ATLAS, D3FEND and F3 enums (`data/builder/attack-enums.tsv`).
//! Identifiers and timestamps the Builder makes up at each export are derived from the flow
//! instead, so the same file always gives the same bundle. One deliberate difference: condition
//! branches stay `on_true_refs` / `on_false_refs`, as the extension specifies, where Builder
//! 3.2.0 writes `related-to` relationships.

use super::{EXTENSION_ID, derived_uuid};
use crate::map::{is_timestamp_key, stix_timestamp};
use crate::model::{Flow, Object, ObjectKind};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::LazyLock;

/// The MITRE identity that created the extension definition.
pub const MITRE_IDENTITY_ID: &str = "identity--fb9c968a-745b-4ade-9b25-c324172197f4";

/// The timestamp of objects whose flow has no `created`.
const EPOCH: &str = "1970-01-01T00:00:00.000Z";

/// The container and objects of the Builder-style bundle of an `.afb` flow.
#[must_use]
pub fn complete(flow: &Flow) -> (Map<String, Value>, Vec<Object>) {
    let timestamp = flow_timestamp(flow);
    let mut objects = preamble();
    let author = author_identity(flow, &timestamp);
    for object in &flow.objects {
        let mut object = object.clone();
        if object.kind == ObjectKind::Action {
            fill_techniques(&mut object.properties);
        }
        if object.kind == ObjectKind::Flow {
            object.properties.remove("author");
            object
                .properties
                .insert("created_by_ref".into(), json!(author.id));
        }
        finish_object(&mut object, &timestamp);
        let is_flow = object.kind == ObjectKind::Flow;
        objects.push(object);
        if is_flow {
            objects.push(author.clone());
        }
    }
    (container(flow, &timestamp), objects)
}

/// The time stamped on what the export adds: the flow's `created` in UTC, or the epoch.
pub(super) fn flow_timestamp(flow: &Flow) -> String {
    flow.flow_object()
        .str("created")
        .and_then(utc_timestamp)
        .unwrap_or_else(|| EPOCH.to_owned())
}

/// The bundle's own properties; its id is derived from the flow.
pub(super) fn container(flow: &Flow, timestamp: &str) -> Map<String, Value> {
    let mut container = Map::new();
    container.insert("type".into(), json!("bundle"));
    container.insert(
        "id".into(),
        json!(format!("bundle--{}", derived_uuid(flow, "bundle"))),
    );
    container.insert("spec_version".into(), json!("2.1"));
    container.insert("created".into(), json!(timestamp));
    container.insert("modified".into(), json!(timestamp));
    container
}

/// The objects every Attack Flow bundle starts with: the extension definition and its creator.
pub(super) fn preamble() -> Vec<Object> {
    vec![extension_definition(), mitre_identity()]
}

/// Trims and stamps an object as the Builder writes it.
pub(super) fn finish_object(object: &mut Object, timestamp: &str) {
    normalise(&mut object.properties);
    stamp(object, timestamp);
}

/// `spec_version`, `created`, `modified` (and the extension marker on Attack Flow objects)
/// first, as the Builder writes them; the object's own values win.
fn stamp(object: &mut Object, timestamp: &str) {
    let mut head = Map::new();
    head.insert("spec_version".into(), json!("2.1"));
    head.insert("created".into(), json!(timestamp));
    head.insert("modified".into(), json!(timestamp));
    if object.stix_type.starts_with("attack-") {
        head.insert(
            "extensions".into(),
            json!({ EXTENSION_ID: { "extension_type": "new-sdo" } }),
        );
    }
    for (key, value) in std::mem::take(&mut object.properties) {
        head.insert(key, value);
    }
    object.properties = head;
}

/// Trims strings, drops what trimming empties, and writes timestamps in UTC, all the way down.
fn normalise(properties: &mut Map<String, Value>) {
    let keys: Vec<String> = properties.keys().cloned().collect();
    for key in keys {
        let Some(value) = properties.get_mut(&key) else {
            continue;
        };
        if !normalise_value(&key, value) {
            properties.remove(&key);
        }
    }
}

/// Returns whether the value is still a value (not emptied by trimming).
fn normalise_value(key: &str, value: &mut Value) -> bool {
    match value {
        Value::String(text) => {
            let trimmed = text.trim();
            if trimmed.is_empty() {
                return false;
            }
            *text = match is_timestamp_key(key).then(|| utc_timestamp(trimmed)) {
                Some(Some(utc)) => utc,
                _ => trimmed.to_owned(),
            };
            true
        }
        Value::Array(items) => {
            items.retain_mut(|item| normalise_value(key, item));
            !items.is_empty()
        }
        Value::Object(map) => {
            normalise(map);
            !map.is_empty()
        }
        _ => true,
    }
}

/// A timestamp with an offset as the same instant in UTC, in STIX's form.
fn utc_timestamp(text: &str) -> Option<String> {
    let instant = oxsdatatypes::DateTime::from_str(text).ok()?;
    let utc = instant.adjust(Some(oxsdatatypes::TimezoneOffset::UTC))?;
    stix_timestamp(&utc.to_string())
}

/// The identity the Builder makes of the flow's `author`; its id is derived from the flow.
fn author_identity(flow: &Flow, timestamp: &str) -> Object {
    let mut properties = Map::new();
    properties.insert("spec_version".into(), json!("2.1"));
    properties.insert("created".into(), json!(timestamp));
    properties.insert("modified".into(), json!(timestamp));
    if let Some(Value::Object(author)) = flow.flow_object().properties.get("author") {
        let mut author = author.clone();
        normalise(&mut author);
        for key in ["name", "identity_class", "contact_information"] {
            if let Some(value) = author.remove(key) {
                properties.insert(key.into(), value);
            }
        }
        properties.extend(author);
    }
    Object {
        id: format!("identity--{}", derived_uuid(flow, "author")),
        stix_type: "identity".into(),
        kind: ObjectKind::Other,
        properties,
        pointer: "/flow/author".into(),
    }
}

/// The tactic and technique ids of an action, with the STIX ids the Builder's enums give them.
/// A technique without a tactic gets the technique's (first) tactic, as the Builder's form does.
fn fill_techniques(properties: &mut Map<String, Value>) {
    let technique = properties
        .get("technique_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let tactic = properties
        .get("tactic_id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| {
            let entry = ENUMS.get(technique.as_deref()?)?;
            entry.tactics.first().cloned()
        });
    let mut ordered = Map::new();
    for (key, value) in std::mem::take(properties) {
        match key.as_str() {
            "tactic_id" | "tactic_ref" | "technique_ref" => {}
            "technique_id" => {
                insert_technique_ids(&mut ordered, tactic.as_deref(), &value);
            }
            _ => {
                ordered.insert(key, value);
            }
        }
    }
    if technique.is_none() {
        if let Some(tactic) = tactic.as_deref() {
            ordered.insert("tactic_id".into(), json!(tactic));
            if let Some(stix) = ENUMS.get(tactic).and_then(|e| e.stix_id.clone()) {
                ordered.insert("tactic_ref".into(), json!(stix));
            }
        }
    }
    *properties = ordered;
}

fn insert_technique_ids(out: &mut Map<String, Value>, tactic: Option<&str>, technique: &Value) {
    if let Some(tactic) = tactic {
        out.insert("tactic_id".into(), json!(tactic));
        if let Some(stix) = ENUMS.get(tactic).and_then(|e| e.stix_id.clone()) {
            out.insert("tactic_ref".into(), json!(stix));
        }
    }
    out.insert("technique_id".into(), technique.clone());
    let stix = technique
        .as_str()
        .and_then(|t| ENUMS.get(t))
        .and_then(|e| e.stix_id.clone());
    if let Some(stix) = stix {
        out.insert("technique_ref".into(), json!(stix));
    }
}

/// One tactic or technique of the Builder's enums.
struct Entry {
    stix_id: Option<String>,
    tactics: Vec<String>,
}

static ENUMS: LazyLock<HashMap<String, Entry>> = LazyLock::new(|| {
    include_str!("../../../data/builder/attack-enums.tsv")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split('\t');
            let (_, id, stix, tactics) = (
                fields.next()?,
                fields.next()?,
                fields.next()?,
                fields.next()?,
            );
            let entry = Entry {
                stix_id: (stix != "-").then(|| stix.to_owned()),
                tactics: tactics
                    .split(',')
                    .filter(|t| *t != "-")
                    .map(str::to_owned)
                    .collect(),
            };
            Some((id.to_owned(), entry))
        })
        .collect()
});

fn extension_definition() -> Object {
    let properties = object_of(json!({
        "spec_version": "2.1",
        "created": "2022-08-02T19:34:35.143Z",
        "modified": "2022-08-02T19:34:35.143Z",
        "name": "Attack Flow",
        "description": "Extends STIX 2.1 with features to create Attack Flows.",
        "created_by_ref": MITRE_IDENTITY_ID,
        "schema": "https://center-for-threat-informed-defense.github.io/attack-flow/stix/attack-flow-schema-2.0.0.json",
        "version": "2.0.0",
        "extension_types": ["new-sdo"],
        "external_references": [
            {
                "source_name": "Documentation",
                "description": "Documentation for Attack Flow",
                "url": "https://center-for-threat-informed-defense.github.io/attack-flow"
            },
            {
                "source_name": "GitHub",
                "description": "Source code repository for Attack Flow",
                "url": "https://github.com/center-for-threat-informed-defense/attack-flow"
            }
        ]
    }));
    Object {
        id: EXTENSION_ID.into(),
        stix_type: "extension-definition".into(),
        kind: ObjectKind::Other,
        properties,
        pointer: String::new(),
    }
}

fn mitre_identity() -> Object {
    let properties = object_of(json!({
        "spec_version": "2.1",
        "created": "2022-08-02T19:34:35.143Z",
        "modified": "2022-08-02T19:34:35.143Z",
        "created_by_ref": MITRE_IDENTITY_ID,
        "name": "MITRE Center for Threat-Informed Defense",
        "identity_class": "organization"
    }));
    Object {
        id: MITRE_IDENTITY_ID.into(),
        stix_type: "identity".into(),
        kind: ObjectKind::Other,
        properties,
        pointer: String::new(),
    }
}

fn object_of(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

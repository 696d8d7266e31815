//! `.afb` flows as the Attack Flow Builder (3.2.0) exports them to STIX.
//!
//! The reader keeps what the file says; this step adds what the Builder's export adds, from
//! the flow alone: the bundle, the extension definition and its MITRE identity, an identity
//! for the flow's `author` (referenced by `created_by_ref`), `spec_version`, `created` /
//! `modified` and the extension marker on every object; it computes `start_refs` as the Builder
//! does, trims the strings of every node but the flow, turns yes/no choices into booleans,
//! confidence choices into numbers and hash rows into `hashes`, writes dates in UTC, and fills
//! an action's `tactic_id`, `tactic_ref` and `technique_ref` from its tactic-technique pair with
//! the Builder's own ATT&CK, ATLAS, D3FEND and F3 enums (`data/builder/attack-enums.tsv`).
//! Identifiers and timestamps the Builder makes up at each export are derived from the flow
//! instead, so the same file always gives the same bundle. One deliberate difference: condition
//! branches stay `on_true_refs` / `on_false_refs`, as the extension specifies, where Builder
//! 3.2.0 writes `related-to` relationships.
//!
//! Two Builder 3.2.0 defects are not copied unless asked for ([`compat`], `flowkg export
//! --format stix --builder-compat`): it drops a `user-account`'s `user_id` (its form has no
//! such field), and it writes a date with a UTC offset shifted by that offset a second time.

use super::{EXTENSION_ID, derived_uuid};
use crate::error::{Diagnostic, Location, Severity, pointer_push};
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
    let start_refs = start_refs(flow);
    for object in &flow.objects {
        let mut object = object.clone();
        match object.kind {
            ObjectKind::Flow => {
                object.properties.remove("author");
                object
                    .properties
                    .insert("created_by_ref".into(), json!(author.id));
                object
                    .properties
                    .insert("start_refs".into(), json!(start_refs));
            }
            ObjectKind::Action => {
                fill_techniques(&mut object.properties);
                confidence_value(&mut object.properties);
                trim(&mut object.properties);
            }
            _ => {
                trim(&mut object.properties);
                builder_values(&object.stix_type, &mut object.properties);
            }
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

/// Properties Builder 3.2.0's forms do not have, so its export drops their values.
const BUILDER_DROPS: [(&str, &str); 1] = [("user-account", "user_id")];

/// The flow as Attack Flow Builder 3.2.0 would export it, defects included, with a notice for
/// every value changed: the values of [`BUILDER_DROPS`] are left out, and a date that carries
/// a UTC offset is moved by that offset once more (`12:07-05:00`, the instant `17:07Z`, is
/// written `22:07Z`), as the Builder's date field does.
#[must_use]
pub fn compat(flow: &Flow) -> (Flow, Vec<Diagnostic>) {
    let mut flow = flow.clone();
    let mut notices = Vec::new();
    let source = flow.source.name.clone();
    let mut notice = |pointer: String, message: String| {
        notices.push(Diagnostic {
            severity: Severity::Notice,
            source: source.clone(),
            location: Location::Pointer(pointer),
            message: format!("--builder-compat: {message}"),
        });
    };
    for object in &mut flow.objects {
        for (stix_type, key) in BUILDER_DROPS {
            if object.stix_type != stix_type {
                continue;
            }
            if let Some(value) = object.properties.remove(key) {
                notice(
                    pointer_push(&object.pointer, key),
                    format!(
                        "{key} {value} left out, as Builder 3.2.0 drops it (its {stix_type} form has no such field)"
                    ),
                );
            }
        }
        for (key, value) in &mut object.properties {
            let Value::String(text) = value else {
                continue;
            };
            if !is_timestamp_key(key) {
                continue;
            }
            if let Some(shifted) = shifted_twice(text) {
                notice(
                    pointer_push(&object.pointer, key),
                    format!(
                        "{key} {text} written as {shifted}, shifted by its UTC offset a second time as Builder 3.2.0 does (the instant is {})",
                        utc_timestamp(text).unwrap_or_default()
                    ),
                );
                *text = shifted;
            }
        }
    }
    (flow, notices)
}

/// A date-time with a non-zero UTC offset as Builder 3.2.0 writes it: the instant in UTC,
/// moved by the offset again.
fn shifted_twice(text: &str) -> Option<String> {
    let local = oxsdatatypes::DateTime::from_str(text).ok()?;
    let offset = local
        .timezone_offset()
        .filter(|o| *o != oxsdatatypes::TimezoneOffset::UTC)?;
    let utc = local.adjust(Some(oxsdatatypes::TimezoneOffset::UTC))?;
    let shifted = utc.checked_sub_day_time_duration(offset)?;
    stix_timestamp(&shifted.to_string())
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

/// Writes timestamps that carry an offset in UTC, all the way down.
fn normalise(properties: &mut Map<String, Value>) {
    for (key, value) in properties.iter_mut() {
        normalise_value(key, value);
    }
}

fn normalise_value(key: &str, value: &mut Value) {
    match value {
        Value::String(text) if is_timestamp_key(key) => {
            if let Some(utc) = utc_timestamp(text) {
                *text = utc;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| normalise_value(key, item)),
        Value::Object(map) => normalise(map),
        _ => {}
    }
}

/// The Builder trims the strings of every node but the flow: its properties, the items of its
/// lists and the values of dictionaries in those lists.
fn trim(properties: &mut Map<String, Value>) {
    for value in properties.values_mut() {
        match value {
            Value::String(text) => *text = text.trim().to_owned(),
            Value::Array(items) => {
                for item in items {
                    match item {
                        Value::String(text) => *text = text.trim().to_owned(),
                        Value::Object(map) => trim(map),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

/// What the Builder's export makes of the form values of a node other than an action: its
/// yes/no choices become booleans, its list of `{hash_type, hash_value}` rows the STIX
/// `hashes` dictionary, and a MAC address is written in lower case.
fn builder_values(stix_type: &str, properties: &mut Map<String, Value>) {
    for (key, value) in properties.iter_mut() {
        match value {
            Value::String(text) if text == "true" || text == "false" => {
                *value = Value::Bool(text == "true");
            }
            Value::String(text) if stix_type == "mac-addr" && key == "value" => {
                *text = text.to_lowercase();
            }
            Value::Array(rows) if key == "hashes" => {
                let hashes = hash_dictionary(rows);
                if !hashes.is_empty() {
                    *value = Value::Object(hashes);
                }
            }
            _ => {}
        }
    }
}

/// The Builder's list of `{hash_type, hash_value}` rows as the STIX `hashes` dictionary.
pub(crate) fn hash_dictionary(rows: &[Value]) -> Map<String, Value> {
    rows.iter()
        .filter_map(|row| {
            let kind = row.get("hash_type")?.as_str()?;
            Some((kind.to_owned(), row.get("hash_value")?.clone()))
        })
        .collect()
}

/// The Builder's confidence choices and the STIX confidence values it writes for them.
pub(crate) const CONFIDENCE: [(&str, u8); 7] = [
    ("speculative", 0),
    ("very-doubtful", 10),
    ("doubtful", 30),
    ("even-odds", 50),
    ("probable", 70),
    ("very-probable", 90),
    ("certain", 100),
];

fn confidence_value(properties: &mut Map<String, Value>) {
    if let Some(value) = properties.get_mut("confidence") {
        let known = value
            .as_str()
            .and_then(|text| CONFIDENCE.iter().find(|(name, _)| *name == text));
        if let Some((_, number)) = known {
            *value = json!(number);
        }
    }
}

/// The flow's start as the Builder computes it: the actions and conditions that no action or
/// condition leads to, directly or through other nodes (assets, operators, observables ...).
fn start_refs(flow: &Flow) -> Vec<String> {
    let mut next: HashMap<&str, Vec<&str>> = HashMap::new();
    for object in &flow.objects {
        if object.kind == ObjectKind::Relationship {
            if let (Some(source), Some(target)) =
                (object.str("source_ref"), object.str("target_ref"))
            {
                next.entry(source).or_default().push(target);
            }
            continue;
        }
        for (key, target) in object.references() {
            // A network-traffic's `src_ref` is a line from the address to the traffic.
            if key == "src_ref" {
                next.entry(target).or_default().push(&object.id);
            } else if key != "start_refs" {
                next.entry(&object.id).or_default().push(target);
            }
        }
    }
    let is_step = |o: &Object| matches!(o.kind, ObjectKind::Action | ObjectKind::Condition);
    let steps: Vec<&str> = flow
        .objects
        .iter()
        .filter(|o| is_step(o))
        .map(|o| o.id.as_str())
        .collect();
    let mut reached = std::collections::HashSet::new();
    for &step in &steps {
        let mut stack: Vec<&str> = next.get(step).cloned().unwrap_or_default();
        let mut visited = std::collections::HashSet::new();
        while let Some(node) = stack.pop() {
            if !visited.insert(node) {
                continue;
            }
            if steps.contains(&node) {
                reached.insert(node);
            } else if let Some(more) = next.get(node) {
                stack.extend(more);
            }
        }
    }
    steps
        .into_iter()
        .filter(|s| !reached.contains(s))
        .map(str::to_owned)
        .collect()
}

/// A timestamp with an offset as the same instant in UTC, in STIX's form.
pub(crate) fn utc_timestamp(text: &str) -> Option<String> {
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
        trim(&mut author);
        if let Some(Value::String(class)) = author.get_mut("identity_class") {
            *class = class.to_lowercase();
        }
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
/// The Builder's tactic-technique field settles the tactic of a technique that serves exactly
/// one tactic: a missing tactic, or another known tactic, becomes that one. A technique that
/// serves several keeps the tactic as given (even none), and so does a tactic the enums do
/// not know.
fn fill_techniques(properties: &mut Map<String, Value>) {
    let technique = properties
        .get("technique_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let only_tactic = technique
        .as_deref()
        .and_then(|t| ENUMS.get(t))
        .and_then(|entry| match entry.tactics.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        });
    let given = properties
        .get("tactic_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let tactic = match (given, only_tactic) {
        (None, only) => only,
        (Some(given), Some(only)) if ENUMS.contains_key(&given) => Some(only),
        (Some(given), _) => Some(given),
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(tactic: Option<&str>, technique: &str) -> Map<String, Value> {
        let mut properties = Map::new();
        if let Some(tactic) = tactic {
            properties.insert("tactic_id".into(), json!(tactic));
        }
        properties.insert("technique_id".into(), json!(technique));
        fill_techniques(&mut properties);
        properties
    }

    #[test]
    fn settles_tactics_as_the_builders_form_does() {
        // One tactic: a missing or other known tactic becomes it.
        assert_eq!(pair(None, "T1018")["tactic_id"], "TA0007");
        assert_eq!(pair(Some("TA0004"), "T1136.002")["tactic_id"], "TA0003");
        // Several tactics: kept as given, even none.
        assert!(pair(None, "T1574.001").get("tactic_id").is_none());
        assert_eq!(pair(Some("TA0008"), "T1078")["tactic_id"], "TA0008");
        // A tactic the enums do not know is kept, without a reference.
        let unknown = pair(Some("de"), "T1090");
        assert_eq!(unknown["tactic_id"], "de");
        assert!(unknown.get("tactic_ref").is_none());
    }

    #[test]
    fn references_come_from_the_enums() {
        let known = pair(Some("TA0002"), "T1059.001");
        assert_eq!(
            known["technique_ref"],
            "attack-pattern--970a3432-3237-47ad-bcca-7d8cbb217736"
        );
        assert_eq!(
            known["tactic_ref"],
            "x-mitre-tactic--4ca45d45-df4d-4613-8980-bac22d278fa5"
        );
        // Revoked: in the enums' relationships, without a STIX id.
        assert!(pair(None, "T1070.001").get("technique_ref").is_none());
    }

    #[test]
    fn form_values_become_stix_values() {
        let mut properties = Map::new();
        properties.insert("is_family".into(), json!("true"));
        properties.insert(
            "hashes".into(),
            json!([{"hash_type": "md5", "hash_value": "00ff"}]),
        );
        builder_values("malware", &mut properties);
        assert_eq!(properties["is_family"], true);
        assert_eq!(properties["hashes"], json!({"md5": "00ff"}));
        let mut action = Map::new();
        action.insert("confidence".into(), json!("probable"));
        confidence_value(&mut action);
        assert_eq!(action["confidence"], 70);
        assert_eq!(
            utc_timestamp("2026-04-17T12:07:19.817-05:00").as_deref(),
            Some("2026-04-17T17:07:19.817Z")
        );
        assert_eq!(
            shifted_twice("2026-04-17T12:07:19.817-05:00").as_deref(),
            Some("2026-04-17T22:07:19.817Z")
        );
        assert_eq!(
            shifted_twice("2025-01-02T01:30:00.000+05:30").as_deref(),
            Some("2025-01-01T14:30:00.000Z")
        );
        assert_eq!(shifted_twice("2025-01-02T01:30:00.000Z"), None);
    }
}

//! The rules translated for `.afb` files: a file is valid when the STIX bundle the Builder would
//! export from it is. The model the reader produces (the objects the Builder exports, with the
//! lines as references) gets the properties the Builder adds at export time (`spec_version`,
//! timestamps, the extension), then each object is checked against its schema, and the graph
//! rules run on the references; pointers lead back into the `.afb` file.

use super::graph::{Graph, check_graph};
use super::schema::violations;
use super::schemas::{ATTACK_FLOW_SDOS, for_stix_type};
use super::{EXTENSION_ID, Report, Rule};
use crate::error::{Severity, pointer_push};
use crate::model::{Flow, Object, ObjectKind};
use crate::read::{ReadOptions, read_bytes};
use serde_json::{Map, Value, json};

/// The timestamp given to objects that have none: the Builder stamps every object at export.
const EXPORT_TIME: &str = "1970-01-01T00:00:00.000Z";

pub(super) fn check(name: &str, bytes: &[u8], document: &Value, report: &mut Report) {
    if !single_flow(document, report) {
        return;
    }
    let flow = match read_bytes(name, None, bytes, &ReadOptions::new()) {
        Ok(flow) => flow,
        Err(error) => {
            report.push_read_error(&error);
            return;
        }
    };
    for diagnostic in flow
        .diagnostics
        .iter()
        .filter(|d| d.severity >= Severity::Warning)
    {
        // The reader warns of lines with an end attached to nothing; the Builder exports
        // nothing for them, so they change no verdict.
        report.push(
            Severity::Notice,
            diagnostic.location.to_string(),
            None,
            Rule::LooseLine,
            diagnostic.message.clone(),
        );
    }
    for object in &flow.objects {
        schema_rules(object, document, report);
    }
    check_graph(&graph(&flow), report);
}

/// Exactly one `flow` node (the reader refuses any other count; this says it with the rule).
fn single_flow(document: &Value, report: &mut Report) -> bool {
    let flows: Vec<usize> = document
        .get("objects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, o)| o.get("id").and_then(Value::as_str) == Some("flow"))
        .map(|(i, _)| i)
        .collect();
    match flows.as_slice() {
        [_] => true,
        [] => {
            report.push(
                Severity::Error,
                "/objects",
                None,
                Rule::SingleFlow,
                "the file must hold exactly one flow object; it holds none",
            );
            false
        }
        [_, rest @ ..] => {
            for index in rest {
                report.push(
                    Severity::Error,
                    format!("/objects/{index}"),
                    None,
                    Rule::SingleFlow,
                    format!(
                        "the file must hold exactly one flow object; it holds {}",
                        flows.len()
                    ),
                );
            }
            false
        }
    }
}

fn schema_rules(object: &Object, document: &Value, report: &mut Report) {
    let Some(Ok(validator)) = for_stix_type(&object.stix_type) else {
        if for_stix_type(&object.stix_type).is_none() {
            report.push(
                Severity::Warning,
                object.pointer.clone(),
                Some(&object.id),
                Rule::UnknownType,
                format!(
                    "no schema for objects of type \"{}\": not validated",
                    object.stix_type
                ),
            );
        }
        return;
    };
    for violation in violations(validator, &as_exported(object)) {
        report.push(
            Severity::Error,
            afb_pointer(document, &object.pointer, &violation.pointer),
            Some(&object.id),
            Rule::Schema(violation.keyword),
            violation.message,
        );
    }
}

/// The object as the Builder's STIX export writes it.
fn as_exported(object: &Object) -> Value {
    let mut exported = Map::new();
    exported.insert("type".into(), Value::from(object.stix_type.as_str()));
    exported.insert("id".into(), Value::from(object.id.as_str()));
    exported.insert("spec_version".into(), Value::from("2.1"));
    exported.insert("created".into(), Value::from(EXPORT_TIME));
    exported.insert("modified".into(), Value::from(EXPORT_TIME));
    if ATTACK_FLOW_SDOS.contains(&object.stix_type.as_str()) {
        exported.insert(
            "extensions".into(),
            json!({ EXTENSION_ID: { "extension_type": "new-sdo" } }),
        );
    }
    for (key, value) in &object.properties {
        exported.insert(key.clone(), as_published(key, value));
    }
    Value::Object(exported)
}

use crate::export::stix::builder::{CONFIDENCE, hash_dictionary, utc_timestamp};

/// A value as the Builder's publisher writes it: its True/False choices become booleans,
/// confidence names numbers, hash lists (`[{hash_type, hash_value}]`) dictionaries.
fn as_published(key: &str, value: &Value) -> Value {
    match (key, value) {
        ("confidence", Value::String(name)) => CONFIDENCE
            .iter()
            .find(|(n, _)| n == name)
            .map_or_else(|| value.clone(), |(_, v)| Value::from(*v)),
        ("hashes", Value::Array(items)) => Value::Object(hash_dictionary(items)),
        // STIX names its booleans `is_…` / `can_…`; the Builder offers them as a True/False
        // choice and publishes booleans.
        (_, Value::String(s))
            if (key.starts_with("is_") || key.starts_with("can_"))
                && (s == "true" || s == "false") =>
        {
            Value::Bool(s == "true")
        }
        (_, Value::String(s)) => in_utc(s).map_or_else(|| value.clone(), Value::from),
        (_, Value::Array(items)) => {
            Value::Array(items.iter().map(|v| as_published("", v)).collect())
        }
        (_, Value::Object(map)) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), as_published(k, v)))
                .collect(),
        ),
        _ => value.clone(),
    }
}

/// A date-time with a UTC offset other than Z, in UTC with milliseconds, as the publisher
/// writes dates; `None` for anything else.
fn in_utc(text: &str) -> Option<String> {
    use oxsdatatypes::{DateTime, TimezoneOffset};
    let offset = text.parse::<DateTime>().ok()?.timezone_offset()?;
    (offset != TimezoneOffset::UTC)
        .then(|| utc_timestamp(text))
        .flatten()
}

/// A pointer into the `.afb` file for a violation at `inner` (a pointer into the exported
/// object): the `[key, value]` pair of the property when the file has one, else the node.
fn afb_pointer(document: &Value, node: &str, inner: &str) -> String {
    let key = inner
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default()
        .replace("~1", "/")
        .replace("~0", "~");
    let pairs = document
        .pointer(&pointer_push(node, "properties"))
        .and_then(Value::as_array);
    let index = pairs.and_then(|pairs| {
        pairs
            .iter()
            .position(|p| p.get(0).and_then(Value::as_str) == Some(key.as_str()))
    });
    match index {
        Some(i) if !key.is_empty() => {
            pointer_push(&pointer_push(&pointer_push(node, "properties"), i), 1)
        }
        _ => node.to_owned(),
    }
}

/// Nodes are the objects the export writes; lines are references or relationships.
fn graph(flow: &Flow) -> Graph<'_> {
    let mut graph = Graph::default();
    for object in flow
        .objects
        .iter()
        .filter(|o| o.kind != ObjectKind::Relationship)
    {
        graph.node(
            &object.id,
            &object.stix_type,
            object.pointer.clone(),
            object.properties.get("description"),
        );
    }
    for object in &flow.objects {
        if object.kind == ObjectKind::Relationship {
            if let (Some(source), Some(target)) =
                (object.str("source_ref"), object.str("target_ref"))
            {
                graph.edge(source, target, object.pointer.clone(), "relationship");
            }
            continue;
        }
        for (key, target) in object.references() {
            graph.edge(&object.id, target, object.pointer.clone(), key);
        }
    }
    graph
}

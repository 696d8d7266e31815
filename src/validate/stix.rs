//! The rules for STIX bundles, on the raw document: bundle rules, the schema of each object, then
//! the graph rules.

use super::graph::{Graph, check_graph};
use super::schema::violations;
use super::schemas::for_stix_type;
use super::{EXTENSION_ID, Report, Rule};
use crate::error::{Severity, pointer_push};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub(super) fn check(document: &Value, report: &mut Report) {
    let Some(bundle) = document.as_object() else {
        return;
    };
    let objects = bundle_rules(bundle, report);
    for (index, object) in &objects {
        schema_rules(*index, object, report);
    }
    check_graph(&graph(&objects), report);
}

/// The items of `objects` that are objects with a string `type`, with their index.
type Objects<'d> = Vec<(usize, &'d Map<String, Value>)>;

/// The bundle's own rules; returns the objects the later passes check.
fn bundle_rules<'d>(bundle: &'d Map<String, Value>, report: &mut Report) -> Objects<'d> {
    container_rules(bundle, report);
    let Some(items) = bundle.get("objects").and_then(Value::as_array) else {
        report.push(
            Severity::Error,
            "/objects",
            None,
            Rule::BundleObjects,
            "the bundle must hold an array \"objects\"",
        );
        return Vec::new();
    };
    let objects = typed_objects(items, report);
    flow_count(&objects, report);
    extension_present(&objects, report);
    duplicate_ids(&objects, report);
    objects
}

/// A `bundle` with a `bundle--` id.
fn container_rules(bundle: &Map<String, Value>, report: &mut Report) {
    if bundle.get("type").and_then(Value::as_str) != Some("bundle") {
        report.push(
            Severity::Error,
            "/type",
            None,
            Rule::BundleType,
            "an Attack Flow document must be a STIX bundle (\"type\": \"bundle\")",
        );
    }
    let id = bundle.get("id").and_then(Value::as_str).unwrap_or_default();
    if !id.starts_with("bundle--") {
        report.push(
            Severity::Error,
            "/id",
            None,
            Rule::BundleId,
            format!(
                "the bundle id must start with \"bundle--\", found {}",
                quoted(bundle.get("id"))
            ),
        );
    }
}

fn typed_objects<'d>(items: &'d [Value], report: &mut Report) -> Objects<'d> {
    let mut objects = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let message = match item.as_object() {
            Some(object) if object.get("type").is_some_and(Value::is_string) => {
                objects.push((index, object));
                continue;
            }
            Some(_) => "a STIX object needs a string \"type\"",
            None => "a bundle's objects must be JSON objects",
        };
        report.push(
            Severity::Error,
            format!("/objects/{index}"),
            None,
            Rule::BundleObjects,
            message,
        );
    }
    objects
}

fn extension_present(objects: &Objects<'_>, report: &mut Report) {
    let present = objects
        .iter()
        .any(|(_, o)| type_of(o) == "extension-definition" && id_of(o) == Some(EXTENSION_ID));
    if !present {
        report.push(
            Severity::Error,
            "/objects",
            None,
            Rule::ExtensionDefinition,
            format!(
                "the bundle must include the Attack Flow extension-definition \"{EXTENSION_ID}\""
            ),
        );
    }
}

fn flow_count(objects: &[(usize, &Map<String, Value>)], report: &mut Report) {
    let flows: Vec<&(usize, &Map<String, Value>)> = objects
        .iter()
        .filter(|(_, o)| type_of(o) == "attack-flow")
        .collect();
    match flows.as_slice() {
        [_] => {}
        [] => report.push(
            Severity::Error,
            "/objects",
            None,
            Rule::SingleFlow,
            "the bundle must hold exactly one attack-flow object; it holds none",
        ),
        [_, rest @ ..] => {
            for (index, object) in rest {
                report.push(
                    Severity::Error,
                    format!("/objects/{index}"),
                    id_of(object),
                    Rule::SingleFlow,
                    format!(
                        "the bundle must hold exactly one attack-flow object; it holds {}",
                        flows.len()
                    ),
                );
            }
        }
    }
}

fn duplicate_ids(objects: &[(usize, &Map<String, Value>)], report: &mut Report) {
    let mut first_at: HashMap<&str, usize> = HashMap::new();
    for (index, object) in objects {
        let Some(id) = id_of(object) else { continue };
        if let Some(first) = first_at.insert(id, *index) {
            first_at.insert(id, first);
            report.push(
                Severity::Error,
                format!("/objects/{index}/id"),
                Some(id),
                Rule::DuplicateId,
                format!("duplicate id (first used at /objects/{first})"),
            );
        }
    }
}

/// The object's schema, or a warning that its type has none.
fn schema_rules(index: usize, object: &Map<String, Value>, report: &mut Report) {
    let at = format!("/objects/{index}");
    let stix_type = type_of(object);
    if let Some(id) = id_of(object).filter(|id| !has_prefix(id, stix_type)) {
        if for_stix_type(stix_type).is_some() {
            report.push(
                Severity::Error,
                pointer_push(&at, "id"),
                Some(id),
                Rule::IdPrefix,
                format!("the id of a {stix_type} must start with \"{stix_type}--\""),
            );
        }
    }
    let Some(compiled) = for_stix_type(stix_type) else {
        report.push(
            Severity::Warning,
            pointer_push(&at, "type"),
            id_of(object),
            Rule::UnknownType,
            format!("no schema for objects of type \"{stix_type}\": not validated"),
        );
        return;
    };
    let validator = match compiled {
        Ok(validator) => validator,
        Err(message) => {
            report.push(
                Severity::Error,
                at,
                id_of(object),
                Rule::Schema("$schema".into()),
                format!("the embedded schema for {stix_type} does not compile: {message}"),
            );
            return;
        }
    };
    let instance = Value::Object(object.clone());
    for violation in violations(validator, &instance) {
        report.push(
            Severity::Error,
            format!("{at}{}", violation.pointer),
            id_of(object),
            Rule::Schema(violation.keyword),
            violation.message,
        );
    }
}

/// The graph the official validator builds: every object but relationships is a node, every
/// top-level `*_ref` / `*_refs` value and every relationship is an edge.
fn graph<'d>(objects: &[(usize, &'d Map<String, Value>)]) -> Graph<'d> {
    let mut graph = Graph::default();
    for (index, object) in objects {
        let (Some(id), stix_type) = (id_of(object), type_of(object)) else {
            continue;
        };
        if stix_type != "relationship" {
            graph.node(
                id,
                stix_type,
                format!("/objects/{index}"),
                object.get("description"),
            );
        }
    }
    for (index, object) in objects {
        let Some(id) = id_of(object) else { continue };
        let at = format!("/objects/{index}");
        if type_of(object) == "relationship" {
            if let (Some(source), Some(target)) = (
                object.get("source_ref").and_then(Value::as_str),
                object.get("target_ref").and_then(Value::as_str),
            ) {
                graph.edge(source, target, at.clone(), "relationship");
            }
            continue;
        }
        for (key, value) in *object {
            if key.ends_with("_ref") {
                if let Some(target) = value.as_str() {
                    graph.edge(id, target, pointer_push(&at, key), key);
                }
            } else if key.ends_with("_refs") {
                for (i, target) in value.as_array().into_iter().flatten().enumerate() {
                    if let Some(target) = target.as_str() {
                        graph.edge(id, target, pointer_push(&pointer_push(&at, key), i), key);
                    }
                }
            }
        }
    }
    graph
}

fn has_prefix(id: &str, stix_type: &str) -> bool {
    id.strip_prefix(stix_type)
        .is_some_and(|rest| rest.starts_with("--"))
}

fn type_of(object: &Map<String, Value>) -> &str {
    object
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn id_of(object: &Map<String, Value>) -> Option<&str> {
    object.get("id").and_then(Value::as_str)
}

fn quoted(value: Option<&Value>) -> String {
    value.map_or_else(|| "none".to_owned(), Value::to_string)
}

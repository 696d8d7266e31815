//! The 2022 pre-STIX Attack Flow format: `flow`, `actions`, `assets`, `relationships`,
//! `data_properties`, `object_properties`.
//!
//! Actions and assets become `attack-action` / `attack-asset` objects with their properties
//! verbatim. Each statement of the three statement lists becomes one object with `source_ref`,
//! `predicate` and `target_ref` (relationships) or `value` (data and object properties), so that
//! every statement is kept, even when two say the same.

use super::{Diagnostics, as_object, json_type, required_str};
use crate::error::{ReadError, pointer_push};
use crate::model::{Flow, Object, ObjectKind, Source, StatementKind};
use serde_json::{Map, Value};
use std::collections::HashMap;

const STATEMENT_LISTS: [(&str, StatementKind, &str); 3] = [
    (
        "relationships",
        StatementKind::Relationship,
        "x-legacy-relationship",
    ),
    (
        "data_properties",
        StatementKind::DataProperty,
        "x-legacy-data-property",
    ),
    (
        "object_properties",
        StatementKind::ObjectProperty,
        "x-legacy-object-property",
    ),
];

pub(super) fn read(source: Source, mut document: Map<String, Value>) -> Result<Flow, ReadError> {
    let name = source.name.clone();
    let mut diagnostics = Diagnostics::new(&name);
    let mut objects = Vec::new();
    let flow = document.remove("flow").unwrap_or(Value::Null);
    objects.push(node(
        &name,
        &flow,
        "/flow",
        "attack-flow",
        ObjectKind::Flow,
    )?);
    for (list, stix_type, kind) in [
        ("actions", "attack-action", ObjectKind::Action),
        ("assets", "attack-asset", ObjectKind::Asset),
    ] {
        for (index, item) in take_list(&name, &mut document, list)?.iter().enumerate() {
            objects.push(node(
                &name,
                item,
                &format!("/{list}/{index}"),
                stix_type,
                kind,
            )?);
        }
    }
    let mut first_at: HashMap<&str, &str> = HashMap::new();
    for object in &objects {
        if let Some(first) = first_at.insert(&object.id, &object.pointer) {
            return Err(ReadError::invalid(
                &name,
                pointer_push(&object.pointer, "id"),
                format!("duplicate id \"{}\" (first used at {first})", object.id),
            ));
        }
    }
    let mut statements = Vec::new();
    for (list, kind, stix_type) in STATEMENT_LISTS {
        for (index, item) in take_list(&name, &mut document, list)?.iter().enumerate() {
            let pointer = format!("/{list}/{index}");
            let statement = statement(&name, item, &pointer, kind, stix_type)?;
            for (key, target) in statement.references() {
                if !first_at.contains_key(target) {
                    diagnostics.warn(
                        &pointer_push(
                            &pointer,
                            if key == "source_ref" {
                                "source"
                            } else {
                                "target"
                            },
                        ),
                        format!("dangling reference: no action, asset or flow \"{target}\""),
                    );
                }
            }
            statements.push(statement);
        }
    }
    objects.extend(statements);
    Ok(Flow {
        source,
        objects,
        container: document,
        diagnostics: diagnostics.into_vec(),
    })
}

fn take_list(
    source: &str,
    document: &mut Map<String, Value>,
    key: &str,
) -> Result<Vec<Value>, ReadError> {
    match document.remove(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(ReadError::invalid(
            source,
            format!("/{key}"),
            format!("expected an array, found {}", json_type(&other)),
        )),
    }
}

fn node(
    source: &str,
    item: &Value,
    pointer: &str,
    stix_type: &str,
    kind: ObjectKind,
) -> Result<Object, ReadError> {
    let body = as_object(source, item, pointer)?;
    let id = required_str(source, body, pointer, "id")?.to_owned();
    let mut properties = body.clone();
    properties.remove("id");
    // `type` repeats what the list says ("action", "asset", "attack-flow"); keep any other value.
    let expected = stix_type.trim_start_matches("attack-");
    if let Some(Value::String(t)) = properties.get("type") {
        if t == expected || t == stix_type {
            properties.remove("type");
        }
    }
    if let Some(t) = properties.remove("type") {
        properties.insert("legacy_type".into(), t);
    }
    Ok(Object {
        id,
        stix_type: stix_type.to_owned(),
        kind,
        properties,
        pointer: pointer.to_owned(),
    })
}

fn statement(
    source: &str,
    item: &Value,
    pointer: &str,
    kind: StatementKind,
    stix_type: &str,
) -> Result<Object, ReadError> {
    let body = as_object(source, item, pointer)?;
    let subject = required_str(source, body, pointer, "source")?;
    let predicate = required_str(source, body, pointer, "type")?;
    let target = required_str(source, body, pointer, "target")?;
    let mut properties = Map::new();
    properties.insert("source_ref".into(), Value::from(subject));
    properties.insert("predicate".into(), Value::from(predicate));
    let target_key = if kind == StatementKind::Relationship {
        "target_ref"
    } else {
        "value"
    };
    properties.insert(target_key.into(), Value::from(target));
    for (key, value) in body {
        if !matches!(key.as_str(), "source" | "type" | "target") {
            properties.insert(key.clone(), value.clone());
        }
    }
    let index = pointer.rsplit('/').next().unwrap_or_default();
    Ok(Object {
        id: format!("{stix_type}--{index}"),
        stix_type: stix_type.to_owned(),
        kind: ObjectKind::Statement(kind),
        properties,
        pointer: pointer.to_owned(),
    })
}

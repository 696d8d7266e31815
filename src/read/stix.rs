//! STIX 2.1 bundles with the Attack Flow extension.

use super::{Diagnostics, as_object, required_array, required_str};
use crate::error::{ReadError, pointer_push};
use crate::model::{Flow, Object, ObjectKind, Source};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub(super) fn read(source: Source, mut document: Map<String, Value>) -> Result<Flow, ReadError> {
    let name = source.name.clone();
    required_array(&name, &document, "", "objects")?;
    let items = match document.remove("objects") {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let mut diagnostics = Diagnostics::new(&name);
    let mut objects = Vec::with_capacity(items.len());
    let mut first_at: HashMap<String, usize> = HashMap::new();
    for (index, item) in items.into_iter().enumerate() {
        let pointer = format!("/objects/{index}");
        let object = read_object(&name, item, &pointer)?;
        if let Some(first) = first_at.insert(object.id.clone(), index) {
            return Err(ReadError::invalid(
                &name,
                pointer_push(&pointer, "id"),
                format!(
                    "duplicate id \"{}\" (first used at /objects/{first})",
                    object.id
                ),
            ));
        }
        objects.push(object);
    }
    check_single_flow(&name, &objects)?;
    for object in &objects {
        warn_lossless_deviations(object, &mut diagnostics);
        for (key, target) in object.references() {
            if !first_at.contains_key(target) && !is_external_ref(key) {
                diagnostics.warn(
                    &pointer_push(&object.pointer, key),
                    format!("dangling reference: no object \"{target}\" in this bundle"),
                );
            }
        }
    }
    Ok(Flow {
        source,
        objects,
        container: document,
        diagnostics: diagnostics.into_vec(),
    })
}

/// References that by design point outside the bundle (ATT&CK objects, markings, identities
/// published elsewhere) are not reported as dangling.
fn is_external_ref(key: &str) -> bool {
    matches!(
        key,
        "technique_ref" | "tactic_ref" | "created_by_ref" | "object_marking_refs"
    )
}

fn read_object(source: &str, item: Value, pointer: &str) -> Result<Object, ReadError> {
    as_object(source, &item, pointer)?;
    let Value::Object(mut properties) = item else {
        unreachable!("checked by as_object")
    };
    let stix_type = required_str(source, &properties, pointer, "type")?.to_owned();
    let id = required_str(source, &properties, pointer, "id")?.to_owned();
    properties.remove("type");
    properties.remove("id");
    Ok(Object {
        kind: ObjectKind::of_stix_type(&stix_type),
        id,
        stix_type,
        properties,
        pointer: pointer.to_owned(),
    })
}

fn check_single_flow(source: &str, objects: &[Object]) -> Result<(), ReadError> {
    let mut flows = objects.iter().filter(|o| o.kind == ObjectKind::Flow);
    match (flows.next(), flows.next()) {
        (Some(_), None) => Ok(()),
        (Some(_), Some(second)) => Err(ReadError::invalid(
            source,
            &second.pointer,
            "a second attack-flow object: a bundle holds exactly one flow",
        )),
        (None, _) if objects.iter().any(|o| o.stix_type.starts_with("attack-")) => {
            Err(ReadError::invalid(
                source,
                "/objects",
                "Attack Flow objects but no attack-flow object: a bundle holds exactly one flow",
            ))
        }
        (None, _) => Err(ReadError::NotAFlow {
            source_name: source.to_owned(),
            reason: "a STIX bundle without an attack-flow object".into(),
        }),
    }
}

/// Deviations from the schema that lose nothing: the values are kept verbatim, the user is told.
fn warn_lossless_deviations(object: &Object, diagnostics: &mut Diagnostics<'_>) {
    for (key, value) in &object.properties {
        let at = || pointer_push(&object.pointer, key);
        match value {
            Value::Array(a) if a.is_empty() => {
                diagnostics.warn(
                    &at(),
                    "empty list (the schema asks for at least one item); kept",
                );
            }
            Value::Null => diagnostics.warn(&at(), "null value (the schema has no null); kept"),
            Value::String(_) if key == "hashes" => {
                diagnostics.warn(
                    &at(),
                    "hashes as free text instead of a dictionary; kept verbatim",
                );
            }
            _ => {}
        }
    }
    if object.kind == ObjectKind::Flow && object.properties.contains_key("author") {
        diagnostics.warn(
            &pointer_push(&object.pointer, "author"),
            "\"author\" is not an attack-flow property (STIX uses created_by_ref); kept verbatim",
        );
    }
}

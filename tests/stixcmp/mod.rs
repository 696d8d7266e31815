//! Comparing STIX bundles as JSON: objects by id, key order ignored, and list order ignored
//! where STIX gives it no meaning (a list held by a dictionary is a multiset; a list nested in
//! a list keeps its order, as the mapping keeps it).
#![allow(dead_code)]

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A value with every dictionary-held list sorted, so that equal multisets compare equal.
pub fn normalise(value: &Value) -> Value {
    normalise_in(value, false)
}

fn normalise_in(value: &Value, in_list: bool) -> Value {
    match value {
        // Keys in name order, so that equal dictionaries print (and sort) alike.
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), normalise_in(v, false)))
                .collect::<BTreeMap<_, _>>()
                .into_iter()
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => {
            let mut items: Vec<Value> = items.iter().map(|i| normalise_in(i, true)).collect();
            if !in_list {
                items.sort_by_key(Value::to_string);
            }
            Value::Array(items)
        }
        other => other.clone(),
    }
}

/// A bundle's objects by id, normalised.
pub fn objects_by_id(bundle: &Value) -> BTreeMap<String, Value> {
    bundle["objects"]
        .as_array()
        .expect("a bundle has objects")
        .iter()
        .map(|o| (o["id"].as_str().expect("an id").to_owned(), normalise(o)))
        .collect()
}

/// A bundle's own properties (all but `objects`), normalised.
pub fn container(bundle: &Value) -> Value {
    let mut map = bundle.as_object().expect("a bundle is an object").clone();
    map.remove("objects");
    normalise(&Value::Object(map))
}

/// Every difference between two bundles, one line each (empty when they are equal).
pub fn differences(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if container(expected) != container(actual) {
        out.push(format!(
            "bundle: {} != {}",
            container(expected),
            container(actual)
        ));
    }
    let (a, b) = (objects_by_id(expected), objects_by_id(actual));
    if expected["objects"].as_array().map(Vec::len) != actual["objects"].as_array().map(Vec::len) {
        out.push("a different number of objects".into());
    }
    for (id, x) in &a {
        match b.get(id) {
            None => out.push(format!("{id}: missing")),
            Some(y) if x != y => {
                let keys: std::collections::BTreeSet<&String> = x
                    .as_object()
                    .unwrap()
                    .keys()
                    .chain(y.as_object().unwrap().keys())
                    .collect();
                for key in keys {
                    if x.get(key) != y.get(key) {
                        out.push(format!("{id}/{key}: {:?} != {:?}", x.get(key), y.get(key)));
                    }
                }
            }
            Some(_) => {}
        }
    }
    for id in b.keys().filter(|id| !a.contains_key(*id)) {
        out.push(format!("{id}: added"));
    }
    out
}

//! STIX 2.1 deterministic identifiers of cyber-observables (spec §2.9): UUIDv5 in the SCO
//! namespace over the RFC 8785 canonical JSON of the type's ID-contributing properties. The
//! Builder gives every object a random id; this is what makes the same IP, domain or file one
//! IRI across flows.

use serde_json::{Map, Value};
use std::collections::HashMap;

/// The namespace STIX 2.1 defines for SCO identifiers.
const SCO_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);

/// Hash algorithms in the order STIX prefers them for identity.
const HASH_PREFERENCE: [&str; 4] = ["MD5", "SHA-1", "SHA-256", "SHA-512"];

/// The ID-contributing properties of each SCO type (STIX 2.1 specification, per type).
fn contributing(stix_type: &str) -> Option<&'static [&'static str]> {
    Some(match stix_type {
        "artifact" => &["hashes", "payload_bin"],
        "autonomous-system" => &["number"],
        "directory" => &["path"],
        "domain-name" | "email-addr" | "ipv4-addr" | "ipv6-addr" | "mac-addr" | "url" => &["value"],
        "email-message" => &["from_ref", "subject", "body"],
        "file" => &["hashes", "name", "extensions", "parent_directory_ref"],
        "mutex" => &["name"],
        "network-traffic" => &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
        "software" => &["name", "cpe", "swid", "vendor", "version"],
        "user-account" => &["account_type", "user_id", "account_login"],
        "windows-registry-key" => &["key", "values"],
        "x509-certificate" => &["hashes", "serial_number"],
        _ => return None,
    })
}

/// ID-contributing properties that classify an observable without naming one: every Windows
/// domain account has `account_type` "windows-domain", every TCP connection `protocols` ["tcp"].
fn classifying(stix_type: &str) -> &'static [&'static str] {
    match stix_type {
        "user-account" => &["account_type"],
        "network-traffic" => &["protocols", "extensions"],
        "software" => &["vendor", "version"],
        "email-message" => &["from_ref"],
        "file" => &["extensions", "parent_directory_ref"],
        _ => &[],
    }
}

/// Whether an observable carries a property that names it, beyond those that only classify it.
/// Its deterministic id is still computed as STIX says, but two accounts that share no more
/// than their account type are not the same account.
#[must_use]
pub fn is_identified(stix_type: &str, properties: &Map<String, Value>) -> bool {
    contributing(stix_type).is_some_and(|keys| {
        keys.iter()
            .filter(|key| !classifying(stix_type).contains(key))
            .any(|key| properties.contains_key(*key))
    })
}

/// The deterministic id of an observable, or `None` when its type has none (process) or it
/// carries none of its contributing properties. References inside are replaced by the
/// deterministic ids of the objects they name, when those have one.
#[must_use]
pub fn deterministic_id(
    stix_type: &str,
    properties: &Map<String, Value>,
    referenced: &HashMap<&str, String>,
) -> Option<String> {
    let keys = contributing(stix_type)?;
    let mut contributing_values = Map::new();
    for key in keys {
        let Some(value) = properties.get(*key) else {
            continue;
        };
        let value = match (*key, value) {
            ("hashes", Value::Object(hashes)) => {
                let (algorithm, digest) = HASH_PREFERENCE
                    .iter()
                    .find_map(|a| hashes.iter().find(|(k, _)| k.eq_ignore_ascii_case(a)))
                    .or_else(|| hashes.iter().next())?;
                let mut one = Map::new();
                one.insert(algorithm.clone(), digest.clone());
                Value::Object(one)
            }
            ("hashes", _) => continue,
            (key, Value::String(id)) if key.ends_with("_ref") => Value::from(
                referenced
                    .get(id.as_str())
                    .cloned()
                    .unwrap_or_else(|| id.clone()),
            ),
            _ => value.clone(),
        };
        contributing_values.insert((*key).to_owned(), value);
    }
    if contributing_values.is_empty() {
        return None;
    }
    let canonical = canonical_json(&Value::Object(contributing_values));
    Some(format!(
        "{stix_type}--{}",
        uuid::Uuid::new_v5(&SCO_NAMESPACE, canonical.as_bytes())
    ))
}

/// RFC 8785 (JCS) canonical JSON: keys sorted by UTF-16 code units, no white space, numbers in
/// their shortest form, strings with only the required escapes.
#[must_use]
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (index, (key, item)) in entries.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::String(s) => write_string(s, out),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => out.push_str(&i.to_string()),
            (_, Some(u), _) => out.push_str(&u.to_string()),
            (_, _, Some(f)) if f.fract() == 0.0 && f.abs() < 1e21 => {
                out.push_str(&format!("{f:.0}"))
            }
            _ => out.push_str(&n.to_string()),
        },
        other => out.push_str(&other.to_string()),
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn id(stix_type: &str, properties: Value) -> Option<String> {
        deterministic_id(stix_type, properties.as_object().unwrap(), &HashMap::new())
    }

    /// The STIX 2.1 specification's vector (§2.9): `file` named "foo.exe".
    #[test]
    fn published_vector() {
        assert_eq!(
            id("file", json!({"name": "foo.exe"})).unwrap(),
            "file--7af1312c-4402-5d2f-b169-b118d73b85c4"
        );
        // Properties that do not contribute change nothing.
        assert_eq!(
            id("file", json!({"name": "foo.exe", "size": 12})),
            id("file", json!({"name": "foo.exe"}))
        );
    }

    /// cti-python-stix2's vectors (stix2/test/v21: test_observed_data.py,
    /// test_deterministic_ids.py): nested extension objects with a float, a list of registry
    /// values, and a property (`contains_refs`) that does not contribute.
    #[test]
    fn cti_python_stix2_vectors() {
        assert_eq!(
            id(
                "directory",
                json!({"path": "/usr/home", "contains_refs": ["file--5956efbb-a7b0-566d-a7f9-a202eb05c70f"]})
            )
            .unwrap(),
            "directory--ee97f78e-7e2b-5b3d-bcbd-5692968cacea"
        );
        let file = json!({
            "name": "example.exe",
            "size": 68000,
            "magic_number_hex": "50000000",
            "hashes": {"SHA-256": "841a8921140aba50671ebb0770fecc4ee308c4952cfeff8de154ab14eeef4649"},
            "extensions": {"windows-pebinary-ext": {
                "pe_type": "exe",
                "machine_hex": "014c",
                "sections": [{
                    "name": ".data",
                    "size": 4096,
                    "entropy": 7.980693,
                    "hashes": {"SHA-256": "6e3b6f3978e5cd96ba7abee35c24e867b7e64072e2ecb22d0ee7a6e6af6894d0"}
                }]
            }}
        });
        assert_eq!(
            id("file", file).unwrap(),
            "file--ced31cd4-bdcb-537d-aefa-92d291bfc11d"
        );
        assert_eq!(
            id(
                "windows-registry-key",
                json!({"values": [{"name": "Foo", "data": "qwerty"}, {"name": "Bar", "data": "42"}]})
            )
            .unwrap(),
            "windows-registry-key--36594eba-bcc7-5014-9835-0e154264e588"
        );
    }

    #[test]
    fn hashes_count_by_preference_and_other_properties_do_not() {
        let a = id(
            "file",
            json!({"name": "a.exe", "hashes": {"SHA-256": "aa", "MD5": "bb"}, "size": 1}),
        );
        let b = id("file", json!({"name": "a.exe", "hashes": {"MD5": "bb"}}));
        assert_eq!(a, b);
    }

    #[test]
    fn processes_have_no_deterministic_id() {
        assert_eq!(id("process", json!({"command_line": "cmd.exe"})), None);
        assert_eq!(id("ipv4-addr", json!({"resolves_to_refs": []})), None);
    }

    #[test]
    fn canonical_json_sorts_and_escapes() {
        assert_eq!(
            canonical_json(&json!({"b": 1, "a": "x\ny", "c": [true, null]})),
            r#"{"a":"x\ny","b":1,"c":[true,null]}"#
        );
    }
}

#[cfg(test)]
mod identity_tests {
    use super::*;
    use serde_json::json;

    fn identified(stix_type: &str, properties: Value) -> bool {
        is_identified(stix_type, properties.as_object().unwrap())
    }

    /// Only a property that names the observable makes two of them one: an account type, a
    /// protocol or a folder alone does not.
    #[test]
    fn classifying_properties_alone_identify_nothing() {
        assert!(!identified(
            "user-account",
            json!({"account_type": "windows-domain", "display_name": "sysadmin"})
        ));
        assert!(identified(
            "user-account",
            json!({"account_type": "windows-domain", "account_login": "sysadmin"})
        ));
        assert!(!identified(
            "network-traffic",
            json!({"protocols": ["tcp"]})
        ));
        assert!(identified(
            "network-traffic",
            json!({"protocols": ["tcp"], "dst_port": 443})
        ));
        assert!(!identified(
            "file",
            json!({"parent_directory_ref": "directory--1"})
        ));
        assert!(identified("file", json!({"name": "foo.exe"})));
        assert!(identified("ipv4-addr", json!({"value": "198.51.100.7"})));
        assert!(!identified("process", json!({"command_line": "whoami"})));
    }
}

//! The JSON Schemas `validate` applies, embedded in the binary, and one compiled validator per
//! STIX type, chosen the way the official Attack Flow validator chooses them.

use jsonschema::{Draft, Retrieve, Uri, Validator};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// The normative schema of the Attack Flow extension (Draft 2020-12).
const ATTACK_FLOW: &str = include_str!("../../schemas/attack-flow/attack-flow-schema-2.0.0.json");

/// The schema of the 2022 pre-STIX format.
const LEGACY: &str = include_str!("../../schemas/legacy/attack-flow-2022-01-05-draft.json");

/// The OASIS STIX 2.1 schemas, by their path below `schemas/oasis-open/`.
const OASIS: [(&str, &str); 57] = [
    (
        "common/binary.json",
        include_str!("../../schemas/oasis-open/common/binary.json"),
    ),
    (
        "common/bundle.json",
        include_str!("../../schemas/oasis-open/common/bundle.json"),
    ),
    (
        "common/core.json",
        include_str!("../../schemas/oasis-open/common/core.json"),
    ),
    (
        "common/cyber-observable-core.json",
        include_str!("../../schemas/oasis-open/common/cyber-observable-core.json"),
    ),
    (
        "common/dictionary.json",
        include_str!("../../schemas/oasis-open/common/dictionary.json"),
    ),
    (
        "common/extension-definition.json",
        include_str!("../../schemas/oasis-open/common/extension-definition.json"),
    ),
    (
        "common/extension.json",
        include_str!("../../schemas/oasis-open/common/extension.json"),
    ),
    (
        "common/external-reference.json",
        include_str!("../../schemas/oasis-open/common/external-reference.json"),
    ),
    (
        "common/granular-marking.json",
        include_str!("../../schemas/oasis-open/common/granular-marking.json"),
    ),
    (
        "common/hashes-type.json",
        include_str!("../../schemas/oasis-open/common/hashes-type.json"),
    ),
    (
        "common/hex.json",
        include_str!("../../schemas/oasis-open/common/hex.json"),
    ),
    (
        "common/identifier.json",
        include_str!("../../schemas/oasis-open/common/identifier.json"),
    ),
    (
        "common/kill-chain-phase.json",
        include_str!("../../schemas/oasis-open/common/kill-chain-phase.json"),
    ),
    (
        "common/language-content.json",
        include_str!("../../schemas/oasis-open/common/language-content.json"),
    ),
    (
        "common/marking-definition.json",
        include_str!("../../schemas/oasis-open/common/marking-definition.json"),
    ),
    (
        "common/properties.json",
        include_str!("../../schemas/oasis-open/common/properties.json"),
    ),
    (
        "common/timestamp.json",
        include_str!("../../schemas/oasis-open/common/timestamp.json"),
    ),
    (
        "common/url-regex.json",
        include_str!("../../schemas/oasis-open/common/url-regex.json"),
    ),
    (
        "sdos/attack-pattern.json",
        include_str!("../../schemas/oasis-open/sdos/attack-pattern.json"),
    ),
    (
        "sdos/campaign.json",
        include_str!("../../schemas/oasis-open/sdos/campaign.json"),
    ),
    (
        "sdos/course-of-action.json",
        include_str!("../../schemas/oasis-open/sdos/course-of-action.json"),
    ),
    (
        "sdos/grouping.json",
        include_str!("../../schemas/oasis-open/sdos/grouping.json"),
    ),
    (
        "sdos/identity.json",
        include_str!("../../schemas/oasis-open/sdos/identity.json"),
    ),
    (
        "sdos/incident.json",
        include_str!("../../schemas/oasis-open/sdos/incident.json"),
    ),
    (
        "sdos/indicator.json",
        include_str!("../../schemas/oasis-open/sdos/indicator.json"),
    ),
    (
        "sdos/infrastructure.json",
        include_str!("../../schemas/oasis-open/sdos/infrastructure.json"),
    ),
    (
        "sdos/intrusion-set.json",
        include_str!("../../schemas/oasis-open/sdos/intrusion-set.json"),
    ),
    (
        "sdos/location.json",
        include_str!("../../schemas/oasis-open/sdos/location.json"),
    ),
    (
        "sdos/malware-analysis.json",
        include_str!("../../schemas/oasis-open/sdos/malware-analysis.json"),
    ),
    (
        "sdos/malware.json",
        include_str!("../../schemas/oasis-open/sdos/malware.json"),
    ),
    (
        "sdos/note.json",
        include_str!("../../schemas/oasis-open/sdos/note.json"),
    ),
    (
        "sdos/observed-data.json",
        include_str!("../../schemas/oasis-open/sdos/observed-data.json"),
    ),
    (
        "sdos/opinion.json",
        include_str!("../../schemas/oasis-open/sdos/opinion.json"),
    ),
    (
        "sdos/report.json",
        include_str!("../../schemas/oasis-open/sdos/report.json"),
    ),
    (
        "sdos/threat-actor.json",
        include_str!("../../schemas/oasis-open/sdos/threat-actor.json"),
    ),
    (
        "sdos/tool.json",
        include_str!("../../schemas/oasis-open/sdos/tool.json"),
    ),
    (
        "sdos/vulnerability.json",
        include_str!("../../schemas/oasis-open/sdos/vulnerability.json"),
    ),
    (
        "sros/relationship.json",
        include_str!("../../schemas/oasis-open/sros/relationship.json"),
    ),
    (
        "sros/sighting.json",
        include_str!("../../schemas/oasis-open/sros/sighting.json"),
    ),
    (
        "observables/artifact.json",
        include_str!("../../schemas/oasis-open/observables/artifact.json"),
    ),
    (
        "observables/autonomous-system.json",
        include_str!("../../schemas/oasis-open/observables/autonomous-system.json"),
    ),
    (
        "observables/directory.json",
        include_str!("../../schemas/oasis-open/observables/directory.json"),
    ),
    (
        "observables/domain-name.json",
        include_str!("../../schemas/oasis-open/observables/domain-name.json"),
    ),
    (
        "observables/email-addr.json",
        include_str!("../../schemas/oasis-open/observables/email-addr.json"),
    ),
    (
        "observables/email-message.json",
        include_str!("../../schemas/oasis-open/observables/email-message.json"),
    ),
    (
        "observables/file.json",
        include_str!("../../schemas/oasis-open/observables/file.json"),
    ),
    (
        "observables/ipv4-addr.json",
        include_str!("../../schemas/oasis-open/observables/ipv4-addr.json"),
    ),
    (
        "observables/ipv6-addr.json",
        include_str!("../../schemas/oasis-open/observables/ipv6-addr.json"),
    ),
    (
        "observables/mac-addr.json",
        include_str!("../../schemas/oasis-open/observables/mac-addr.json"),
    ),
    (
        "observables/mutex.json",
        include_str!("../../schemas/oasis-open/observables/mutex.json"),
    ),
    (
        "observables/network-traffic.json",
        include_str!("../../schemas/oasis-open/observables/network-traffic.json"),
    ),
    (
        "observables/process.json",
        include_str!("../../schemas/oasis-open/observables/process.json"),
    ),
    (
        "observables/software.json",
        include_str!("../../schemas/oasis-open/observables/software.json"),
    ),
    (
        "observables/url.json",
        include_str!("../../schemas/oasis-open/observables/url.json"),
    ),
    (
        "observables/user-account.json",
        include_str!("../../schemas/oasis-open/observables/user-account.json"),
    ),
    (
        "observables/windows-registry-key.json",
        include_str!("../../schemas/oasis-open/observables/windows-registry-key.json"),
    ),
    (
        "observables/x509-certificate.json",
        include_str!("../../schemas/oasis-open/observables/x509-certificate.json"),
    ),
];

/// The Attack Flow SDOs: validated with the Attack Flow schema.
pub const ATTACK_FLOW_SDOS: [&str; 5] = [
    "attack-flow",
    "attack-action",
    "attack-asset",
    "attack-condition",
    "attack-operator",
];

/// The standard types the official validator has a schema for, with the folder holding it.
/// Any other type (`marking-definition` and custom `x-` types included) is not validated and
/// draws a warning there; so it does here.
const STANDARD: [(&str, &[&str]); 4] = [
    (
        "sdos",
        &[
            "attack-pattern",
            "campaign",
            "course-of-action",
            "grouping",
            "identity",
            "incident",
            "indicator",
            "infrastructure",
            "intrusion-set",
            "location",
            "malware-analysis",
            "malware",
            "note",
            "observed-data",
            "opinion",
            "report",
            "threat-actor",
            "tool",
            "vulnerability",
        ],
    ),
    (
        "observables",
        &[
            "artifact",
            "autonomous-system",
            "directory",
            "domain-name",
            "email-addr",
            "email-message",
            "file",
            "ipv4-addr",
            "ipv6-addr",
            "mac-addr",
            "mutex",
            "network-traffic",
            "process",
            "software",
            "url",
            "user-account",
            "windows-registry-key",
            "x509-certificate",
        ],
    ),
    ("sros", &["relationship", "sighting"]),
    ("common", &["extension-definition"]),
];

/// A compiled schema, or why the embedded schema would not compile (a defect of the build).
pub(crate) type Compiled = Result<Validator, String>;

/// The validator for objects of a STIX type; `None` for a type without a schema.
pub(crate) fn for_stix_type(stix_type: &str) -> Option<&'static Compiled> {
    static CACHE: OnceLock<HashMap<&'static str, OnceLock<Compiled>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        ATTACK_FLOW_SDOS
            .iter()
            .chain(STANDARD.iter().flat_map(|(_, types)| types.iter()))
            .map(|t| (*t, OnceLock::new()))
            .collect()
    });
    let (name, cell) = cache.get_key_value(stix_type)?;
    Some(cell.get_or_init(|| compile_for(name)))
}

/// The validator of the legacy 2022 format. Its validator checked formats (`date-time`, `uri`).
pub(crate) fn legacy() -> &'static Compiled {
    static LEGACY_VALIDATOR: OnceLock<Compiled> = OnceLock::new();
    LEGACY_VALIDATOR.get_or_init(|| compile(LEGACY, true))
}

fn compile_for(stix_type: &str) -> Compiled {
    if ATTACK_FLOW_SDOS.contains(&stix_type) {
        return compile(ATTACK_FLOW, false);
    }
    let folder = STANDARD
        .iter()
        .find(|(_, types)| types.contains(&stix_type))
        .map(|(folder, _)| *folder)
        .ok_or_else(|| format!("no schema for {stix_type}"))?;
    let text = oasis_file(&format!("{folder}/{stix_type}.json"))
        .ok_or_else(|| format!("schema {folder}/{stix_type}.json is not embedded"))?;
    compile(text, false)
}

fn oasis_file(path: &str) -> Option<&'static str> {
    OASIS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
}

/// The official validator runs Draft 2020-12 without a format checker, so `format` is an
/// annotation there; the legacy validator asserted formats.
fn compile(text: &str, formats: bool) -> Compiled {
    let schema: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(formats)
        .with_retriever(Embedded)
        .build(&schema)
        .map_err(|e| e.to_string())
}

/// Resolves the schemas' `$ref` URLs to the embedded files, by the last two path segments for
/// OASIS files and the file name for Attack Flow files, as the official validator maps them to
/// its local copies. Nothing is ever fetched.
struct Embedded;

impl Retrieve for Embedded {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let path = uri.path().as_str();
        let mut segments = path.rsplit('/');
        let (file, folder) = (segments.next().unwrap_or(""), segments.next().unwrap_or(""));
        let text = if path.contains("/attack-flow/") && file == "attack-flow-schema-2.0.0.json" {
            Some(ATTACK_FLOW)
        } else if path.contains("/oasis-open/") {
            oasis_file(&format!("{folder}/{file}"))
        } else {
            None
        };
        let text = text.ok_or_else(|| format!("no embedded schema for {}", uri.as_str()))?;
        Ok(serde_json::from_str(text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_schema_compiles_offline() {
        for t in ATTACK_FLOW_SDOS
            .iter()
            .chain(STANDARD.iter().flat_map(|(_, types)| types.iter()))
        {
            let compiled = for_stix_type(t).unwrap();
            assert!(compiled.is_ok(), "{t}: {:?}", compiled.as_ref().err());
        }
        assert!(legacy().is_ok(), "{:?}", legacy().as_ref().err());
        assert!(for_stix_type("marking-definition").is_none());
    }
}

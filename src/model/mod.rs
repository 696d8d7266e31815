//! The neutral flow model that all three input formats are read into.
//!
//! A [`Flow`] is a list of STIX-shaped [`Object`]s: every object keeps its id, its type and all of
//! its properties verbatim as JSON values; references are the properties whose names end in `_ref`
//! or `_refs`, as in STIX. The `.afb` and legacy readers translate their structures into this shape
//! (lines into `effect_refs`, legacy relationships into statements), so the mapping to RDF and the
//! reverse map are written once.

use serde_json::{Map, Value};
use std::fmt;

/// The syntax a flow was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceFormat {
    /// A STIX 2.1 bundle using the Attack Flow extension.
    Stix,
    /// An Attack Flow Builder save file (`"schema": "attack_flow_v2"`).
    Afb,
    /// The 2022 pre-STIX Attack Flow JSON format.
    Legacy,
}

impl SourceFormat {
    /// The short name used on the command line and in provenance triples.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Stix => "stix",
            Self::Afb => "afb",
            Self::Legacy => "legacy",
        }
    }
}

impl fmt::Display for SourceFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a flow came from; this decides the flow's identity (see [`Flow::key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The name shown in messages: the path as the user gave it, or `-` for standard input.
    pub name: String,
    /// The identity of the source: the canonical absolute path of a file, or the SHA-256 of the
    /// content for input that has no path.
    pub identity: String,
    /// SHA-256 of the bytes read, lowercase hex.
    pub content_sha256: String,
    pub format: SourceFormat,
}

/// What part an object plays in the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    Flow,
    Action,
    Asset,
    Condition,
    Operator,
    /// A STIX relationship (SRO).
    Relationship,
    /// A legacy 2022 statement: relationship, data property or object property.
    Statement(StatementKind),
    /// Any other STIX object (SDO, SCO, note, identity, extension-definition ...).
    Other,
}

impl ObjectKind {
    /// The kind a STIX type stands for.
    #[must_use]
    pub fn of_stix_type(stix_type: &str) -> Self {
        match stix_type {
            "attack-flow" => Self::Flow,
            "attack-action" => Self::Action,
            "attack-asset" => Self::Asset,
            "attack-condition" => Self::Condition,
            "attack-operator" => Self::Operator,
            "relationship" => Self::Relationship,
            _ => Self::Other,
        }
    }
}

/// The three kinds of statement of the 2022 legacy format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatementKind {
    /// `relationships[]`: node → node, e.g. `required-by`, `provides`, `flow-edge`.
    Relationship,
    /// `data_properties[]`: node → literal.
    DataProperty,
    /// `object_properties[]`: node → IRI value.
    ObjectProperty,
}

/// One object of a flow: its id, its STIX type and every other property verbatim.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// The STIX id (`attack-action--…`), or the legacy IRI-like id (`http://flow-1/action-3`).
    pub id: String,
    /// The STIX type (`attack-action`, `tool`, `relationship` ...); legacy statements use
    /// `x-legacy-relationship`, `x-legacy-data-property`, `x-legacy-object-property`.
    pub stix_type: String,
    pub kind: ObjectKind,
    /// Every property but `id` and `type`, in source order, values as JSON.
    pub properties: Map<String, Value>,
    /// Where the object stands in the source document (a JSON pointer).
    pub pointer: String,
}

impl Object {
    /// A property's string value, if it is a string.
    #[must_use]
    pub fn str(&self, key: &str) -> Option<&str> {
        self.properties.get(key).and_then(Value::as_str)
    }

    /// The ids this object references: every `*_ref` string and `*_refs` array item, with the
    /// property name, in property order.
    pub fn references(&self) -> impl Iterator<Item = (&str, &str)> {
        self.properties.iter().flat_map(|(key, value)| {
            let items: Vec<&str> = if is_ref_key(key) {
                value.as_str().into_iter().collect()
            } else if is_refs_key(key) {
                value
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            items.into_iter().map(move |id| (key.as_str(), id))
        })
    }
}

/// Whether a property name is a single STIX reference (`*_ref`).
#[must_use]
pub fn is_ref_key(key: &str) -> bool {
    key.ends_with("_ref")
}

/// Whether a property name is a STIX reference list (`*_refs`).
#[must_use]
pub fn is_refs_key(key: &str) -> bool {
    key.ends_with("_refs")
}

/// One attack flow read from one source: its objects, the flow object among them.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub source: Source,
    /// Every object of the document in document order; exactly one has [`ObjectKind::Flow`].
    pub objects: Vec<Object>,
    /// Properties of the container that are not objects (a bundle's `id`, `spec_version` ...;
    /// the `.afb` theme; the legacy `$schema`), kept so nothing the user gave is lost.
    pub container: Map<String, Value>,
    /// Warnings and notices found while reading.
    pub diagnostics: Vec<crate::Diagnostic>,
}

impl Flow {
    /// The flow object (`attack-flow`).
    ///
    /// # Panics
    /// Never for a flow built by the readers, which always hold one flow object.
    #[must_use]
    pub fn flow_object(&self) -> &Object {
        self.objects
            .iter()
            .find(|o| o.kind == ObjectKind::Flow)
            .expect("readers always produce a flow object")
    }

    /// The id of the flow object (`attack-flow--…`, or the legacy flow id).
    #[must_use]
    pub fn flow_id(&self) -> &str {
        &self.flow_object().id
    }

    /// The flow's name, if it has one.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.flow_object().str("name")
    }

    /// The key that identifies this flow in a store: the UUID of its flow id (or a slug of a
    /// legacy id) joined to a short hash of the source identity. Two files that reuse an
    /// `attack-flow` id get different keys; the same file read again gets the same key.
    #[must_use]
    pub fn key(&self) -> String {
        let id = self.flow_id();
        // The UUID of a STIX id; the last path segment of a legacy IRI-like id.
        let stem = id.rsplit_once("--").map_or_else(
            || id.trim_end_matches('/').rsplit('/').next().unwrap_or(id),
            |(_, uuid)| uuid,
        );
        let slug: String = stem
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let slug = slug.trim_matches('-');
        let slug = if slug.len() > 48 {
            &slug[slug.len() - 48..]
        } else {
            slug
        };
        let hash = crate::hash::sha256_hex(self.source.identity.as_bytes());
        format!("{}-{}", slug.trim_matches('-'), &hash[..12])
    }

    /// Objects of one kind.
    pub fn objects_of(&self, kind: ObjectKind) -> impl Iterator<Item = &Object> {
        self.objects.iter().filter(move |o| o.kind == kind)
    }
}

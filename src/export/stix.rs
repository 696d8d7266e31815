//! Flows as STIX 2.1 bundles: the last step of the reverse map (RDF → model → STIX).
//!
//! A flow read from a STIX bundle is written back as that bundle: its own properties and its
//! objects, nothing added. A flow read from an `.afb` file is written the way the Attack Flow
//! Builder exports it (see [`builder`]), and a legacy 2022 flow as an equivalent Attack Flow
//! bundle (see [`legacy`]). Everything added is derived deterministically from the flow, so the
//! same flow always gives the same bundle.

pub mod builder;
pub mod legacy;

use crate::model::{Flow, Object, SourceFormat};
use crate::{Diagnostic, Error, Result};
use serde_json::{Map, Value};
use std::io::Write;
use std::path::Path;

/// The Attack Flow extension definition's id.
pub const EXTENSION_ID: &str = "extension-definition--fb9c968a-745b-4ade-9b25-c324172197f4";

/// How to write STIX bundles.
#[derive(Debug, Clone, Default)]
pub struct StixOptions {
    builder_compat: bool,
}

impl StixOptions {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `.afb` flows exactly as Attack Flow Builder 3.2.0 does, its defects included
    /// (see [`builder::compat`]); each value this changes is reported as a notice.
    #[must_use]
    pub fn with_builder_compat(mut self, builder_compat: bool) -> Self {
        self.builder_compat = builder_compat;
        self
    }
}

/// The flow as a STIX 2.1 bundle.
#[must_use]
pub fn bundle(flow: &Flow) -> Value {
    bundle_with(flow, &StixOptions::new()).0
}

/// The flow as a STIX 2.1 bundle written with `options`, and notices of every value the
/// options made differ from the default export.
#[must_use]
pub fn bundle_with(flow: &Flow, options: &StixOptions) -> (Value, Vec<Diagnostic>) {
    if options.builder_compat && flow.source.format == SourceFormat::Afb {
        let (flow, notices) = builder::compat(flow);
        return (bundle(&flow), notices);
    }
    let bundle = match flow.source.format {
        SourceFormat::Stix => write_bundle(&flow.container, &flow.objects),
        SourceFormat::Afb => {
            let (container, objects) = builder::complete(flow);
            write_bundle(&container, &objects)
        }
        SourceFormat::Legacy => {
            let (container, objects) = legacy::complete(flow);
            write_bundle(&container, &objects)
        }
    };
    (bundle, Vec::new())
}

/// A bundle: `type` and `id` first, the container's other properties, then `objects`.
fn write_bundle(container: &Map<String, Value>, objects: &[Object]) -> Value {
    let mut bundle = Map::new();
    for key in ["type", "id"] {
        if let Some(value) = container.get(key) {
            bundle.insert(key.into(), value.clone());
        }
    }
    for (key, value) in container {
        if !bundle.contains_key(key) && key != "objects" {
            bundle.insert(key.clone(), value.clone());
        }
    }
    let objects = objects.iter().map(write_object).collect();
    bundle.insert("objects".into(), Value::Array(objects));
    Value::Object(bundle)
}

/// The properties STIX writes first, in this order, when an object has them.
const LEADING: [&str; 4] = ["spec_version", "created", "modified", "extensions"];

/// One STIX object: `type`, `id`, the common properties, then the others in model order.
#[must_use]
pub fn write_object(object: &Object) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), Value::from(object.stix_type.clone()));
    out.insert("id".into(), Value::from(object.id.clone()));
    for key in LEADING {
        if let Some(value) = object.properties.get(key) {
            out.insert(key.into(), value.clone());
        }
    }
    for (key, value) in &object.properties {
        if !out.contains_key(key) {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

/// Writes bundles. One flow asked for by name (`many` false) goes to the file `output` or to
/// standard output, pretty-printed. Otherwise each bundle goes to `{flow key}.json` in the
/// directory `output` (created if missing), or all go to standard output, one per line (NDJSON).
pub fn write_bundles(bundles: &[(String, Value)], output: Option<&Path>, many: bool) -> Result<()> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    match (bundles, output) {
        ([(_, bundle)], Some(path)) if !many && !path.is_dir() => {
            std::fs::write(path, pretty(bundle)?).map_err(io(path))
        }
        ([(_, bundle)], None) if !many => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", pretty(bundle)?).map_err(io(Path::new("<stdout>")))
        }
        (_, Some(dir)) => {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
            for (key, bundle) in bundles {
                let path = dir.join(format!("{key}.json"));
                std::fs::write(&path, pretty(bundle)?).map_err(io(&path))?;
            }
            Ok(())
        }
        (_, None) => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            for (_, bundle) in bundles {
                writeln!(out, "{bundle}").map_err(io(Path::new("<stdout>")))?;
            }
            out.flush().map_err(io(Path::new("<stdout>")))
        }
    }
}

fn pretty(bundle: &Value) -> Result<String> {
    serde_json::to_string_pretty(bundle).map_err(|e| Error::Export(format!("writing JSON: {e}")))
}

/// A deterministic UUID (v5) for something the source does not name, from the flow's own id.
pub(crate) fn derived_uuid(flow: &Flow, what: &str) -> uuid::Uuid {
    uuid::Uuid::new_v5(&NAMESPACE, format!("{}|{what}", flow.flow_id()).as_bytes())
}

/// Namespace of the UUIDs the STIX export derives (bundle ids, author identities ...).
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x3c1d_6a52_8f0e_4b7a_a1d2_6e9f_0b4c_7d21);

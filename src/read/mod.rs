//! Reading: bytes or files in any of the three formats into [`Flow`]s, format detected by content.

mod afb;
mod legacy;
mod stix;
mod walk;

pub use walk::{Discovered, discover};

use crate::error::{Diagnostic, Location, ReadError, Severity};
use crate::hash::sha256_hex;
use crate::model::{Flow, Source, SourceFormat};
use serde_json::{Map, Value};
use std::path::Path;

/// How to read.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    strict: bool,
}

impl ReadOptions {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes warnings (schema deviations that lose nothing) fatal.
    #[must_use]
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }
}

/// Reads one file. Its identity is its canonical absolute path.
pub fn read_file(path: &Path, options: &ReadOptions) -> Result<Flow, ReadError> {
    let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })?;
    let identity = std::fs::canonicalize(path)
        .map_or_else(|_| path.display().to_string(), |p| p.display().to_string());
    read_bytes(
        &path.display().to_string(),
        Some(&identity),
        &bytes,
        options,
    )
}

/// Reads one document from memory. `identity` decides the flow's key; without one the content
/// hash is used, so the same bytes always give the same flow.
pub fn read_bytes(
    name: &str,
    identity: Option<&str>,
    bytes: &[u8],
    options: &ReadOptions,
) -> Result<Flow, ReadError> {
    let document = parse_json(name, bytes)?;
    let Value::Object(document) = document else {
        return Err(ReadError::NotAFlow {
            source_name: name.to_owned(),
            reason: "the top level is not a JSON object".into(),
        });
    };
    let format = detect(name, &document)?;
    read_document(name, identity, bytes, document, format, options)
}

/// Reads one document from memory as the given format, whatever its content suggests: the
/// format's reader alone decides what is wrong with it.
pub fn read_bytes_as(
    name: &str,
    identity: Option<&str>,
    bytes: &[u8],
    format: SourceFormat,
    options: &ReadOptions,
) -> Result<Flow, ReadError> {
    let document = parse_json(name, bytes)?;
    let Value::Object(document) = document else {
        return Err(ReadError::NotAFlow {
            source_name: name.to_owned(),
            reason: "the top level is not a JSON object".into(),
        });
    };
    read_document(name, identity, bytes, document, format, options)
}

fn read_document(
    name: &str,
    identity: Option<&str>,
    bytes: &[u8],
    document: Map<String, Value>,
    format: SourceFormat,
    options: &ReadOptions,
) -> Result<Flow, ReadError> {
    let content_sha256 = sha256_hex(bytes);
    let source = Source {
        name: name.to_owned(),
        identity: identity.map_or_else(|| format!("sha256:{content_sha256}"), str::to_owned),
        content_sha256,
        format,
    };
    let flow = match format {
        SourceFormat::Stix => stix::read(source, document)?,
        SourceFormat::Afb => afb::read(source, document)?,
        SourceFormat::Legacy => legacy::read(source, document)?,
    };
    if options.strict {
        if let Some(warning) = flow
            .diagnostics
            .iter()
            .find(|d| d.severity >= Severity::Warning)
        {
            return Err(ReadError::Strict(warning.clone()));
        }
    }
    Ok(flow)
}

/// Parses bytes as one JSON document: UTF-8 or a located error, not empty, no malformed JSON.
pub(crate) fn parse_json(name: &str, bytes: &[u8]) -> Result<Value, ReadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
        source_name: name.to_owned(),
        offset: e.valid_up_to(),
    })?;
    if text.trim().is_empty() {
        return Err(ReadError::invalid(
            name,
            "",
            "empty file: expected a JSON document",
        ));
    }
    serde_json::from_str(text).map_err(|e| ReadError::Json {
        source_name: name.to_owned(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })
}

/// Tells the format from the document's content, not its file name.
pub(crate) fn detect(name: &str, document: &Map<String, Value>) -> Result<SourceFormat, ReadError> {
    if document.get("type").and_then(Value::as_str) == Some("bundle") {
        return Ok(SourceFormat::Stix);
    }
    if document.get("schema").and_then(Value::as_str) == Some("attack_flow_v2")
        || (document.contains_key("objects") && document.contains_key("camera"))
    {
        return Ok(SourceFormat::Afb);
    }
    if document.contains_key("flow") && document.contains_key("actions") {
        return Ok(SourceFormat::Legacy);
    }
    let reason = if document.contains_key("$schema") {
        "a JSON Schema".to_owned()
    } else {
        "no STIX bundle, .afb or legacy flow structure".to_owned()
    };
    Err(ReadError::NotAFlow {
        source_name: name.to_owned(),
        reason,
    })
}

/// serde_json appends " at line L column C"; the error already carries the position.
fn strip_position(message: &str) -> String {
    message
        .rsplit_once(" at line ")
        .map_or(message, |(head, _)| head)
        .to_owned()
}

/// Collects diagnostics while a reader works.
pub(crate) struct Diagnostics<'a> {
    source: &'a str,
    list: Vec<Diagnostic>,
}

impl<'a> Diagnostics<'a> {
    pub(crate) fn new(source: &'a str) -> Self {
        Self {
            source,
            list: Vec::new(),
        }
    }

    pub(crate) fn warn(&mut self, pointer: &str, message: impl Into<String>) {
        self.push(Severity::Warning, pointer, message);
    }

    pub(crate) fn notice(&mut self, pointer: &str, message: impl Into<String>) {
        self.push(Severity::Notice, pointer, message);
    }

    fn push(&mut self, severity: Severity, pointer: &str, message: impl Into<String>) {
        self.list.push(Diagnostic {
            severity,
            source: self.source.to_owned(),
            location: Location::Pointer(pointer.to_owned()),
            message: message.into(),
        });
    }

    pub(crate) fn into_vec(self) -> Vec<Diagnostic> {
        self.list
    }
}

/// A JSON value's type, as messages name it.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Takes a required string member of a JSON object, or fails naming the pointer.
pub(crate) fn required_str<'v>(
    source: &str,
    object: &'v Map<String, Value>,
    pointer: &str,
    key: &str,
) -> Result<&'v str, ReadError> {
    match object.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(ReadError::invalid(
            source,
            crate::error::pointer_push(pointer, key),
            format!("expected a string, found {}", json_type(other)),
        )),
        None => Err(ReadError::invalid(
            source,
            pointer,
            format!("missing required property \"{key}\""),
        )),
    }
}

/// Takes a required array member of a JSON object, or fails naming the pointer.
pub(crate) fn required_array<'v>(
    source: &str,
    object: &'v Map<String, Value>,
    pointer: &str,
    key: &str,
) -> Result<&'v Vec<Value>, ReadError> {
    match object.get(key) {
        Some(Value::Array(a)) => Ok(a),
        Some(other) => Err(ReadError::invalid(
            source,
            crate::error::pointer_push(pointer, key),
            format!("expected an array, found {}", json_type(other)),
        )),
        None => Err(ReadError::invalid(
            source,
            pointer,
            format!("missing required property \"{key}\""),
        )),
    }
}

/// Requires a JSON value to be an object.
pub(crate) fn as_object<'v>(
    source: &str,
    value: &'v Value,
    pointer: &str,
) -> Result<&'v Map<String, Value>, ReadError> {
    value.as_object().ok_or_else(|| {
        ReadError::invalid(
            source,
            pointer,
            format!("expected an object, found {}", json_type(value)),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_nothing_in_a_json_schema() {
        let err = read_bytes(
            "s.json",
            None,
            br#"{"$schema": "x", "properties": {}}"#,
            &ReadOptions::new(),
        )
        .unwrap_err();
        assert!(matches!(err, ReadError::NotAFlow { .. }), "{err}");
    }

    #[test]
    fn truncated_json_names_line_and_column() {
        let err = read_bytes(
            "t.json",
            None,
            b"{\"type\": \"bundle\",\n \"obj",
            &ReadOptions::new(),
        )
        .unwrap_err();
        let message = err.to_string();
        assert!(message.starts_with("t.json:2:"), "{message}");
        assert!(message.contains("malformed JSON"), "{message}");
    }

    #[test]
    fn non_utf8_is_refused() {
        let err =
            read_bytes("b.json", None, b"{\"a\": \"\xff\"}", &ReadOptions::new()).unwrap_err();
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }

    #[test]
    fn empty_input_is_refused() {
        let err = read_bytes("e.json", None, b"  \n", &ReadOptions::new()).unwrap_err();
        assert!(err.to_string().contains("empty file"), "{err}");
    }
}

//! `flowkg validate`: the rules of the official Attack Flow validator, applied to STIX bundles and,
//! translated, to `.afb` and legacy files; one [`Report`] per file, of located diagnostics.
//!
//! STIX bundles are checked on the raw JSON document, so the checks see what the reader
//! normalises away: the bundle rules (a `bundle`, exactly one `attack-flow`, the extension
//! definition), the JSON Schema of every object (the Attack Flow schema for its five SDOs, the
//! OASIS STIX 2.1 schemas for standard objects), and the graph rules (dangling references, nodes
//! cut off from the flow, a flow without description). `.afb` and legacy files are checked on the
//! model their reader produces, with the same rules translated (see `afb.rs`, `legacy.rs`).

mod afb;
mod graph;
mod legacy;
mod report;
mod schema;
mod schemas;
mod stix;

pub use report::{to_json, write_human};

use crate::error::{Location, ReadError, Severity};
use crate::model::SourceFormat;
use crate::read::{Discovered, discover};
use serde_json::Value;
use std::fmt;
use std::path::{Path, PathBuf};

/// The id of the Attack Flow extension definition every flow bundle must include.
pub const EXTENSION_ID: &str = "extension-definition--fb9c968a-745b-4ade-9b25-c324172197f4";

/// A validation rule. Its [`name`](Rule::name) is what reports show and scripts match on: it is
/// stable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Rule {
    /// The file cannot be read as a flow document (I/O, not UTF-8, not JSON, not a flow).
    Read,
    /// The top level is a STIX `bundle`.
    BundleType,
    /// The bundle id starts with `bundle--`.
    BundleId,
    /// The bundle has an `objects` array whose items are objects with a string `type`.
    BundleObjects,
    /// Exactly one `attack-flow` (one `flow` node in `.afb` and legacy files).
    SingleFlow,
    /// The bundle includes the Attack Flow `extension-definition`.
    ExtensionDefinition,
    /// A JSON Schema keyword failed (`required`, `enum`, `pattern`, `minItems`,
    /// `unevaluatedProperties` ...).
    Schema(String),
    /// No schema for the object's type (the official validator warns likewise).
    UnknownType,
    /// Two objects share one id.
    DuplicateId,
    /// An object's id does not start with its type (`tool--…` for a `tool`), which the STIX
    /// parse of the official validator refuses.
    IdPrefix,
    /// A reference to an object the file does not hold.
    DanglingRef,
    /// A node no path joins to the flow.
    Disconnected,
    /// The flow has no description.
    FlowDescription,
    /// An `.afb` line with an end attached to nothing.
    LooseLine,
}

impl Rule {
    /// The rule's stable name: `read`, `bundle-type`, `schema:required` ...
    #[must_use]
    pub fn name(&self) -> String {
        match self {
            Self::Schema(keyword) => format!("schema:{keyword}"),
            other => other.simple_name().to_owned(),
        }
    }

    fn simple_name(&self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::BundleType => "bundle-type",
            Self::BundleId => "bundle-id",
            Self::BundleObjects => "bundle-objects",
            Self::SingleFlow => "single-flow",
            Self::ExtensionDefinition => "extension-definition",
            Self::Schema(_) => "schema",
            Self::UnknownType => "unknown-type",
            Self::DuplicateId => "duplicate-id",
            Self::IdPrefix => "id-prefix",
            Self::DanglingRef => "dangling-ref",
            Self::Disconnected => "disconnected",
            Self::FlowDescription => "flow-description",
            Self::LooseLine => "loose-line",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// One finding of the validator: how bad, where (file, JSON pointer, object id), which rule, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationDiagnostic {
    pub severity: Severity,
    /// The file, as the user named it.
    pub source: String,
    /// A JSON pointer into the file (a line and column for malformed JSON).
    pub location: Location,
    /// The id of the object concerned, when there is one.
    pub object: Option<String>,
    pub rule: Rule,
    pub message: String,
}

impl fmt::Display for ValidationDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.severity)?;
        match &self.location {
            Location::File => f.write_str("-")?,
            location => write!(f, "{location}")?,
        }
        write!(f, " {}: {}", self.rule, self.message)
    }
}

/// The verdict on one file, as the official validator gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// No errors, no warnings.
    Ok,
    /// No errors, some warnings.
    Warnings,
    /// At least one error.
    Fail,
}

impl Verdict {
    /// The stable name used in JSON output: `ok`, `warnings`, `fail`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warnings => "warnings",
            Self::Fail => "fail",
        }
    }
}

/// Everything the validator found in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The file, as the user named it.
    pub source: String,
    /// The format detected from the content, when the file could be read that far.
    pub format: Option<SourceFormat>,
    /// In document order within each pass: bundle rules, schema, graph.
    pub diagnostics: Vec<ValidationDiagnostic>,
}

impl Report {
    fn new(source: &str) -> Self {
        Self {
            source: source.to_owned(),
            format: None,
            diagnostics: Vec::new(),
        }
    }

    /// How many diagnostics of a severity.
    #[must_use]
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// OK, OK with warnings, or FAIL.
    #[must_use]
    pub fn verdict(&self) -> Verdict {
        if self.count(Severity::Error) > 0 {
            Verdict::Fail
        } else if self.count(Severity::Warning) > 0 {
            Verdict::Warnings
        } else {
            Verdict::Ok
        }
    }

    pub(crate) fn push(
        &mut self,
        severity: Severity,
        pointer: impl Into<String>,
        object: Option<&str>,
        rule: Rule,
        message: impl Into<String>,
    ) {
        self.diagnostics.push(ValidationDiagnostic {
            severity,
            source: self.source.clone(),
            location: Location::Pointer(pointer.into()),
            object: object.map(str::to_owned),
            rule,
            message: message.into(),
        });
    }

    /// Records why the file could not be read, located as the reader located it.
    fn push_read_error(&mut self, error: &ReadError) {
        let (location, message) = match error {
            ReadError::Json {
                line,
                column,
                message,
                ..
            } => (
                Location::LineColumn {
                    line: *line,
                    column: *column,
                },
                format!("malformed JSON: {message}"),
            ),
            ReadError::Invalid {
                pointer, message, ..
            } => (Location::Pointer(pointer.clone()), message.clone()),
            ReadError::NotUtf8 { offset, .. } => (
                Location::File,
                format!("not UTF-8 text (invalid byte at offset {offset})"),
            ),
            ReadError::NotAFlow { reason, .. } => (
                Location::File,
                format!("not an Attack Flow document ({reason})"),
            ),
            ReadError::Io { source, .. } => (Location::File, source.to_string()),
            ReadError::Strict(diagnostic) => {
                (diagnostic.location.clone(), diagnostic.message.clone())
            }
        };
        self.diagnostics.push(ValidationDiagnostic {
            severity: Severity::Error,
            source: self.source.clone(),
            location,
            object: None,
            rule: Rule::Read,
            message,
        });
    }
}

/// What became of one path below the paths given to [`validate_paths`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// The file was validated (a file that cannot be read is a report with a `read` error).
    Report(Report),
    /// Found inside a directory and not a flow (a JSON Schema, a note, a licence): left alone.
    Skipped { path: PathBuf, reason: String },
}

/// Validates every file below the paths, in the order `flowkg load` reads them. Files named
/// directly are always validated; files found inside a directory that are not flows are
/// skipped, except `.json` / `.afb` files that do not parse.
pub fn validate_paths(paths: &[PathBuf]) -> std::io::Result<Vec<Checked>> {
    Ok(discover(paths)?
        .into_iter()
        .map(validate_discovered)
        .collect())
}

fn validate_discovered(file: Discovered) -> Checked {
    let (report, unread) = check_path(&file.path);
    let skip = match unread {
        _ if file.explicit => None,
        Some(Unread::NotAFlow(reason)) => Some(reason),
        Some(Unread::NotJson) if !file.claims_json() => Some("not JSON".to_owned()),
        _ => None,
    };
    match skip {
        Some(reason) => Checked::Skipped {
            path: file.path,
            reason,
        },
        None => Checked::Report(report),
    }
}

/// Why a file was not validated as a flow, when that is why its report fails.
enum Unread {
    /// JSON, but no flow (a JSON Schema, some other document).
    NotAFlow(String),
    /// Not UTF-8 JSON text at all.
    NotJson,
}

/// Validates one file.
#[must_use]
pub fn validate_file(path: &Path) -> Report {
    check_path(path).0
}

fn check_path(path: &Path) -> (Report, Option<Unread>) {
    let name = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => check_bytes(&name, &bytes),
        Err(source) => {
            let mut report = Report::new(&name);
            report.push_read_error(&ReadError::Io {
                path: path.to_owned(),
                source,
            });
            (report, None)
        }
    }
}

/// Validates one document held in memory; `name` is what diagnostics call it.
#[must_use]
pub fn validate_bytes(name: &str, bytes: &[u8]) -> Report {
    check_bytes(name, bytes).0
}

fn check_bytes(name: &str, bytes: &[u8]) -> (Report, Option<Unread>) {
    let mut report = Report::new(name);
    let document = match parse(name, bytes) {
        Ok(document) => document,
        Err(error) => {
            report.push_read_error(&error);
            let unread = matches!(error, ReadError::Json { .. } | ReadError::NotUtf8 { .. })
                .then_some(Unread::NotJson);
            return (report, unread);
        }
    };
    let detected = document.as_object().map_or_else(
        || {
            Err(ReadError::NotAFlow {
                source_name: name.to_owned(),
                reason: "the top level is not a JSON object".into(),
            })
        },
        |d| crate::read::detect(name, d),
    );
    let format = match detected {
        Ok(format) => format,
        Err(error) => {
            report.push_read_error(&error);
            let unread = match error {
                ReadError::NotAFlow { reason, .. } => Some(Unread::NotAFlow(reason)),
                _ => None,
            };
            return (report, unread);
        }
    };
    report.format = Some(format);
    match format {
        SourceFormat::Stix => stix::check(&document, &mut report),
        SourceFormat::Afb => afb::check(name, bytes, &document, &mut report),
        SourceFormat::Legacy => legacy::check(name, bytes, &document, &mut report),
    }
    (report, None)
}

/// Parses the bytes as JSON, with the reader's messages for what is not.
fn parse(name: &str, bytes: &[u8]) -> Result<Value, ReadError> {
    crate::read::parse_json(name, bytes)
}

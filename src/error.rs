//! Errors and diagnostics that say where: the file, then a JSON pointer or a line and column.

use std::fmt;
use std::path::PathBuf;

/// Where in an input something was found: a JSON pointer, a line/column, or the whole file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The whole input.
    File,
    /// An RFC 6901 JSON pointer into the document (`""` is the root).
    Pointer(String),
    /// A 1-based line and column of the text.
    LineColumn { line: usize, column: usize },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File => Ok(()),
            Self::Pointer(p) if p.is_empty() => f.write_str("/"),
            Self::Pointer(p) => f.write_str(p),
            Self::LineColumn { line, column } => write!(f, "{line}:{column}"),
        }
    }
}

/// Appends one reference token to a JSON pointer, escaping `~` and `/` as RFC 6901 requires.
#[must_use]
pub fn pointer_push(pointer: &str, token: impl fmt::Display) -> String {
    let token = token.to_string().replace('~', "~0").replace('/', "~1");
    format!("{pointer}/{token}")
}

/// A problem in one input, located. Errors stop the input; warnings do not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub source: String,
    pub location: Location,
    pub message: String,
}

/// How bad a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Notice,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Notice => "notice",
            Self::Warning => "warning",
            Self::Error => "error",
        })
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::File => write!(f, "{}: {}: {}", self.source, self.severity, self.message),
            location => write!(
                f,
                "{}:{}: {}: {}",
                self.source, location, self.severity, self.message
            ),
        }
    }
}

/// Why an input could not be read into a flow.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{source_name}: not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 { source_name: String, offset: usize },
    #[error("{source_name}:{line}:{column}: malformed JSON: {message}")]
    Json {
        source_name: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{source_name}:{pointer}: {message}")]
    Invalid {
        source_name: String,
        pointer: String,
        message: String,
    },
    #[error("{source_name}: not an Attack Flow document ({reason})")]
    NotAFlow { source_name: String, reason: String },
    #[error("{0} (strict mode: warnings are errors)")]
    Strict(Diagnostic),
}

impl ReadError {
    /// An error at a JSON pointer of a document.
    pub(crate) fn invalid(
        source_name: &str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let pointer = pointer.into();
        Self::Invalid {
            source_name: source_name.to_owned(),
            pointer: if pointer.is_empty() {
                "/".into()
            } else {
                pointer
            },
            message: message.into(),
        }
    }
}

/// Anything flowkg can fail at, one variant per stage.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{0}")]
    Iri(String),
    #[error("store: {0}")]
    Store(String),
    #[error("query: {0}")]
    Query(String),
    #[error(transparent)]
    Library(#[from] crate::query::library::LibraryError),
    #[error("serve: {0}")]
    Serve(String),
    /// A remote store refused or failed a request (`flowkg push`, `query --endpoint`).
    #[error("remote: {0}")]
    Remote(String),
    /// An alert event file that cannot be read (`flowkg match`).
    #[error("{0}")]
    Events(Diagnostic),
    #[error("{0}")]
    Export(String),
    /// A picture that cannot be drawn (`flowkg render`).
    #[error("render: {0}")]
    Render(String),
    #[error("reading a flow back from RDF: {0}")]
    Reverse(#[from] crate::reverse::ReverseError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<oxigraph::store::StorageError> for Error {
    fn from(e: oxigraph::store::StorageError) -> Self {
        Self::Store(e.to_string())
    }
}

impl From<oxigraph::store::LoaderError> for Error {
    fn from(e: oxigraph::store::LoaderError) -> Self {
        Self::Store(e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

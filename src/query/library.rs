//! The query library: the questions of `queries/*.rq`, built into the binary, with their
//! parameters bound as escaped RDF terms.
//!
//! Each file opens with a comment header:
//!
//! ```text
//! # Question: What follows a technique? ...
//! #   (continuation lines are indented)
//! # Parameter: technique technique ?technique the technique whose successors to count
//! # Answer on the public corpus (technique=T1059.001): ...
//! ```
//!
//! A parameter line names the parameter, its kind (`technique`, `techniques`, `text`, `flow`,
//! `date`, `integer`) and the variable it binds. The query holds a `VALUES ?variable { default }`
//! clause for it (for `techniques`, `VALUES (?variable1 ... ?variableN) { (...) }`), so every
//! file also runs as it stands in any SPARQL tool. Binding replaces only the data of that clause
//! with the N-Triples form of a checked [`NamedNode`] or [`Literal`]: user text never becomes
//! SPARQL syntax.

use crate::map::find_ids;
use oxigraph::model::vocab::xsd;
use oxigraph::model::{Literal, NamedNode, Term};
use std::fmt::Write as _;
use std::str::FromStr;

/// Why a library query could not be found or bound.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    #[error("no library query named \"{0}\" (see `flowkg query --list`)")]
    Unknown(String),
    #[error("queries/{query}.rq: no parameter \"{parameter}\" (it takes: {known})")]
    UnknownParameter {
        query: String,
        parameter: String,
        known: String,
    },
    #[error("queries/{query}.rq: parameter {parameter}: {message}")]
    BadValue {
        query: String,
        parameter: String,
        message: String,
    },
    #[error("queries/{query}.rq: line {line}: {message}")]
    BadHeader {
        query: String,
        line: usize,
        message: String,
    },
    #[error("queries/{query}.rq: no `VALUES` clause for ?{variable}")]
    NoValuesClause { query: String, variable: String },
}

/// What a parameter holds, and so how its value is read and written as an RDF term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterKind {
    /// One technique id (`T1190`, `T1059.001`, `AML.T0051`): its shared IRI.
    Technique,
    /// Technique ids separated by commas, in order: one IRI per position.
    Techniques,
    /// Free text: a plain literal.
    Text,
    /// A flow's name, key or graph IRI: a plain literal the query compares with each.
    Flow,
    /// A calendar date `YYYY-MM-DD`: an `xsd:date` literal.
    Date,
    /// An integer: an `xsd:integer` literal.
    Integer,
}

impl FromStr for ParameterKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(match text {
            "technique" => Self::Technique,
            "techniques" => Self::Techniques,
            "text" => Self::Text,
            "flow" => Self::Flow,
            "date" => Self::Date,
            "integer" => Self::Integer,
            other => return Err(format!("unknown parameter kind \"{other}\"")),
        })
    }
}

/// One parameter of a library query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// The name given on the command line (`--param name=value`).
    pub name: String,
    pub kind: ParameterKind,
    /// The query variable its `VALUES` clause binds (without `?`).
    pub variable: String,
    pub description: String,
}

/// A query of the library.
#[derive(Debug, Clone, Copy)]
pub struct LibraryQuery {
    /// The file stem: `next-techniques` for `queries/next-techniques.rq`.
    pub name: &'static str,
    /// The whole file.
    pub text: &'static str,
}

macro_rules! library {
    ($($name:literal),* $(,)?) => {
        /// Every query of `queries/`, in alphabetical order (a test checks the folder against it).
        pub const LIBRARY: &[LibraryQuery] = &[
            $(LibraryQuery { name: $name, text: include_str!(concat!("../../queries/", $name, ".rq")) },)*
        ];
    };
}

library!(
    "attack-paths",
    "choke-points",
    "deprecated-techniques",
    "flows",
    "flows-by-metadata",
    "flows-using-technique",
    "next-techniques",
    "resolution-conflicts",
    "search",
    "shared-asset-kinds",
    "shared-entities",
    "similar-flows",
    "tactic-mismatches",
    "technique-sequence",
    "techniques-in-several-flows",
    "techniques-per-tactic",
);

/// The library query of that name.
pub fn find(name: &str) -> Result<&'static LibraryQuery, LibraryError> {
    LIBRARY
        .iter()
        .find(|q| q.name == name)
        .ok_or_else(|| LibraryError::Unknown(name.to_owned()))
}

impl LibraryQuery {
    /// The header lines, without their `#`.
    fn header(&self) -> impl Iterator<Item = (usize, &'static str)> {
        self.text
            .lines()
            .enumerate()
            .map_while(|(i, line)| line.strip_prefix('#').map(|rest| (i + 1, rest)))
    }

    /// The text of a header field, continuation lines joined.
    fn field(&self, label: &str) -> Option<String> {
        let mut value: Option<String> = None;
        for (_, line) in self.header() {
            match (&mut value, line.strip_prefix(' ').unwrap_or(line)) {
                (None, rest) => {
                    if let Some(text) = rest.strip_prefix(label) {
                        value = Some(text.trim().to_owned());
                    }
                }
                (Some(text), rest) if rest.starts_with("  ") => {
                    text.push(' ');
                    text.push_str(rest.trim());
                }
                (Some(_), _) => break,
            }
        }
        value
    }

    /// The question the query answers, in plain words.
    #[must_use]
    pub fn question(&self) -> String {
        self.field("Question:").unwrap_or_default()
    }

    /// The example answer on the public corpus, as the header states it.
    #[must_use]
    pub fn answer(&self) -> String {
        self.field("Answer on the public corpus")
            .unwrap_or_default()
    }

    /// The parameters the header declares.
    pub fn parameters(&self) -> Result<Vec<Parameter>, LibraryError> {
        let mut parameters: Vec<Parameter> = Vec::new();
        let mut continues = false;
        for (line, text) in self.header() {
            let Some(rest) = text.trim_start().strip_prefix("Parameter:") else {
                // An indented line continues the description above it.
                match parameters.last_mut() {
                    Some(last) if continues && text.starts_with("   ") => {
                        last.description.push(' ');
                        last.description.push_str(text.trim());
                    }
                    _ => continues = false,
                }
                continue;
            };
            continues = true;
            let bad = |message: String| LibraryError::BadHeader {
                query: self.name.to_owned(),
                line,
                message,
            };
            let mut words = rest.split_whitespace();
            let (Some(name), Some(kind), Some(variable)) =
                (words.next(), words.next(), words.next())
            else {
                return Err(bad(
                    "expected `# Parameter: NAME KIND ?VARIABLE description`".into(),
                ));
            };
            let variable = variable
                .strip_prefix('?')
                .ok_or_else(|| bad(format!("\"{variable}\" is not a ?variable")))?;
            parameters.push(Parameter {
                name: name.to_owned(),
                kind: kind.parse().map_err(bad)?,
                variable: variable.to_owned(),
                description: words.collect::<Vec<_>>().join(" "),
            });
        }
        Ok(parameters)
    }

    /// The query text with the given parameters bound; parameters left out keep the default
    /// written in the file (`UNDEF` for optional ones).
    pub fn bind(&self, values: &[(String, String)]) -> Result<String, LibraryError> {
        let parameters = self.parameters()?;
        // Every clause is found in the file as written, then filled from the end, so that no
        // bound value can be taken for a clause.
        let mut edits = Vec::new();
        for (name, value) in values {
            let parameter = parameters.iter().find(|p| &p.name == name).ok_or_else(|| {
                LibraryError::UnknownParameter {
                    query: self.name.to_owned(),
                    parameter: name.clone(),
                    known: parameters
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            })?;
            let edit = self.edit(parameter, value)?;
            if edits.iter().any(|(start, _, _)| *start == edit.0) {
                return Err(LibraryError::BadValue {
                    query: self.name.to_owned(),
                    parameter: name.clone(),
                    message: "given twice".into(),
                });
            }
            edits.push(edit);
        }
        edits.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
        let mut text = self.text.to_owned();
        for (start, end, data) in edits {
            text.replace_range(start..end, &data);
        }
        Ok(text)
    }

    /// The byte range of a parameter's `VALUES` data and what replaces it.
    fn edit(
        &self,
        parameter: &Parameter,
        value: &str,
    ) -> Result<(usize, usize, String), LibraryError> {
        let bad = |message: String| LibraryError::BadValue {
            query: self.name.to_owned(),
            parameter: parameter.name.clone(),
            message,
        };
        let (start, end, width) =
            values_clause(self.text, &parameter.variable).ok_or_else(|| {
                LibraryError::NoValuesClause {
                    query: self.name.to_owned(),
                    variable: parameter.variable.clone(),
                }
            })?;
        let data = match width {
            None => {
                let mut rows = String::from(" ");
                for term in alternatives(parameter.kind, value).map_err(bad)? {
                    write!(rows, "{term} ").map_err(|e| bad(e.to_string()))?;
                }
                rows
            }
            Some(width) => {
                let terms = value
                    .split(',')
                    .map(|item| term(ParameterKind::Technique, item.trim()))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(bad)?;
                if terms.len() < 2 || terms.len() > width {
                    return Err(bad(format!("give 2 to {width} ids, separated by commas")));
                }
                let mut row = String::from(" (");
                for position in 0..width {
                    match terms.get(position) {
                        Some(term) => write!(row, "{term} "),
                        None => write!(row, "UNDEF "),
                    }
                    .map_err(|e| bad(e.to_string()))?;
                }
                row.push_str(") ");
                row
            }
        };
        Ok((start, end, data))
    }
}

/// Finds the data block of `VALUES ?variable { ... }` (or of the tuple
/// `VALUES (?variable1 ... ?variableN) { ... }`): the byte range inside the braces, and for a
/// tuple its width.
fn values_clause(text: &str, variable: &str) -> Option<(usize, usize, Option<usize>)> {
    let single = format!("VALUES ?{variable} {{");
    if let Some(at) = text.find(&single) {
        let start = at + single.len();
        let end = start + text[start..].find('}')?;
        return Some((start, end, None));
    }
    let tuple = format!("VALUES (?{variable}1 ");
    let at = text.find(&tuple)?;
    let open = at + text[at..].find('{')?;
    let variables = &text[at + "VALUES (".len()..open];
    let width = variables
        .split(|c: char| c.is_whitespace() || c == ')')
        .filter(|v| v.starts_with(&format!("?{variable}")))
        .count();
    let end = open + 1 + text[open + 1..].find('}')?;
    Some((open + 1, end, Some(width)))
}

/// The terms a single-valued parameter binds, one `VALUES` row each: its term, and for a flow
/// given by its graph IRI (`urn:flowkg:flow/…`, `https://…`, not a name such as "APT29: Cozy
/// Bear") also the IRI, so that a query finds the flow by index as a name, a key or a graph.
fn alternatives(kind: ParameterKind, value: &str) -> Result<Vec<Term>, String> {
    let mut terms = vec![term(kind, value)?];
    if kind == ParameterKind::Flow
        && (value.starts_with("urn:") || value.contains("://"))
        && let Ok(iri) = NamedNode::new(value)
    {
        terms.push(iri.into());
    }
    Ok(terms)
}

/// A value as the RDF term its kind calls for.
fn term(kind: ParameterKind, value: &str) -> Result<Term, String> {
    Ok(match kind {
        ParameterKind::Technique | ParameterKind::Techniques => {
            let ids = find_ids(value);
            match ids.as_slice() {
                [id] => NamedNode::new(id.iri()).map_err(|e| e.to_string())?.into(),
                [] => {
                    return Err(format!(
                        "\"{value}\" is not a technique id (T1190, T1059.001 ...)"
                    ));
                }
                _ => return Err(format!("\"{value}\" holds several technique ids; give one")),
            }
        }
        ParameterKind::Text | ParameterKind::Flow => Literal::new_simple_literal(value).into(),
        ParameterKind::Date => {
            oxsdatatypes::Date::from_str(value)
                .map_err(|e| format!("\"{value}\" is not a date YYYY-MM-DD: {e}"))?;
            Literal::new_typed_literal(value, xsd::DATE).into()
        }
        ParameterKind::Integer => {
            let n: i64 = value
                .trim()
                .parse()
                .map_err(|_| format!("\"{value}\" is not an integer"))?;
            Literal::from(n).into()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_query_has_a_question_an_answer_and_bindable_parameters() {
        for query in LIBRARY {
            assert!(!query.question().is_empty(), "{}: no question", query.name);
            assert!(!query.answer().is_empty(), "{}: no answer", query.name);
            for parameter in query.parameters().unwrap() {
                assert!(
                    values_clause(query.text, &parameter.variable).is_some(),
                    "{}: no VALUES clause for ?{}",
                    query.name,
                    parameter.variable
                );
            }
        }
    }

    #[test]
    fn values_are_bound_as_escaped_terms() {
        let query = find("search").unwrap();
        let bound = query
            .bind(&[("text".into(), "x\" } } ; DROP ALL #\n".into())])
            .unwrap();
        assert!(bound.contains(r#"VALUES ?text { "x\" } } ; DROP ALL #\n" }"#));
        let steps = find("technique-sequence")
            .unwrap()
            .bind(&[("steps".into(), "T1566, t1059.001".into())])
            .unwrap();
        assert!(steps.contains(
            "{ (<https://w3id.org/flowkg/ns/attack/T1566> <https://w3id.org/flowkg/ns/attack/T1059.001> UNDEF UNDEF UNDEF ) }"
        ));
    }

    #[test]
    fn bad_values_are_refused() {
        let next = find("next-techniques").unwrap();
        assert!(
            next.bind(&[("technique".into(), "> } DROP".into())])
                .is_err()
        );
        assert!(
            next.bind(&[("technique".into(), "T1059 T1105".into())])
                .is_err()
        );
        assert!(next.bind(&[("nope".into(), "T1059".into())]).is_err());
        let metadata = find("flows-by-metadata").unwrap();
        assert!(
            metadata
                .bind(&[("since".into(), "yesterday".into())])
                .is_err()
        );
        let top = find("techniques-per-tactic").unwrap();
        assert!(top.bind(&[("top".into(), "3; DROP".into())]).is_err());
        assert!(find("no-such-query").is_err());
    }
}

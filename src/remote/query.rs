//! Queries to a remote store with the SPARQL 1.1 Protocol: the query is sent form-encoded
//! (`POST query=…`, which every store reads) with the vocabulary prefixes declared, and the
//! answer comes back as Oxigraph's [`QueryResults`], so it is written like an embedded one.

use super::http::Remote;
use crate::query::Solutions;
use crate::{Error, Result};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Triple;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsParser};
use oxigraph::sparql::{QueryResults, QueryTripleIter};
use std::io::Cursor;

/// What a query asks the store to answer in: SPARQL results (JSON first) for SELECT and ASK,
/// RDF for CONSTRUCT and DESCRIBE.
const ACCEPT_ANY: &str = "application/sparql-results+json, application/sparql-results+xml;q=0.9, application/n-triples;q=0.8, text/turtle;q=0.7, application/rdf+xml;q=0.5";

/// The query text with the vocabulary prefixes it does not declare itself (`af:`, `attack:`
/// …) declared on its first line, so line numbers in the store's errors stay right.
#[must_use]
pub fn with_prefixes(query: &str) -> String {
    let lower = query.to_ascii_lowercase();
    let declared = |prefix: &str| {
        lower.match_indices("prefix").any(|(at, _)| {
            lower[at + "prefix".len()..]
                .trim_start()
                .starts_with(&format!("{prefix}:"))
        })
    };
    let mut text = String::new();
    for (prefix, namespace) in crate::vocab::PREFIXES {
        if !declared(prefix) {
            text.push_str(&format!("PREFIX {prefix}: <{namespace}> "));
        }
    }
    text.push_str(query);
    text
}

/// Sends a query to a SPARQL endpoint (`http://host/sparql`, Oxigraph's `/query` …) and
/// returns its results.
pub fn execute(remote: &Remote, endpoint: &str, query: &str) -> Result<QueryResults<'static>> {
    let what = format!("query {endpoint}");
    let body: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("query", &with_prefixes(query))
        .finish();
    let reply = remote
        .send(
            "POST",
            endpoint,
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Accept", ACCEPT_ANY),
            ],
            body.as_bytes(),
            &what,
        )?
        .success(&what)?;
    if let Some(state) = &reply.sql_state {
        return Err(Error::Remote(format!(
            "{what}: the store stopped the query early and answered with partial results ({})",
            state.trim()
        )));
    }
    if let Some(format) = QueryResultsFormat::from_media_type(&reply.media_type) {
        let parsed = QueryResultsParser::from_format(format)
            .for_reader(Cursor::new(reply.body))
            .map_err(|e| Error::Remote(format!("{what}: {e}")))?;
        return Ok(QueryResults::from(parsed));
    }
    let format = match reply.media_type.as_str() {
        "text/plain" => RdfFormat::NTriples,
        media_type => RdfFormat::from_media_type(media_type).ok_or_else(|| {
            Error::Remote(format!(
                "{what}: the store answered in {media_type}, neither SPARQL results nor RDF"
            ))
        })?,
    };
    let triples = RdfParser::from_format(format)
        .for_slice(&reply.body)
        .map(|quad| quad.map(Triple::from))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Remote(format!("{what}: {e}")))?;
    Ok(QueryResults::Graph(QueryTripleIter::new(
        triples.into_iter().map(Ok),
    )))
}

/// Runs a SELECT query remotely and returns its rows, like [`crate::query::select`].
pub fn select(remote: &Remote, endpoint: &str, query: &str) -> Result<(Vec<String>, Solutions)> {
    crate::query::solution_rows(execute(remote, endpoint, query)?, Error::Remote)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_declared_once_on_the_first_line() {
        let text = with_prefixes("PREFIX af: <urn:x#>\nSELECT * { ?a a af:Action }");
        assert!(!text.contains("PREFIX af: <https"));
        assert!(text.contains("PREFIX attack: <https://w3id.org/flowkg/ns/attack/>"));
        assert_eq!(text.lines().count(), 2);
    }
}

//! SPARQL 1.1 queries over all flows: the default graph is the union of the flow graphs.

pub mod library;
mod table;

use crate::{Error, Result};
use oxigraph::io::RdfFormat;
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use oxigraph::store::Store;
use std::io::Write;

/// How to write SELECT and ASK results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResultsFormat {
    /// An aligned text table, for people.
    #[default]
    Table,
    Csv,
    Tsv,
    Json,
    Xml,
}

/// What a query produced, for callers that want values rather than text.
pub type Solutions = Vec<Vec<Option<oxigraph::model::Term>>>;

/// Parses a query, naming line and column on error. The vocabulary prefixes (`af:`, `attack:`
/// ...) are predeclared.
pub fn prepare(query: &str) -> Result<oxigraph::sparql::PreparedSparqlQuery> {
    prepare_with(query, None)
}

/// [`prepare`], with a token that cancels the evaluation when it fires (the server's
/// timeout). A query that names its own dataset (`FROM`, `FROM NAMED`) keeps it; any other
/// sees the union of the flow graphs as its default graph.
pub fn prepare_with(
    query: &str,
    cancellation: Option<oxigraph::sparql::CancellationToken>,
) -> Result<oxigraph::sparql::PreparedSparqlQuery> {
    let mut evaluator = evaluator()?;
    if let Some(token) = cancellation {
        evaluator = evaluator.with_cancellation_token(token);
    }
    let mut prepared = evaluator
        .parse_query(query)
        .map_err(|e| Error::Query(format!("syntax error: {e}")))?;
    if prepared.dataset().is_default_dataset() {
        prepared.dataset_mut().set_default_graph_as_union();
    }
    Ok(prepared)
}

/// A SPARQL evaluator with the vocabulary prefixes predeclared.
pub fn evaluator() -> Result<SparqlEvaluator> {
    let mut evaluator = SparqlEvaluator::new();
    for (prefix, namespace) in crate::vocab::PREFIXES {
        evaluator = evaluator
            .with_prefix(prefix, namespace)
            .map_err(|e| Error::Query(e.to_string()))?;
    }
    Ok(evaluator)
}

/// Runs a query and writes its results: solutions and booleans in `results_format`, graphs
/// (CONSTRUCT, DESCRIBE) in `graph_format`.
pub fn run(
    store: &Store,
    query: &str,
    results_format: ResultsFormat,
    graph_format: RdfFormat,
    out: &mut dyn Write,
) -> Result<()> {
    let results = prepare(query)?
        .on_store(store)
        .execute()
        .map_err(|e| Error::Query(e.to_string()))?;
    write(results, results_format, graph_format, out)
}

/// Writes query results, from the embedded store or a remote one: solutions and booleans in
/// `results_format`, graphs in `graph_format`.
pub fn write(
    results: QueryResults<'_>,
    results_format: ResultsFormat,
    graph_format: RdfFormat,
    out: &mut dyn Write,
) -> Result<()> {
    let io = |e: std::io::Error| Error::Query(format!("writing results: {e}"));
    match results {
        QueryResults::Solutions(solutions) => {
            let variables = solutions.variables().to_vec();
            let rows = solutions
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Error::Query(e.to_string()))?;
            match sparql_format(results_format) {
                Some(format) => {
                    let mut serializer = QueryResultsSerializer::from_format(format)
                        .serialize_solutions_to_writer(&mut *out, variables)
                        .map_err(io)?;
                    for row in &rows {
                        serializer.serialize(row).map_err(io)?;
                    }
                    serializer.finish().map_err(io)?;
                }
                None => table::write(&variables, &rows, out).map_err(io)?,
            }
        }
        QueryResults::Boolean(value) => match sparql_format(results_format) {
            Some(format) => {
                QueryResultsSerializer::from_format(format)
                    .serialize_boolean_to_writer(&mut *out, value)
                    .map_err(io)?;
            }
            None => writeln!(out, "{value}").map_err(io)?,
        },
        QueryResults::Graph(triples) => {
            let mut serializer = crate::export::serializer(graph_format).for_writer(&mut *out);
            for triple in triples {
                let triple = triple.map_err(|e| Error::Query(e.to_string()))?;
                serializer.serialize_triple(&triple).map_err(io)?;
            }
            serializer.finish().map_err(io)?;
        }
    }
    Ok(())
}

/// Runs a SELECT query and returns its rows, for the library and tests.
pub fn select(store: &Store, query: &str) -> Result<(Vec<String>, Solutions)> {
    let results = prepare(query)?
        .on_store(store)
        .execute()
        .map_err(|e| Error::Query(e.to_string()))?;
    solution_rows(results, Error::Query)
}

/// The variables and rows of SELECT results, wherever they were evaluated; `error` wraps a
/// failure while reading them.
pub fn solution_rows(
    results: QueryResults<'_>,
    error: fn(String) -> Error,
) -> Result<(Vec<String>, Solutions)> {
    let QueryResults::Solutions(solutions) = results else {
        return Err(Error::Query("not a SELECT query".into()));
    };
    let variables = solutions
        .variables()
        .iter()
        .map(|v| v.as_str().to_owned())
        .collect();
    let mut rows = Vec::new();
    for solution in solutions {
        let solution = solution.map_err(|e| error(e.to_string()))?;
        rows.push(solution.values().to_vec());
    }
    Ok((variables, rows))
}

fn sparql_format(format: ResultsFormat) -> Option<QueryResultsFormat> {
    match format {
        ResultsFormat::Table => None,
        ResultsFormat::Csv => Some(QueryResultsFormat::Csv),
        ResultsFormat::Tsv => Some(QueryResultsFormat::Tsv),
        ResultsFormat::Json => Some(QueryResultsFormat::Json),
        ResultsFormat::Xml => Some(QueryResultsFormat::Xml),
    }
}

//! The SPARQL 1.1 Protocol: reading the operation from the request, evaluating it under the
//! limits, and writing the results in the negotiated format.

use super::negotiate::{self, GRAPHS, RESULTS};
use super::{Endpoint, ServeOptions, error, respond};
use crate::FlowStore;
use oxhttp::model::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST, WWW_AUTHENTICATE};
use oxhttp::model::{Body, HeaderValue, Method, Request, Response, StatusCode};
use oxigraph::io::RdfFormat;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode, Term, Triple};
use oxigraph::sparql::results::{QueryResultsFormat, QueryResultsSerializer};
use oxigraph::sparql::{CancellationToken, QueryEvaluationError, QueryResults, QuerySolution};
use std::io::Read;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};

/// The operation a request carries, with its protocol parameters.
struct Operation {
    text: Option<String>,
    default_graphs: Vec<String>,
    named_graphs: Vec<String>,
}

/// A response built on the evaluation thread (a [`Response`] cannot cross threads).
struct Reply {
    status: StatusCode,
    media_type: String,
    body: Vec<u8>,
}

impl Reply {
    fn ok(media_type: &str, body: Vec<u8>) -> Self {
        Self {
            status: StatusCode::OK,
            media_type: media_type.to_owned(),
            body,
        }
    }

    fn error(status: StatusCode, message: &str) -> Self {
        Self {
            status,
            media_type: "text/plain; charset=utf-8".into(),
            body: format!("{message}\n").into_bytes(),
        }
    }

    fn into_response(self) -> Response<Body> {
        respond(self.status, &self.media_type, self.body)
    }
}

/// A place among the queries allowed to run at once, given back when the evaluation thread
/// ends (which, for a query Oxigraph cannot cancel, may be after its deadline).
struct RunningQuery(Arc<AtomicUsize>);

impl RunningQuery {
    fn start(running: &Arc<AtomicUsize>, max: usize) -> Option<Self> {
        running
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Self(Arc::clone(running)))
    }
}

impl Drop for RunningQuery {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What ends an evaluation early: the error response to send.
struct Stop(Reply);

/// `/sparql`: a query, or the service description when the request holds none.
pub(super) fn query(endpoint: &Endpoint, request: &mut Request<Body>) -> Response<Body> {
    let operation = match read_operation(endpoint, request, "query", "application/sparql-query") {
        Ok(operation) => operation,
        Err(reply) => return reply.into_response(),
    };
    let accept = header(request, ACCEPT.as_str());
    let Some(text) = operation.text.as_deref() else {
        return service_description(endpoint, request, accept.as_deref());
    };
    run_with_deadline(endpoint, text.to_owned(), operation, accept)
}

/// Evaluates on a thread of its own and answers by the deadline whatever happens there:
/// Oxigraph checks the cancellation token whenever it reads the store, so most queries stop
/// at once, but one whose work is all in memory (a cross product of materialised sides) only
/// stops when it ends; the client has its 503 on time either way and the server goes on.
fn run_with_deadline(
    endpoint: &Endpoint,
    text: String,
    operation: Operation,
    accept: Option<String>,
) -> Response<Body> {
    let Some(slot) = RunningQuery::start(&endpoint.running, endpoint.options.max_running) else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many queries are running (some past their time limit); try again shortly",
        );
    };
    let token = CancellationToken::new();
    let (send, receive) = mpsc::channel();
    let store = endpoint.store.clone();
    let options = endpoint.options.clone();
    let worker_token = token.clone();
    let spawned = std::thread::Builder::new()
        .name("flowkg query".into())
        .spawn(move || {
            let _slot = slot;
            let reply = match evaluate(
                &store,
                &options,
                &text,
                &operation,
                accept.as_deref(),
                worker_token,
            ) {
                Ok(reply) | Err(Stop(reply)) => reply,
            };
            let _ = send.send(reply);
        });
    if let Err(e) = spawned {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            &format!("cannot start the query: {e}"),
        );
    }
    match receive.recv_timeout(endpoint.options.timeout) {
        Ok(reply) => reply.into_response(),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            token.cancel();
            timed_out(&endpoint.options).into_response()
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the query failed unexpectedly (the evaluation thread ended without an answer)",
        ),
    }
}

fn timed_out(options: &ServeOptions) -> Reply {
    Reply::error(
        StatusCode::SERVICE_UNAVAILABLE,
        &format!(
            "the query ran longer than the server's limit of {} s and was stopped; narrow it or add a LIMIT",
            options.timeout.as_secs_f64()
        ),
    )
}

/// `/update`: refused unless the server was started with an update token and the request
/// presents it.
pub(super) fn update(endpoint: &Endpoint, request: &mut Request<Body>) -> Response<Body> {
    let Some(token) = endpoint.options.update_token.as_deref() else {
        return error(
            StatusCode::FORBIDDEN,
            "updates are disabled: this endpoint is read-only (start it with --enable-update --token T to allow them)",
        );
    };
    let presented = header(request, AUTHORIZATION.as_str());
    let authorised = presented
        .as_deref()
        .and_then(|h| h.strip_prefix("Bearer "))
        .is_some_and(|given| constant_time_eq(given.as_bytes(), token.as_bytes()));
    if !authorised {
        let mut response = error(
            StatusCode::UNAUTHORIZED,
            "updates need the header `Authorization: Bearer <token>` with the server's token",
        );
        response
            .headers_mut()
            .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    }
    if request.method() != Method::POST {
        return error(StatusCode::METHOD_NOT_ALLOWED, "updates are sent with POST");
    }
    let operation = match read_operation(endpoint, request, "update", "application/sparql-update") {
        Ok(operation) => operation,
        Err(reply) => return reply.into_response(),
    };
    let Some(text) = operation.text else {
        return error(StatusCode::BAD_REQUEST, "no update in the request");
    };
    let prepared = match crate::query::evaluator().map(|e| e.parse_update(&text)) {
        Ok(Ok(prepared)) => prepared,
        Ok(Err(e)) => return error(StatusCode::BAD_REQUEST, &format!("syntax error: {e}")),
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    };
    match prepared.on_store(endpoint.store.store()).execute() {
        Ok(()) => {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NO_CONTENT;
            response
        }
        Err(e) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("update failed: {e}"),
        ),
    }
}

/// Compares two secrets in time that does not depend on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn header(request: &Request<Body>, name: &str) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Reads the operation from the URL (GET) or the body (POST, direct or form-encoded).
fn read_operation(
    endpoint: &Endpoint,
    request: &mut Request<Body>,
    field: &str,
    direct_type: &str,
) -> Result<Operation, Reply> {
    let mut operation = Operation {
        text: None,
        default_graphs: Vec::new(),
        named_graphs: Vec::new(),
    };
    let url_params = request.uri().query().unwrap_or_default().to_owned();
    read_params(&mut operation, url_params.as_bytes(), field);
    match *request.method() {
        Method::GET | Method::HEAD => {}
        Method::POST => {
            let content_type = header(request, CONTENT_TYPE.as_str()).unwrap_or_default();
            let media_type = content_type
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let body = read_body(endpoint, request)?;
            if media_type == direct_type {
                operation.text = Some(String::from_utf8(body).map_err(|_| {
                    Reply::error(StatusCode::BAD_REQUEST, "the request body is not UTF-8")
                })?);
            } else if media_type == "application/x-www-form-urlencoded" {
                read_params(&mut operation, &body, field);
            } else {
                return Err(Reply::error(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    &format!(
                        "POST needs Content-Type {direct_type} or application/x-www-form-urlencoded, not \"{content_type}\""
                    ),
                ));
            }
        }
        _ => {
            return Err(Reply::error(
                StatusCode::METHOD_NOT_ALLOWED,
                "use GET or POST (SPARQL 1.1 Protocol)",
            ));
        }
    }
    Ok(operation)
}

fn read_params(operation: &mut Operation, encoded: &[u8], field: &str) {
    for (key, value) in form_urlencoded::parse(encoded) {
        match key.as_ref() {
            k if k == field => operation.text = Some(value.into_owned()),
            "default-graph-uri" | "using-graph-uri" => {
                operation.default_graphs.push(value.into_owned());
            }
            "named-graph-uri" | "using-named-graph-uri" => {
                operation.named_graphs.push(value.into_owned());
            }
            _ => {}
        }
    }
}

fn read_body(endpoint: &Endpoint, request: &mut Request<Body>) -> Result<Vec<u8>, Reply> {
    let limit = endpoint.options.max_request_bytes;
    let mut body = Vec::new();
    request
        .body_mut()
        .take(limit + 1)
        .read_to_end(&mut body)
        .map_err(|e| {
            Reply::error(
                StatusCode::BAD_REQUEST,
                &format!("reading the request: {e}"),
            )
        })?;
    if body.len() as u64 > limit {
        return Err(Reply::error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the request body is larger than {limit} bytes"),
        ));
    }
    Ok(body)
}

fn evaluate(
    store: &FlowStore,
    options: &ServeOptions,
    text: &str,
    operation: &Operation,
    accept: Option<&str>,
    token: CancellationToken,
) -> Result<Reply, Stop> {
    let mut prepared = crate::query::prepare_with(text, Some(token))
        .map_err(|e| Stop(Reply::error(StatusCode::BAD_REQUEST, &e.to_string())))?;
    set_dataset(&mut prepared, operation)?;
    let results = prepared
        .on_store(store.store())
        .execute()
        .map_err(|e| evaluation_error(options, &e))?;
    let max = options.max_results;
    match results {
        QueryResults::Solutions(solutions) => {
            let format = negotiate_results(accept)?;
            let variables = solutions.variables().to_vec();
            let mut rows: Vec<QuerySolution> = Vec::new();
            for solution in solutions {
                rows.push(solution.map_err(|e| evaluation_error(options, &e))?);
                if rows.len() > max {
                    return Err(too_many(max));
                }
            }
            let mut out = Vec::new();
            let mut serializer = QueryResultsSerializer::from_format(format)
                .serialize_solutions_to_writer(&mut out, variables)
                .map_err(internal)?;
            for row in &rows {
                serializer.serialize(row).map_err(internal)?;
            }
            serializer.finish().map_err(internal)?;
            Ok(Reply::ok(format.media_type(), out))
        }
        QueryResults::Boolean(value) => {
            let format = negotiate_results(accept)?;
            let mut out = Vec::new();
            QueryResultsSerializer::from_format(format)
                .serialize_boolean_to_writer(&mut out, value)
                .map_err(internal)?;
            Ok(Reply::ok(format.media_type(), out))
        }
        QueryResults::Graph(triples) => {
            let format = negotiate_graph(accept)?;
            let mut collected = Vec::new();
            for triple in triples {
                collected.push(triple.map_err(|e| evaluation_error(options, &e))?);
                if collected.len() > max {
                    return Err(too_many(max));
                }
            }
            write_graph(&collected, format)
        }
    }
}

fn internal(e: impl std::fmt::Display) -> Stop {
    Stop(Reply::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        &e.to_string(),
    ))
}

/// The protocol's `default-graph-uri` / `named-graph-uri` override the query's dataset.
fn set_dataset(
    prepared: &mut oxigraph::sparql::PreparedSparqlQuery,
    operation: &Operation,
) -> Result<(), Stop> {
    let iri = |text: &String| {
        NamedNode::new(text.clone()).map_err(|e| {
            Stop(Reply::error(
                StatusCode::BAD_REQUEST,
                &format!("graph IRI \"{text}\": {e}"),
            ))
        })
    };
    if !operation.default_graphs.is_empty() {
        let graphs = operation
            .default_graphs
            .iter()
            .map(|g| iri(g).map(GraphName::from))
            .collect::<Result<Vec<_>, _>>()?;
        prepared.dataset_mut().set_default_graph(graphs);
    }
    if !operation.named_graphs.is_empty() {
        let graphs = operation
            .named_graphs
            .iter()
            .map(|g| iri(g).map(NamedOrBlankNode::from))
            .collect::<Result<Vec<_>, _>>()?;
        prepared.dataset_mut().set_available_named_graphs(graphs);
    }
    Ok(())
}

fn evaluation_error(options: &ServeOptions, e: &QueryEvaluationError) -> Stop {
    Stop(match e {
        QueryEvaluationError::Cancelled => timed_out(options),
        other => Reply::error(
            StatusCode::INTERNAL_SERVER_ERROR,
            &format!("query failed: {other}"),
        ),
    })
}

fn too_many(max: usize) -> Stop {
    Stop(Reply::error(
        StatusCode::UNPROCESSABLE_ENTITY,
        &format!(
            "the result has more than {max} rows, the server's limit; add a LIMIT or narrow the query"
        ),
    ))
}

fn not_acceptable(offered: &[&str]) -> Stop {
    Stop(Reply::error(
        StatusCode::NOT_ACCEPTABLE,
        &format!(
            "no acceptable format; this result is offered as {}",
            offered.join(", ")
        ),
    ))
}

fn negotiate_results(accept: Option<&str>) -> Result<QueryResultsFormat, Stop> {
    negotiate::choose(accept, &RESULTS, QueryResultsFormat::media_type)
        .ok_or_else(|| not_acceptable(&RESULTS.map(QueryResultsFormat::media_type)))
}

fn negotiate_graph(accept: Option<&str>) -> Result<RdfFormat, Stop> {
    negotiate::choose(accept, &GRAPHS, RdfFormat::media_type)
        .ok_or_else(|| not_acceptable(&GRAPHS.map(RdfFormat::media_type)))
}

fn write_graph(triples: &[Triple], format: RdfFormat) -> Result<Reply, Stop> {
    let mut serializer = crate::export::serializer(format).for_writer(Vec::new());
    for triple in triples {
        serializer.serialize_triple(triple).map_err(internal)?;
    }
    let out = serializer.finish().map_err(internal)?;
    Ok(Reply::ok(format.media_type(), out))
}

/// The SPARQL 1.1 Service Description of this endpoint, in the negotiated RDF syntax.
fn service_description(
    endpoint: &Endpoint,
    request: &Request<Body>,
    accept: Option<&str>,
) -> Response<Body> {
    let format = match negotiate_graph(accept) {
        Ok(format) => format,
        Err(Stop(reply)) => return reply.into_response(),
    };
    let host = header(request, HOST.as_str()).unwrap_or_else(|| endpoint.options.bind.to_string());
    let url = NamedNode::new(format!("http://{host}/sparql")).unwrap_or_else(|_| {
        NamedNode::new_unchecked(format!("http://{}/sparql", endpoint.options.bind))
    });
    let sd = |local: &str| {
        NamedNode::new_unchecked(format!(
            "http://www.w3.org/ns/sparql-service-description#{local}"
        ))
    };
    let formats =
        |local: &str| NamedNode::new_unchecked(format!("http://www.w3.org/ns/formats/{local}"));
    let service = url.clone();
    let mut triples = vec![
        Triple::new(
            service.clone(),
            oxigraph::model::vocab::rdf::TYPE,
            sd("Service"),
        ),
        Triple::new(service.clone(), sd("endpoint"), url),
        Triple::new(
            service.clone(),
            sd("supportedLanguage"),
            sd("SPARQL11Query"),
        ),
        Triple::new(service.clone(), sd("feature"), sd("UnionDefaultGraph")),
    ];
    if endpoint.options.update_token.is_some() {
        triples.push(Triple::new(
            service.clone(),
            sd("supportedLanguage"),
            sd("SPARQL11Update"),
        ));
    }
    for local in [
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "RDF_XML",
        "N-Quads",
        "TriG",
        "N3",
    ] {
        triples.push(Triple::new(
            service.clone(),
            sd("resultFormat"),
            formats(local),
        ));
    }
    triples.push(Triple::new(
        service,
        NamedNode::new_unchecked("http://www.w3.org/2000/01/rdf-schema#comment"),
        Term::from(oxigraph::model::Literal::new_simple_literal(format!(
            "flowkg: MITRE Attack Flows as RDF, one named graph per flow; the default graph is their union. Queries stop after {} s and return at most {} results.",
            endpoint.options.timeout.as_secs_f64(),
            endpoint.options.max_results
        ))),
    ));
    match write_graph(&triples, format) {
        Ok(reply) | Err(Stop(reply)) => reply.into_response(),
    }
}

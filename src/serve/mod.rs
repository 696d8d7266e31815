//! `flowkg serve`: the store over HTTP, as a SPARQL 1.1 Protocol endpoint with a query page.
//!
//! Paths: `/` the query page, `/sparql` queries (GET, POST `application/sparql-query` or
//! form-encoded; without a query, the service description), `/update` updates (refused unless
//! enabled with a token), `/library` the library queries as JSON. Every path is dispatched by
//! [`Endpoint::route`]: new paths (namespace publishing ...) are one more arm there.
//!
//! Queries run under a time limit (Oxigraph's cancellation token, fired by a timer thread) and
//! a result-size limit; both answer with an HTTP error that says which limit was hit, and the
//! server goes on answering.

mod negotiate;
mod page;
mod sparql;
mod vocabulary;

pub use vocabulary::PublishedSite;

use crate::{Error, FlowStore, Result};
use oxhttp::model::header::{CONTENT_TYPE, HeaderValue};
use oxhttp::model::{Body, Request, Response, StatusCode};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Duration;

/// The address `flowkg serve` binds to unless told otherwise: loopback only.
pub const DEFAULT_BIND: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), 7878);

/// How the endpoint runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    bind: SocketAddr,
    timeout: Duration,
    max_results: usize,
    max_request_bytes: u64,
    max_running: usize,
    update_token: Option<String>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            bind: DEFAULT_BIND,
            timeout: Duration::from_secs(30),
            max_results: 100_000,
            max_request_bytes: 1 << 20,
            max_running: 8,
            update_token: None,
        }
    }
}

impl ServeOptions {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The address to listen on (loopback by default).
    #[must_use]
    pub fn with_bind(mut self, bind: SocketAddr) -> Self {
        self.bind = bind;
        self
    }

    /// The longest a query may run before it is cancelled (503).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The most solutions (or triples) a query may return (more: 422).
    #[must_use]
    pub fn with_max_results(mut self, max_results: usize) -> Self {
        self.max_results = max_results;
        self
    }

    /// The most queries evaluated at once; more are refused (503) until one ends.
    #[must_use]
    pub fn with_max_running(mut self, max_running: usize) -> Self {
        self.max_running = max_running.max(1);
        self
    }

    /// Enables `/update` for requests that carry `Authorization: Bearer {token}`.
    #[must_use]
    pub fn with_update_token(mut self, token: impl Into<String>) -> Self {
        self.update_token = Some(token.into());
        self
    }

    /// The address the server listens on.
    #[must_use]
    pub fn bind(&self) -> SocketAddr {
        self.bind
    }
}

/// The endpoint: a store and how to serve it.
pub struct Endpoint {
    store: FlowStore,
    options: ServeOptions,
    running: Arc<AtomicUsize>,
    site: Option<PublishedSite>,
}

impl Endpoint {
    #[must_use]
    pub fn new(store: FlowStore, options: ServeOptions) -> Self {
        Self {
            store,
            options,
            running: Arc::new(AtomicUsize::new(0)),
            site: None,
        }
    }

    /// Also serves the published vocabularies (`/af`, `/ns/...`) with content negotiation.
    #[must_use]
    pub fn with_site(mut self, site: PublishedSite) -> Self {
        self.site = Some(site);
        self
    }

    /// Starts listening; the server answers on its own threads until the process ends.
    pub fn spawn(self) -> Result<oxhttp::ListeningServer> {
        let bind = self.options.bind;
        let endpoint = Arc::new(self);
        oxhttp::Server::new(move |request| endpoint.route(request))
            .bind(bind)
            .with_global_timeout(Duration::from_secs(60))
            .with_max_concurrent_connections(64)
            .with_server_name(concat!("flowkg/", env!("CARGO_PKG_VERSION")))
            .map_err(|e| Error::Serve(e.to_string()))?
            .spawn()
            .map_err(|e| Error::Serve(format!("cannot listen on {bind}: {e}")))
    }

    /// Answers one request: the router of every path the server knows.
    pub fn route(&self, request: &mut Request<Body>) -> Response<Body> {
        let path = request.uri().path().to_owned();
        match path.as_str() {
            "/" | "/index.html" => page::response(),
            "/sparql" => sparql::query(self, request),
            "/update" => sparql::update(self, request),
            "/library" => page::library_json(),
            p if PublishedSite::serves(p) => match &self.site {
                Some(site) => site.respond(request),
                None => error(
                    StatusCode::NOT_FOUND,
                    "this server publishes no vocabularies",
                ),
            },
            _ => error(
                StatusCode::NOT_FOUND,
                &format!("nothing at {path}; try / or /sparql"),
            ),
        }
    }
}

/// A response with a body and its media type.
fn respond(status: StatusCode, media_type: &str, body: impl Into<Body>) -> Response<Body> {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    if let Ok(value) = HeaderValue::from_str(media_type) {
        response.headers_mut().insert(CONTENT_TYPE, value);
    }
    response
}

/// An error response: plain text that says what went wrong and what to do.
fn error(status: StatusCode, message: &str) -> Response<Body> {
    respond(status, "text/plain; charset=utf-8", format!("{message}\n"))
}

//! `flowkg serve` over real HTTP: the real binary on a free loopback port, asked by a plain
//! HTTP/1.1 client, by curl, by Python's SPARQLWrapper and by headless Chromium.
//!
//! curl, the SPARQLWrapper venv and Chromium are installed by `.ci/run`; where one is missing the
//! test that needs it fails in CI (`CI` or `FLOWKG_REQUIRE_CORPUS` set) and is skipped locally.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `flowkg serve` process, stopped when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Serves the examples on a free loopback port, with extra arguments.
    fn start(extra: &[&str]) -> Self {
        let port = free_port();
        let bind = format!("127.0.0.1:{port}");
        let mut args = vec!["--bind", &bind];
        args.extend_from_slice(extra);
        Self::start_with(port, &args)
    }

    fn start_with(port: u16, args: &[&str]) -> Self {
        let examples = common::examples();
        let child = Command::new(env!("CARGO_BIN_EXE_flowkg"))
            .arg("serve")
            .arg("--flows")
            .arg(&examples)
            .arg("--quiet")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let server = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// One request with `Connection: close`; the status, headers (lower-case names) and body.
    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.port,
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        Reply::parse(&raw)
    }

    fn get(&self, path: &str, accept: &str) -> Reply {
        self.request("GET", path, &[("Accept", accept)], "")
    }

    fn post_query(&self, query: &str, accept: &str) -> Reply {
        self.request(
            "POST",
            "/sparql",
            &[
                ("Accept", accept),
                ("Content-Type", "application/sparql-query"),
            ],
            query,
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn parse(raw: &[u8]) -> Self {
        let text = String::from_utf8_lossy(raw);
        let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
        let mut lines = head.lines();
        let status = lines.next().unwrap().split_whitespace().nth(1).unwrap();
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Self {
            status: status.parse().unwrap(),
            headers,
            body: body.to_owned(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn content_type(&self) -> &str {
        self.headers
            .iter()
            .find(|(n, _)| n == "content-type")
            .map_or("", |(_, v)| v.as_str())
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Whether tools this test needs must be there (CI), or may be missing (a developer's machine).
fn required() -> bool {
    std::env::var_os("CI").is_some() || std::env::var_os("FLOWKG_REQUIRE_CORPUS").is_some()
}

/// A tool on the PATH (or named by an environment variable); missing: fail in CI, else skip.
fn tool(name: &str, env: &str, probe: &[&str]) -> Option<PathBuf> {
    let program = std::env::var_os(env).map_or_else(|| PathBuf::from(name), PathBuf::from);
    let works = Command::new(&program)
        .args(probe)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if works {
        return Some(program);
    }
    assert!(
        !required(),
        "{} is required in CI but does not run",
        program.display()
    );
    eprintln!("skipped: {} is not available", program.display());
    None
}

const FLOWS: &str = "SELECT ?name WHERE { ?flow a af:Flow ; af:name ?name } ORDER BY ?name";

#[test]
fn answers_in_all_four_result_formats_by_accept() {
    let server = Server::start(&[]);
    let path = format!("/sparql?query={}", encode(FLOWS));
    let json = server.get(&path, "application/sparql-results+json");
    assert_eq!(json.status, 200);
    assert_eq!(json.content_type(), "application/sparql-results+json");
    let parsed: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    let names: Vec<&str> = parsed["results"]["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"]["value"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 3);
    assert!(names.contains(&"Phishing to Exfiltration (example)"));
    let xml = server.get(&path, "application/sparql-results+xml");
    assert_eq!(xml.content_type(), "application/sparql-results+xml");
    assert!(
        xml.body
            .contains("<literal>Phishing to Exfiltration (example)</literal>")
    );
    let csv = server.get(&path, "text/csv");
    assert!(csv.content_type().starts_with("text/csv"));
    assert_eq!(csv.body.lines().next(), Some("name"));
    assert_eq!(csv.body.lines().count(), 4);
    let tsv = server.get(&path, "text/tab-separated-values");
    assert!(tsv.content_type().starts_with("text/tab-separated-values"));
    assert_eq!(tsv.body.lines().next(), Some("?name"));
    // q-values decide; nothing acceptable is a 406 that names what is offered.
    let preferred = server.get(
        &path,
        "text/csv;q=0.2, application/sparql-results+xml;q=0.9",
    );
    assert_eq!(preferred.content_type(), "application/sparql-results+xml");
    let refused = server.get(&path, "image/png");
    assert_eq!(refused.status, 406);
    assert!(refused.body.contains("text/csv"));
}

#[test]
fn post_direct_and_form_encoded_and_graph_results() {
    let server = Server::start(&[]);
    let direct = server.post_query("ASK { ?a a af:Action }", "application/sparql-results+json");
    assert_eq!(direct.status, 200);
    assert!(direct.body.contains("\"boolean\":true"));
    let form = server.request(
        "POST",
        "/sparql",
        &[
            ("Accept", "text/csv"),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        &format!("query={}", encode(FLOWS)),
    );
    assert_eq!(form.status, 200);
    assert_eq!(form.body.lines().count(), 4);
    let construct = "CONSTRUCT { ?a af:technique ?t } WHERE { ?a af:technique ?t }";
    let turtle = server.post_query(construct, "text/turtle");
    assert_eq!(turtle.content_type(), "text/turtle");
    assert!(turtle.body.contains("attack:T1566.001"));
    let ntriples = server.post_query(construct, "application/n-triples");
    assert_eq!(ntriples.content_type(), "application/n-triples");
    assert!(ntriples.body.lines().all(|l| l.ends_with(" .")));
    let rdfxml = server.post_query(construct, "application/rdf+xml");
    assert_eq!(rdfxml.content_type(), "application/rdf+xml");
    assert!(rdfxml.body.contains("rdf:RDF"));
    let wrong = server.request("POST", "/sparql", &[("Content-Type", "text/plain")], FLOWS);
    assert_eq!(wrong.status, 415);
    let syntax = server.post_query("SELECT WHERE {", "text/csv");
    assert_eq!(syntax.status, 400);
    assert!(syntax.body.contains("syntax error"));
}

#[test]
fn refuses_updates_unless_enabled_with_a_token() {
    let update = "INSERT DATA { GRAPH <urn:test> { <urn:a> <urn:b> <urn:c> } }";
    let direct = [("Content-Type", "application/sparql-update")];
    let read_only = Server::start(&[]);
    let refused = read_only.request("POST", "/update", &direct, update);
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("--enable-update"));
    // SPARQL Update sent to the query endpoint is not an update either.
    let sneaked = read_only.post_query(update, "text/csv");
    assert_eq!(sneaked.status, 400);
    let ask = "ASK { <urn:a> <urn:b> <urn:c> }";
    assert!(read_only.post_query(ask, "text/csv").body.contains("false"));

    let writable = Server::start(&["--enable-update", "--token", "s3cret"]);
    let anonymous = writable.request("POST", "/update", &direct, update);
    assert_eq!(anonymous.status, 401);
    let wrong = writable.request(
        "POST",
        "/update",
        &[direct[0], ("Authorization", "Bearer guess")],
        update,
    );
    assert_eq!(wrong.status, 401);
    assert!(writable.post_query(ask, "text/csv").body.contains("false"));
    let done = writable.request(
        "POST",
        "/update",
        &[direct[0], ("Authorization", "Bearer s3cret")],
        update,
    );
    assert_eq!(done.status, 204, "{}", done.body);
    assert!(writable.post_query(ask, "text/csv").body.contains("true"));
}

#[test]
fn an_expensive_query_times_out_and_the_server_answers_the_next() {
    let server = Server::start(&["--timeout", "1"]);
    // Every pair and triple of statements sharing a predicate: billions of rows.
    let expensive = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?o . ?b ?p ?o2 . ?c ?p ?o3 }";
    let started = Instant::now();
    let stopped = server.post_query(expensive, "application/sparql-results+json");
    let took = started.elapsed();
    assert_eq!(stopped.status, 503, "{}", stopped.body);
    assert!(stopped.body.contains("limit of 1 s"), "{}", stopped.body);
    assert!(took < Duration::from_secs(10), "answered after {took:?}");
    let next = server.post_query(FLOWS, "text/csv");
    assert_eq!(next.status, 200);
    assert_eq!(next.body.lines().count(), 4);
}

#[test]
fn results_over_the_limit_are_refused() {
    let server = Server::start(&["--max-results", "5"]);
    let many = server.post_query("SELECT * WHERE { ?s ?p ?o }", "text/csv");
    assert_eq!(many.status, 422);
    assert!(many.body.contains("more than 5"));
    let few = server.post_query("SELECT * WHERE { ?s ?p ?o } LIMIT 5", "text/csv");
    assert_eq!(few.status, 200);
    assert_eq!(few.body.lines().count(), 6);
}

#[test]
fn describes_itself_and_serves_the_query_page() {
    let server = Server::start(&[]);
    let description = server.get("/sparql", "text/turtle");
    assert_eq!(description.status, 200);
    assert!(
        description
            .body
            .contains("sparql-service-description#Service")
    );
    assert!(
        description
            .body
            .contains(&format!("<{}>", server.url("/sparql")))
    );
    assert!(description.body.contains("SPARQL_Results_TSV"));
    let page = server.get("/", "text/html");
    assert_eq!(page.content_type(), "text/html; charset=utf-8");
    for query in flowkg::query::library::LIBRARY {
        assert!(page.body.contains(&format!("\"name\":\"{}\"", query.name)));
    }
    let library: serde_json::Value =
        serde_json::from_str(&server.get("/library", "application/json").body).unwrap();
    assert_eq!(
        library.as_array().unwrap().len(),
        flowkg::query::library::LIBRARY.len()
    );
    assert_eq!(server.get("/nothing", "text/html").status, 404);
}

/// On Linux, the local address of the socket listening on `port`, from the kernel's table.
fn listening_address(port: u16) -> Option<String> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (address, local_port) = fields.get(1)?.split_once(':')?;
        // State 0A is LISTEN.
        (u16::from_str_radix(local_port, 16).ok()? == port && fields.get(3) == Some(&"0A"))
            .then(|| address.to_owned())
    })
}

#[test]
fn binds_to_loopback_by_default() {
    let default = flowkg::serve::DEFAULT_BIND;
    assert!(default.ip().is_loopback());
    // Without --bind: the default port, on 127.0.0.1 only.
    let server = Server::start_with(default.port(), &[]);
    assert_eq!(
        server.get("/sparql?query=ASK%7B%7D", "text/csv").status,
        200
    );
    if Path::new("/proc/net/tcp").exists() {
        assert_eq!(
            listening_address(default.port()).as_deref(),
            Some("0100007F"),
            "listening on 127.0.0.1"
        );
    }
}

#[test]
fn curl_gets_every_format() {
    let Some(curl) = tool("curl", "FLOWKG_CURL", &["--version"]) else {
        return;
    };
    let server = Server::start(&[]);
    for (accept, expect) in [
        ("application/sparql-results+json", "\"bindings\""),
        ("application/sparql-results+xml", "<sparql"),
        ("text/csv", "name\r\n"),
        ("text/tab-separated-values", "?name\n"),
    ] {
        let output = Command::new(&curl)
            .args(["--silent", "--show-error", "--fail", "-H"])
            .arg(format!("Accept: {accept}"))
            .arg("--data-urlencode")
            .arg(format!("query={FLOWS}"))
            .arg(server.url("/sparql"))
            .output()
            .unwrap();
        assert!(output.status.success(), "{accept}: {output:?}");
        let body = String::from_utf8(output.stdout).unwrap();
        assert!(body.contains(expect), "{accept}: {body}");
        assert!(body.contains("Ransomware"), "{accept}: {body}");
    }
}

#[test]
fn sparqlwrapper_queries_in_all_four_formats() {
    let Some(python) = tool("python3", "FLOWKG_PYTHON", &["-c", "import SPARQLWrapper"]) else {
        return;
    };
    let server = Server::start(&[]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/sparqlwrapper.py");
    let output = Command::new(python)
        .arg(script)
        .arg(server.url("/sparql"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for format in ["json", "xml", "csv", "tsv"] {
        assert!(stdout.contains(&format!("{format}: 3 flows")), "{stdout}");
    }
}

#[test]
fn chromium_renders_the_query_page() {
    let Some(chromium) = tool("chromium", "FLOWKG_CHROMIUM", &["--version"]) else {
        return;
    };
    let server = Server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("query-page.png");
    let _ = std::fs::remove_file(&shot);
    let status = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
            "--window-size=1200,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(server.url("/?run=techniques-in-several-flows"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    // A blank 1200x900 page compresses to a few kilobytes; text and a table do not.
    assert!(
        png.len() > 40_000,
        "{} bytes: is the page empty?",
        png.len()
    );
    eprintln!("screenshot: {}", shot.display());
}

/// A technique, an asset kind and a vocabulary term dereference as the W3C recipes say: 303 to
/// the negotiated representation, which is then served with its media type; 406 for a type on
/// offer nowhere.
#[test]
fn term_iris_dereference_with_content_negotiation() {
    let server = Server::start(&[]);
    for (path, anchor) in [
        ("/ns/attack/T1059.001", "T1059.001"),
        ("/ns/asset-kind/domain-controller", "domain-controller"),
        ("/af", ""),
    ] {
        let turtle = server.get(path, "text/turtle");
        assert_eq!(turtle.status, 303, "{path}");
        let location = turtle.header("location").unwrap().to_owned();
        assert!(location.ends_with(".ttl"), "{path} -> {location}");
        let document = server.get(&location, "text/turtle");
        assert_eq!(document.status, 200, "{location}");
        assert!(
            document.content_type().starts_with("text/turtle"),
            "{location}"
        );
        let html = server.get(path, "text/html");
        assert_eq!(html.status, 303, "{path}");
        let page = html.header("location").unwrap().to_owned();
        assert!(page.contains(".html"), "{path} -> {page}");
        assert!(
            page.ends_with(&format!("#{anchor}")) || anchor.is_empty(),
            "{page}"
        );
        let (file, _) = page.split_once('#').unwrap_or((&page, ""));
        let body = server.get(file, "text/html");
        assert_eq!(body.status, 200);
        if !anchor.is_empty() {
            assert!(
                body.body.contains(&format!("id=\"{anchor}\"")),
                "{file} has no anchor {anchor}"
            );
        }
        assert_eq!(server.get(path, "image/png").status, 406, "{path}");
    }
}

#[test]
fn curl_dereferences_a_technique_iri() {
    let Some(curl) = tool("curl", "FLOWKG_CURL", &["--version"]) else {
        return;
    };
    let server = Server::start(&[]);
    let output = Command::new(&curl)
        .args([
            "--silent",
            "--show-error",
            "--fail",
            "--location",
            "-H",
            "Accept: text/turtle",
        ])
        .arg(server.url("/ns/attack/T1059.001"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .contains("T1059.001")
    );
}

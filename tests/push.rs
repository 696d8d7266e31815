//! `flowkg push` and `flowkg query --endpoint` against real SPARQL servers on loopback: the
//! `oxigraph` server (PyPI package `oxigraph`) and Virtuoso (Debian's `virtuoso-opensource`,
//! digest authentication). The corpus is pushed to each; every library query must answer the
//! same remotely as embedded; a second push changes nothing; a dry run then reports every
//! graph unchanged.
//!
//! The servers are installed by `.ci/run`; where one is missing its test fails in CI (`CI` or
//! `FLOWKG_REQUIRE_CORPUS` set) and is skipped with a notice locally.

mod common;

use flowkg::FlowStore;
use flowkg::remote::push::comparable;
use flowkg::remote::{Remote, RemoteOptions};
use oxigraph::model::Term;
use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Whether the servers must be there (CI), or may be missing (a developer's machine).
fn required() -> bool {
    std::env::var_os("CI").is_some() || std::env::var_os("FLOWKG_REQUIRE_CORPUS").is_some()
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An executable on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// A tool from an environment variable, a candidate path, or `PATH`; missing: skip locally,
/// fail in CI.
fn tool(variable: &str, candidates: &[PathBuf], name: &str) -> Option<PathBuf> {
    let found = std::env::var_os(variable)
        .map(PathBuf::from)
        .or_else(|| candidates.iter().find(|p| p.is_file()).cloned())
        .or_else(|| on_path(name));
    if found.is_none() {
        assert!(
            !required(),
            "{name} is required in CI (set {variable} or put it on PATH)"
        );
        eprintln!("skipped: no {name} (set {variable} or put it on PATH)");
    }
    found
}

/// A server process with its data folder, stopped when dropped.
struct Server {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(mut command: Command, dir: tempfile::TempDir, port: u16, name: &str) -> Self {
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut server = Self { child, _dir: dir };
        let deadline = Instant::now() + Duration::from_secs(120);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("{name} exited at start: {status}");
            }
            assert!(Instant::now() < deadline, "{name} did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A remote store as the test reaches it.
struct Target {
    name: &'static str,
    /// The Graph Store Protocol endpoint.
    store: String,
    /// The SPARQL 1.1 Protocol query endpoint.
    query: String,
    user: Option<&'static str>,
}

impl Target {
    fn remote(&self) -> Remote {
        // The client's default timeout: Virtuoso's `attack-paths` has taken from well under a
        // minute to over 120 s on two cores, beside the Oxigraph test.
        let mut options = RemoteOptions::new()
            .with_retries(0, Duration::from_millis(500))
            .with_timeout(Duration::from_secs(300));
        if let Some(user) = self.user {
            options = options.with_user(user).unwrap();
        }
        Remote::new(options)
    }

    /// `flowkg push` with the target's endpoint and credentials.
    fn push(&self, extra: &[&str], corpus: &Path) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_flowkg"));
        command
            .args(["push", "--quiet", "--endpoint", &self.store])
            .args(extra)
            .arg(corpus);
        if let Some(user) = self.user {
            command.args(["--user", user]);
        }
        let output = command.output().unwrap();
        assert!(
            output.status.success(),
            "{}: flowkg push {extra:?}: {}",
            self.name,
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// The triples in flowkg's graphs (flows, namespaces, ontology) on the remote store.
    fn triples(&self) -> usize {
        let (_, rows) = flowkg::remote::query::select(
            &self.remote(),
            &self.query,
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } \
             FILTER(STRSTARTS(STR(?g), \"urn:flowkg:\") || STRSTARTS(STR(?g), \"https://w3id.org/flowkg/\")) }",
        )
        .unwrap();
        match rows.first().and_then(|r| r.first()).cloned().flatten() {
            Some(Term::Literal(l)) => l.value().parse().unwrap(),
            other => panic!("{}: no count: {other:?}", self.name),
        }
    }
}

/// The `GROUP_CONCAT(…; separator="S") AS ?v` results of a query: variable and separator.
/// SPARQL leaves the order of the concatenated values open, so they are compared as sets.
fn concatenations(query: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (at, _) in query.match_indices("GROUP_CONCAT(") {
        let rest = &query[at..];
        let Some(open) = rest.find("separator=\"") else {
            continue;
        };
        let after = &rest[open + "separator=\"".len()..];
        let Some(close) = after.find('"') else {
            continue;
        };
        let separator = after[..close].to_owned();
        let Some(alias) = after.find("AS ?") else {
            continue;
        };
        let variable: String = after[alias + 4..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        found.push((variable, separator));
    }
    found
}

/// A row in a form both stores agree on: typed literals by value, numbers of any numeric type
/// by their decimal value (a count may come back as `xsd:int` or `xsd:integer`), concatenated
/// values sorted.
fn row_key(row: &[Option<Term>], separators: &[Vec<String>]) -> String {
    row.iter()
        .zip(separators)
        .map(|(term, separators)| match (term, separators.is_empty()) {
            (Some(Term::Literal(l)), false) => {
                // A variable two subqueries bind may have two separators: split on each.
                let mut parts = vec![l.value().to_owned()];
                for separator in separators {
                    parts = parts
                        .iter()
                        .flat_map(|p| p.split(separator.as_str()).map(str::to_owned))
                        .collect();
                }
                parts.sort_unstable();
                format!("{{{}}}", parts.join(","))
            }
            (term, _) => term_key(term),
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn term_key(term: &Option<Term>) -> String {
    match term {
        None => "UNBOUND".to_owned(),
        Some(Term::Literal(l)) if is_numeric(l.datatype().as_str()) => {
            l.value().parse::<f64>().map_or_else(
                |_| comparable(&Term::Literal(l.clone())),
                |v| format!("{v}"),
            )
        }
        Some(term) => comparable(term),
    }
}

fn is_numeric(datatype: &str) -> bool {
    datatype
        .strip_prefix("http://www.w3.org/2001/XMLSchema#")
        .is_some_and(|t| {
            matches!(
                t,
                "integer"
                    | "decimal"
                    | "double"
                    | "float"
                    | "int"
                    | "long"
                    | "short"
                    | "byte"
                    | "nonNegativeInteger"
                    | "positiveInteger"
                    | "unsignedInt"
                    | "unsignedLong"
            )
        })
}

/// The rows of a result as a multiset of [`row_key`]s.
fn multiset(
    query: &str,
    variables: &[String],
    rows: &[Vec<Option<Term>>],
) -> BTreeMap<String, usize> {
    let concatenations = concatenations(query);
    let separators: Vec<Vec<String>> = variables
        .iter()
        .map(|v| {
            concatenations
                .iter()
                .filter(|(c, _)| c == v)
                .map(|(_, s)| s.clone())
                .collect()
        })
        .collect();
    let mut set = BTreeMap::new();
    for row in rows {
        *set.entry(row_key(row, &separators)).or_insert(0) += 1;
    }
    set
}

/// Pushes the corpus, checks counts, idempotence and the dry runs, and compares every library
/// query; returns the queries whose answers differ, with what differs.
fn push_and_compare(
    target: &Target,
    corpus: &Path,
    embedded: &FlowStore,
) -> BTreeMap<String, String> {
    let flows = embedded.flows().unwrap().len();
    let shared = flowkg::remote::push::shared_graphs().unwrap();
    let graphs = flows + shared.len();

    // Before the first push every graph is new.
    let before = target.push(&["--dry-run"], corpus);
    let lines = String::from_utf8(before.stdout).unwrap();
    assert_eq!(lines.lines().count(), graphs, "{}: {lines}", target.name);
    assert!(
        lines.lines().all(|l| l.starts_with("new\t")),
        "{}: {lines}",
        target.name
    );
    assert_eq!(target.triples(), 0, "{}: a dry run wrote", target.name);

    let started = Instant::now();
    target.push(&[], corpus);
    eprintln!(
        "{}: pushed {graphs} graphs in {:.1} s",
        target.name,
        started.elapsed().as_secs_f64()
    );
    let ontology = shared.last().unwrap().triples.len();
    let pushed = target.triples();
    assert_eq!(
        pushed,
        embedded.len().unwrap() + ontology,
        "{}: the store holds other triples than flowkg's store plus the ontology",
        target.name
    );

    // Pushing again replaces each graph: the same triples.
    target.push(&[], corpus);
    assert_eq!(
        target.triples(),
        pushed,
        "{}: a second push changed the count",
        target.name
    );
    let after = target.push(&["--dry-run"], corpus);
    let lines = String::from_utf8(after.stdout).unwrap();
    assert_eq!(lines.lines().count(), graphs, "{}: {lines}", target.name);
    let changed: Vec<&str> = lines
        .lines()
        .filter(|l| !l.starts_with("unchanged\t"))
        .collect();
    assert!(
        changed.is_empty(),
        "{}: after a push: {changed:#?}",
        target.name
    );

    // Every library query, remotely and embedded.
    let remote = target.remote();
    let mut differences = BTreeMap::new();
    for query in flowkg::query::library::LIBRARY {
        let (variables, local) = flowkg::query::select(embedded.store(), query.text).unwrap();
        assert!(
            !local.is_empty() || query.name == "resolution-conflicts",
            "{}: no rows embedded",
            query.name
        );
        match flowkg::remote::query::select(&remote, &target.query, query.text) {
            Err(error) => {
                differences.insert(query.name.to_owned(), format!("fails: {error}"));
            }
            Ok((remote_variables, rows)) => {
                assert_eq!(
                    remote_variables, variables,
                    "{}: {}",
                    target.name, query.name
                );
                let local = multiset(query.text, &variables, &local);
                let rows = multiset(query.text, &variables, &rows);
                if local != rows {
                    let only_local: Vec<_> = local
                        .keys()
                        .filter(|k| !rows.contains_key(*k))
                        .take(3)
                        .collect();
                    let only_remote: Vec<_> = rows
                        .keys()
                        .filter(|k| !local.contains_key(*k))
                        .take(3)
                        .collect();
                    differences.insert(
                        query.name.to_owned(),
                        format!(
                            "{} rows embedded, {} remote; embedded only: {only_local:?}; remote only: {only_remote:?}",
                            local.values().sum::<usize>(),
                            rows.values().sum::<usize>()
                        ),
                    );
                }
            }
        }
    }
    for (name, difference) in &differences {
        eprintln!("{}: {name}: {difference}", target.name);
    }
    differences
}

/// The embedded store of the corpus, as `flowkg load` makes it.
fn embedded(corpus: &Path) -> FlowStore {
    common::load(&[corpus.to_path_buf()])
}

/// One server at a time: both on 2 cores at once slow each other past what they are tested for.
static ONE_SERVER: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn push_to_oxigraph_server_and_query_it() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let venv = std::env::var_os("FLOWKG_PYTHON")
        .map(PathBuf::from)
        .and_then(|python| python.parent().map(|bin| bin.join("oxigraph")));
    let local_venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/flowkg-venv/bin/oxigraph");
    let candidates: Vec<PathBuf> = venv.into_iter().chain([local_venv]).collect();
    let Some(oxigraph) = tool("FLOWKG_OXIGRAPH", &candidates, "oxigraph") else {
        return;
    };
    let _one = ONE_SERVER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut command = Command::new(oxigraph);
    command
        .arg("serve")
        .arg("--location")
        .arg(dir.path())
        .args([
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--union-default-graph",
        ]);
    let _server = Server::start(command, dir, port, "oxigraph serve");
    let target = Target {
        name: "oxigraph",
        store: format!("http://127.0.0.1:{port}/store"),
        query: format!("http://127.0.0.1:{port}/query"),
        user: None,
    };
    let store = embedded(&corpus);
    let differences = push_and_compare(&target, &corpus, &store);
    assert!(differences.is_empty(), "oxigraph: {differences:#?}");

    // The command: a library query with a parameter, as CSV, the same rows as embedded.
    let output = Command::new(env!("CARGO_BIN_EXE_flowkg"))
        .args(["query", "--endpoint", &target.query, "next-techniques"])
        .args(["--param", "technique=T1190", "--format", "csv"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let csv = String::from_utf8(output.stdout).unwrap();
    let query = flowkg::query::library::find("next-techniques")
        .unwrap()
        .bind(&[("technique".into(), "T1190".into())])
        .unwrap();
    let (_, rows) = flowkg::query::select(store.store(), &query).unwrap();
    assert_eq!(csv.lines().count(), rows.len() + 1, "{csv}");
    assert!(csv.contains("T1505.003"), "{csv}");
}

/// Queries that Virtuoso 7.2 refuses or answers otherwise than SPARQL 1.1 says, with the reason
/// (README, "Remote stores"). The test checks that they still differ, so the list shrinks when
/// Virtuoso answers them alike.
const VIRTUOSO_DIFFERS: &[(&str, &str)] = &[
    (
        "flows-by-metadata",
        "HTTP 500, error DT006 'Cannot convert T00:00:00Z to datetime': Virtuoso evaluates \
         xsd:dateTime(CONCAT(STR(?since), \"T00:00:00Z\")) with ?since unbound and aborts the \
         query, where SPARQL makes it an expression error that `!BOUND(?since) || …` absorbs",
    ),
    (
        "similar-flows",
        "the Jaccard overlap is 0 or 1: Virtuoso divides integers as integers \
         (ROUND(1000 * ?shared / …) / 1000), where SPARQL's division of integers gives an \
         xsd:decimal (0.067)",
    ),
    (
        "techniques-per-tactic",
        "325 rows, every (tactic, technique) pair, instead of the top 3 per tactic (79): the \
         rank ?ahead comes out below 3 everywhere, as if the FILTER(?flows2 > ?flows) inside \
         the OPTIONAL did not see the ?flows of the left side, which SPARQL's LeftJoin filter \
         has in scope",
    ),
    (
        "technique-sequence",
        "HTTP 400, error SP031 'SPARQL compiler: Internal error: lost filters in equivs': the \
         nested FILTER EXISTS over property paths",
    ),
];

/// Queries Virtuoso 7.2 answers incompletely at times (without marking the answer partial):
/// `search` has come back with 8 of its 37 rows in some runs and whole in others, the rows
/// missed being matches inside long descriptions. Its answer must still hold only rows the
/// embedded store gives.
const VIRTUOSO_INCOMPLETE: &[&str] = &["search"];

#[test]
fn push_to_virtuoso_with_digest_auth_and_query_it() {
    let Some(corpus) = common::corpus() else {
        return;
    };
    let Some(virtuoso) = tool("FLOWKG_VIRTUOSO", &[], "virtuoso-t") else {
        return;
    };
    let _one = ONE_SERVER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let dir = tempfile::tempdir().unwrap();
    let (sql_port, http_port) = (free_port(), free_port());
    let ini = dir.path().join("virtuoso.ini");
    let data = dir.path().display();
    std::fs::write(
        &ini,
        format!(
            "[Database]\nDatabaseFile = {data}/virtuoso.db\nErrorLogFile = {data}/virtuoso.log\n\
             LockFile = {data}/virtuoso.lck\nTransactionFile = {data}/virtuoso.trx\n\
             xa_persistent_file = {data}/virtuoso.pxa\nTempStorage = TempDatabase\n\
             [TempDatabase]\nDatabaseFile = {data}/virtuoso-temp.db\nTransactionFile = {data}/virtuoso-temp.trx\n\
             [Parameters]\nServerPort = 127.0.0.1:{sql_port}\nDisableUnixSocket = 1\nCheckpointInterval = 0\n\
             NumberOfBuffers = 20000\nMaxDirtyBuffers = 15000\nDirsAllowed = {data}\n\
             [HTTPServer]\nServerPort = 127.0.0.1:{http_port}\nServerThreads = 4\nMaxClientConnections = 4\n\
             [SPARQL]\nResultSetMaxRows = 1000000\nMaxQueryExecutionTime = 0\nMaxQueryCostEstimationTime = 0\n"
        ),
    )
    .unwrap();
    let mut command = Command::new(virtuoso);
    command.arg("+configfile").arg(&ini).arg("+foreground");
    command.current_dir(dir.path());
    let _server = Server::start(command, dir, http_port, "virtuoso-t");
    let target = Target {
        name: "virtuoso",
        store: format!("http://127.0.0.1:{http_port}/sparql-graph-crud-auth"),
        query: format!("http://127.0.0.1:{http_port}/sparql"),
        user: Some("dba:dba"),
    };

    // Without credentials the Graph Store endpoint refuses, and flowkg says so.
    let refused = Command::new(env!("CARGO_BIN_EXE_flowkg"))
        .args(["push", "--flows-only", "--endpoint", &target.store])
        .arg(common::examples())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("401"), "{message}");

    let store = embedded(&corpus);
    let differences = push_and_compare(&target, &corpus, &store);
    let known: BTreeMap<String, String> = VIRTUOSO_DIFFERS
        .iter()
        .filter_map(|(name, _)| {
            differences
                .get(*name)
                .map(|d| ((*name).to_owned(), d.clone()))
        })
        .collect();
    let unexplained: BTreeMap<_, _> = differences
        .iter()
        .filter(|(name, _)| !known.contains_key(*name))
        .filter(|(name, difference)| {
            !(VIRTUOSO_INCOMPLETE.contains(&name.as_str())
                && difference.ends_with("remote only: []"))
        })
        .collect();
    assert!(unexplained.is_empty(), "virtuoso: {unexplained:#?}");
    // A difference explained above that is gone should leave the list.
    for (name, reason) in VIRTUOSO_DIFFERS {
        assert!(
            differences.contains_key(*name),
            "virtuoso now answers {name} like the embedded store ({reason}): remove it from VIRTUOSO_DIFFERS"
        );
    }
}

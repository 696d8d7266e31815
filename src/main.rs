//! The `flowkg` command: a thin shell over the library.

use clap::{Args, Parser, Subcommand, ValueEnum};
use flowkg::export::{QuadWriter, owl, parse_format};
use flowkg::pipeline::{Outcome, for_each_parallel};
use flowkg::query::ResultsFormat;
use flowkg::read::{Discovered, discover};
use flowkg::{Error, FlowStore, MapOptions, MappedFlow, ReadOptions, Severity};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use oxigraph::model::{NamedNode, Quad};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Mapping makes and drops many small strings (IRIs, literals) per quad; mimalloc serves them
/// faster than glibc's allocator, above all from several threads at once.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "flowkg",
    version,
    about = "MITRE Attack Flows (STIX 2.1, Attack Flow Builder .afb, legacy 2022 JSON) into one RDF knowledge graph",
    after_help = "Examples:\n  flowkg load ../shared/corpus --store kg/\n  flowkg query --store kg/ 'SELECT (COUNT(*) AS ?n) WHERE { ?a a af:Action }'\n  flowkg query --flows examples/ queries/techniques-in-several-flows.rq\n  flowkg export --format trig some.afb > some.trig"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read every flow below the paths and load it into the store; a flow loaded again
    /// replaces its own graph.
    #[command(after_help = "Example:\n  flowkg load ../shared/corpus --store kg/")]
    Load {
        /// Files or directories (searched recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        input: InputArgs,
        /// Go on past files that fail (they are reported, and the exit code is still 1).
        #[arg(long)]
        keep_going: bool,
        /// Leave the store uncompacted after a bulk load (faster load, slower queries until
        /// a later load compacts it).
        #[arg(long)]
        no_optimize: bool,
    },
    /// Run a SPARQL 1.1 query over all flows (the default graph is the union of the flows).
    #[command(
        after_help = "The query is a library query's name, a string, a .rq file, or `-` / nothing for standard input.\n\nExamples:\n  flowkg query --list\n  flowkg query --store kg/ next-techniques --param technique=T1190\n  flowkg query --store kg/ 'SELECT ?name WHERE { ?a a af:Action ; af:name ?name }'\n  flowkg query --flows examples/ queries/techniques-in-several-flows.rq --format csv"
    )]
    Query {
        /// A library query's name (see --list), the query, a file holding it, or `-` for
        /// standard input.
        query: Option<String>,
        /// A parameter of a library query, as NAME=VALUE (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// List the library queries with their questions and parameters, and exit.
        #[arg(long)]
        list: bool,
        /// Query this on-disk store.
        #[arg(long, conflicts_with = "flows")]
        store: Option<PathBuf>,
        /// Load this file or directory into memory and query it (repeatable).
        #[arg(long)]
        flows: Vec<PathBuf>,
        /// Query this remote SPARQL endpoint (SPARQL 1.1 Protocol) instead, e.g.
        /// http://127.0.0.1:8890/sparql (Virtuoso) or http://127.0.0.1:7878/query (Oxigraph).
        #[arg(long, conflicts_with_all = ["store", "flows"])]
        endpoint: Option<String>,
        #[command(flatten)]
        remote: RemoteArgs,
        /// Results format for SELECT and ASK.
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
        /// RDF syntax for CONSTRUCT and DESCRIBE results.
        #[arg(long, default_value = "turtle")]
        rdf_format: String,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Write flows as RDF, or back as STIX 2.1 bundles: from input files, or from a store.
    #[command(
        after_help = "With --format stix, each flow is read back from its RDF graph into a STIX 2.1 bundle. One flow (one input file, or --store with --flow) is written to standard output or -o FILE. All flows of a store, of a directory or of several files are written one bundle per line (NDJSON) to standard output, or one FLOWKEY.json file each into -o DIR.\n\nExamples:\n  flowkg export --format trig some.afb > some.trig\n  flowkg export --store kg/ --format nquads -o all.nq\n  flowkg export --format stix some.afb > some.json\n  flowkg export --store kg/ --format stix --flow some.afb\n  flowkg export --store kg/ --format stix -o bundles/"
    )]
    Export {
        /// Input files or directories (omit with --store).
        paths: Vec<PathBuf>,
        /// stix, or an RDF syntax: turtle, trig, ntriples, nquads, rdfxml, jsonld.
        #[arg(long, short, default_value = "trig")]
        format: String,
        /// Export this store's flows instead of input files.
        #[arg(long)]
        store: Option<PathBuf>,
        /// With --store: only this flow (file path, flow key, graph IRI or flow id).
        #[arg(long, requires = "store")]
        flow: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        /// Write the OWL 2 DL view (turtle, rdfxml or ntriples; trig means turtle): one ontology
        /// importing the af: ontology and the shared namespaces. With -o FILE, the imported
        /// documents and a Protégé catalog (catalog-v001.xml) are written beside FILE.
        #[arg(long)]
        owl: bool,
        /// With --format stix: write .afb flows exactly as Attack Flow Builder 3.2.0 does, its
        /// defects included (a user-account's user_id left out, a date with a UTC offset shifted
        /// by it twice); every value this changes is a notice on standard error.
        #[arg(long)]
        builder_compat: bool,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Show every resolution decision (node → shared IRI, relation, rule, confidence) that
    /// loading would apply, or the nodes left flow-local.
    #[command(
        after_help = "Examples:\n  flowkg resolve ../shared/corpus/attack-flow-v2/afb > decisions.csv\n  flowkg resolve --unmatched some.afb"
    )]
    Resolve {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// csv (source,node,shared_iri,relation,rule,confidence), json, or ttl (the triples
        /// the store holds for them).
        #[arg(long, value_enum, default_value_t = DecisionFormat::Csv)]
        format: DecisionFormat,
        /// List the nodes that stayed flow-local instead (source,node,type,name), for curation.
        #[arg(long)]
        unmatched: bool,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Push flows to a remote store with the SPARQL 1.1 Graph Store HTTP Protocol: one PUT per
    /// flow graph (replacing it, so pushing again changes nothing), plus the shared namespaces
    /// and the af: ontology, each in its own graph.
    #[command(
        after_help = "The endpoint is the store's Graph Store Protocol URL; graphs are addressed as ?graph=IRI.\n  Oxigraph server:  http://HOST:7878/store\n  Virtuoso:         http://HOST:8890/sparql-graph-crud-auth (with --user dba:PASSWORD, digest)\n  Fuseki:           http://HOST:3030/DATASET/data\n\nExamples:\n  flowkg push --endpoint http://127.0.0.1:7878/store ../shared/corpus\n  flowkg push --endpoint http://127.0.0.1:8890/sparql-graph-crud-auth --user dba:dba --store kg/\n  flowkg push --endpoint https://db.example.org/store --header 'Authorization: Bearer TOKEN' --store kg/ --dry-run"
    )]
    Push {
        /// Files or directories of flows to read, map and push (searched recursively).
        paths: Vec<PathBuf>,
        /// The Graph Store Protocol endpoint of the remote store.
        #[arg(long)]
        endpoint: String,
        /// Push every flow graph of this on-disk store (with or without paths).
        #[arg(long)]
        store: Option<PathBuf>,
        /// Change nothing: print for each graph whether it is new, changed or unchanged in the
        /// remote store, with triple counts.
        #[arg(long)]
        dry_run: bool,
        /// Push only the flows, not the shared namespaces and the ontology.
        #[arg(long)]
        flows_only: bool,
        #[command(flatten)]
        remote: RemoteArgs,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Remove flows from a store, named by file path, flow key, graph IRI or flow id.
    Remove {
        #[arg(required = true)]
        flows: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the flows in a store.
    Flows {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Write a static site for the af: vocabulary and the shared namespaces: Turtle, RDF/XML,
    /// JSON-LD, N-Triples and an HTML page per namespace, versioned, with .htaccess content
    /// negotiation and the w3id.org registration README.
    #[command(
        after_help = "Example:\n  flowkg publish --out site/ --store kg/ --site-url https://flowkg.github.io/vocab/"
    )]
    Publish {
        /// The folder to write the site into (it stands for https://w3id.org/flowkg/).
        #[arg(long)]
        out: PathBuf,
        /// Count each term's uses in this store's flows on the HTML pages.
        #[arg(long)]
        store: Option<PathBuf>,
        /// Where the site will be hosted: writes w3id/.htaccess, the redirect rules for the
        /// w3id.org repository.
        #[arg(long)]
        site_url: Option<String>,
    },
    /// Rank the flows that contain the techniques of alert events, in order, with what comes
    /// next.
    #[command(
        after_help = "Events are JSON lines ({\"timestamp\": …, \"host\": …, \"tactics\": [\"TA0002\"], \"techniques\": [\"T1059.001\"]}) or CSV with a header naming timestamp, host, tactics, techniques (several ids in a cell separated by ';').\n\nExamples:\n  flowkg match alerts.jsonl --store kg/\n  flowkg match alerts.csv --flows ../shared/corpus --top 5 --format json"
    )]
    Match {
        /// The event file (JSON lines or CSV).
        events: PathBuf,
        /// Match against this on-disk store.
        #[arg(long, conflicts_with = "flows")]
        store: Option<PathBuf>,
        /// Load this file or directory into memory and match against it (repeatable).
        #[arg(long)]
        flows: Vec<PathBuf>,
        /// How many flows to show.
        #[arg(long, default_value_t = 10)]
        top: usize,
        /// `table` for people, `json` for programs.
        #[arg(long, value_enum, default_value_t = MatchFormat::Table)]
        format: MatchFormat,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Serve the store as a SPARQL 1.1 Protocol endpoint (/sparql) with a query page (/).
    #[command(
        after_help = "Read-only and on loopback unless told otherwise.\n\nExamples:\n  flowkg serve --store kg/\n  flowkg serve --flows ../shared/corpus --bind 127.0.0.1:8080\n  curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 5' http://127.0.0.1:7878/sparql"
    )]
    Serve {
        /// Serve this on-disk store.
        #[arg(long, conflicts_with = "flows")]
        store: Option<PathBuf>,
        /// Load this file or directory into memory and serve it (repeatable).
        #[arg(long)]
        flows: Vec<PathBuf>,
        /// The address and port to listen on.
        #[arg(long, default_value_t = flowkg::serve::DEFAULT_BIND)]
        bind: std::net::SocketAddr,
        /// Stop queries that run longer than this many seconds (HTTP 503).
        #[arg(long, default_value_t = 30.0)]
        timeout: f64,
        /// Refuse results with more rows (or triples) than this (HTTP 422).
        #[arg(long, default_value_t = 100_000)]
        max_results: usize,
        /// Accept SPARQL updates at /update from requests bearing --token.
        #[arg(long, requires = "token")]
        enable_update: bool,
        /// The bearer token updates must present (`Authorization: Bearer TOKEN`).
        #[arg(long, requires = "enable_update")]
        token: Option<String>,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Draw flows in the Attack Flow visual language (Graphviz DOT, Mermaid, SVG), several
    /// flows joined at their shared entities (--overlap), or technique frequency on the ATT&CK
    /// tactic columns (--matrix, SVG or HTML).
    #[command(
        after_help = "The format defaults to the -o file's extension (.dot/.gv, .mmd, .svg, .html), else dot (svg for --matrix). SVG of flows needs Graphviz's `dot`.\n\nExamples:\n  flowkg render \"Conti PWC.afb\" -o conti.svg\n  flowkg render --store kg/ --flow \"Conti PWC\" --format mermaid\n  flowkg render --overlap \"Conti PWC.afb\" \"Conti CISA Alert.afb\" -o conti.svg\n  flowkg render --matrix --store kg/ -o matrix.html"
    )]
    Render {
        /// Input files or directories (omit with --store).
        paths: Vec<PathBuf>,
        /// Draw from this on-disk store.
        #[arg(long, conflicts_with = "paths")]
        store: Option<PathBuf>,
        /// The flow to draw, by name, file path, flow key, graph IRI or flow id (repeatable;
        /// needed when the input holds several flows, except with --overlap and --matrix).
        #[arg(long)]
        flow: Vec<String>,
        /// dot, mermaid, svg or html (html: --matrix only).
        #[arg(long, short)]
        format: Option<String>,
        /// Draw two or more flows, each in its own frame, joined at their shared entities.
        #[arg(long)]
        overlap: bool,
        /// Draw technique frequency across the flows on the ATT&CK tactic columns.
        #[arg(long, conflicts_with = "overlap")]
        matrix: bool,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Write synthetic flows shaped like the real corpus (node kinds, technique frequencies,
    /// shared tools, vulnerabilities, observables and asset kinds), deterministic by seed.
    #[command(
        after_help = "Flows go into OUT/NNNN/flow-NNNNNNN.json (or .afb), a folder per thousand.\n\nExample:\n  flowkg synth --flows 10000 --seed 1 --format stix --out /tmp/synth-10k"
    )]
    Synth {
        /// How many flows.
        #[arg(long, default_value_t = 1000)]
        flows: u64,
        /// The seed: the same seed gives the same files.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// `stix` (bundles, .json) or `afb` (Attack Flow Builder files).
        #[arg(long, value_enum, default_value_t = SynthFormatArg::Stix)]
        format: SynthFormatArg,
        /// The folder to write into.
        #[arg(long)]
        out: PathBuf,
    },
    /// Check files against the rules of the official Attack Flow validator: the JSON Schemas,
    /// the bundle rules and the graph rules (translated for .afb and legacy files).
    #[command(
        after_help = "Exit code 0 when no file has errors (warnings allowed), 1 when any has.\n\nExamples:\n  flowkg validate flow.json\n  flowkg validate ../shared/corpus/attack-flow-v2 --format json > report.json"
    )]
    Validate {
        /// Files or directories (searched recursively).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Output: `human` (grouped per file) or `json` (an array of per-file reports).
        #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
        format: ReportFormat,
        /// Print only the files that have errors or warnings.
        #[arg(long, short)]
        quiet: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SynthFormatArg {
    Stix,
    Afb,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Human,
    Json,
}

#[derive(Args)]
struct StoreArgs {
    /// The on-disk store (created if missing). Without it, an in-memory store is used and
    /// forgotten when the command ends.
    #[arg(long)]
    store: Option<PathBuf>,
}

#[derive(Args)]
struct RemoteArgs {
    /// Log in to the remote store as USER:PASSWORD (answers a digest or Basic challenge).
    #[arg(long, value_name = "USER:PASSWORD")]
    user: Option<String>,
    /// Send this header with every request, e.g. 'Authorization: Bearer TOKEN' (repeatable).
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Try a request again this many times after a connection error or a 5xx answer.
    #[arg(long, default_value_t = 3)]
    retries: u32,
    /// The longest one request may take, in seconds.
    #[arg(long, default_value_t = 300.0)]
    request_timeout: f64,
}

impl RemoteArgs {
    fn remote(&self) -> Result<flowkg::remote::Remote, Error> {
        if !self.request_timeout.is_finite() || self.request_timeout <= 0.0 {
            return Err(Error::Remote(
                "--request-timeout must be a positive number of seconds".into(),
            ));
        }
        let mut options = flowkg::remote::RemoteOptions::new()
            .with_retries(self.retries, std::time::Duration::from_millis(500))
            .with_timeout(std::time::Duration::from_secs_f64(self.request_timeout));
        for header in &self.headers {
            options = options.with_header(header)?;
        }
        if let Some(user) = &self.user {
            options = options.with_user(user)?;
        }
        Ok(flowkg::remote::Remote::new(options))
    }
}

#[derive(Args)]
struct InputArgs {
    /// Make schema deviations that lose nothing (warnings) fatal.
    #[arg(long)]
    strict: bool,
    /// Base IRI of instance data (flows and their nodes).
    #[arg(long, default_value = flowkg::vocab::ns::DEFAULT_INSTANCE_BASE)]
    base: String,
    /// Print no warnings or notices.
    #[arg(long, short)]
    quiet: bool,
    /// A namespace file of your own (Turtle, SKOS concepts with labels) that takes part in
    /// resolution like the built-in ones (repeatable).
    #[arg(long = "namespace", value_name = "FILE")]
    namespaces: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum DecisionFormat {
    Csv,
    Json,
    Ttl,
}

#[derive(Clone, Copy, ValueEnum)]
enum MatchFormat {
    Table,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum TableFormat {
    Table,
    Csv,
    Tsv,
    Json,
    Xml,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("flowkg: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<ExitCode, Error> {
    match command {
        Command::Load {
            paths,
            store,
            input,
            keep_going,
            no_optimize,
        } => {
            let store = open_store(store.store.as_deref())?;
            let (ok, loaded) = load(&store, &paths, &input, keep_going, !no_optimize)?;
            store.flush()?;
            if !input.quiet {
                eprintln!(
                    "loaded {loaded} flow(s); the store holds {} quads",
                    store.len()?
                );
            }
            Ok(exit(ok))
        }
        Command::Query {
            query,
            params,
            list,
            store,
            flows,
            endpoint,
            remote,
            format,
            rdf_format,
            input,
        } => {
            if list {
                print_library()?;
                return Ok(ExitCode::SUCCESS);
            }
            let text = library_or_query_text(query.as_deref(), &params)?;
            if let Some(endpoint) = endpoint {
                let results = flowkg::remote::query::execute(&remote.remote()?, &endpoint, &text)?;
                let stdout = std::io::stdout();
                let mut out = std::io::BufWriter::new(stdout.lock());
                flowkg::query::write(
                    results,
                    results_format(format),
                    parse_format(&rdf_format)?,
                    &mut out,
                )?;
                out.flush().map_err(|source| Error::Io {
                    path: "<stdout>".into(),
                    source,
                })?;
                return Ok(ExitCode::SUCCESS);
            }
            let store = match (&store, flows.is_empty()) {
                (Some(dir), _) => open_to_query(dir)?,
                (None, false) => {
                    let memory = FlowStore::in_memory()?;
                    let (ok, _) = load(&memory, &flows, &input, false, false)?;
                    if !ok {
                        return Ok(ExitCode::FAILURE);
                    }
                    memory
                }
                (None, true) => {
                    return Err(Error::Query(
                        "nothing to query: give --store DIR or --flows PATH...".into(),
                    ));
                }
            };
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            flowkg::query::run(
                store.store(),
                &text,
                results_format(format),
                parse_format(&rdf_format)?,
                &mut out,
            )?;
            out.flush().map_err(|source| Error::Io {
                path: "<stdout>".into(),
                source,
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            format,
            owl,
            builder_compat: true,
            ..
        } if owl || !format.eq_ignore_ascii_case("stix") => Err(Error::Export(
            "--builder-compat applies to --format stix only".into(),
        )),
        Command::Export {
            owl: true,
            flow: Some(_),
            ..
        } => Err(Error::Export(
            "--flow does not apply to --owl: the OWL view is of the whole store".into(),
        )),
        Command::Export {
            paths,
            format,
            store,
            output,
            owl: true,
            input,
            ..
        } => export_owl(&paths, &format, store.as_deref(), output.as_deref(), &input),
        Command::Export {
            paths,
            format,
            store,
            flow,
            output,
            owl: false,
            builder_compat,
            input,
        } if format.eq_ignore_ascii_case("stix") => export_stix(
            &paths,
            store.as_deref(),
            flow.as_deref(),
            output.as_deref(),
            &flowkg::export::stix::StixOptions::new().with_builder_compat(builder_compat),
            &input,
        ),
        Command::Export {
            paths,
            format,
            store,
            flow,
            output,
            input,
            ..
        } => export(
            &paths,
            &format,
            store.as_deref(),
            flow.as_deref(),
            output.as_deref(),
            &input,
        ),
        Command::Resolve {
            paths,
            format,
            unmatched,
            input,
        } => resolve(&paths, format, unmatched, &input),
        Command::Push {
            paths,
            endpoint,
            store,
            dry_run,
            flows_only,
            remote,
            input,
        } => push(
            &paths,
            &endpoint,
            store.as_deref(),
            dry_run,
            flows_only,
            &remote,
            &input,
        ),
        Command::Remove { flows, store } => {
            let dir = store
                .store
                .ok_or_else(|| Error::Store("remove needs --store DIR".into()))?;
            let store = FlowStore::open(&dir)?;
            let mut ok = true;
            for name in flows {
                let what =
                    std::fs::canonicalize(&name).map_or(name.clone(), |p| p.display().to_string());
                let graphs = store.find(&what)?;
                if graphs.is_empty() {
                    eprintln!("flowkg: {name}: no such flow in {}", dir.display());
                    ok = false;
                }
                for graph in graphs {
                    store.remove(graph.as_ref())?;
                    eprintln!("removed {graph}");
                }
            }
            store.flush()?;
            Ok(exit(ok))
        }
        Command::Publish {
            out,
            store,
            site_url,
        } => publish(&out, store.as_deref(), site_url.as_deref()),
        Command::Match {
            events,
            store,
            flows,
            top,
            format,
            input,
        } => {
            let events = flowkg::correlate::read_events(&events)?;
            let store = match &store {
                Some(dir) => open_to_query(dir)?,
                None => {
                    let memory = FlowStore::in_memory()?;
                    if !load(&memory, &flows, &input, false, false)?.0 {
                        return Ok(ExitCode::FAILURE);
                    }
                    memory
                }
            };
            let ranked = flowkg::correlate::rank(&store, &events)?;
            print_matches(&ranked[..ranked.len().min(top)], format);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            store,
            flows,
            bind,
            timeout,
            max_results,
            enable_update,
            token,
            input,
        } => {
            let store = match &store {
                Some(dir) => {
                    let store = FlowStore::open(dir)?;
                    warn_if_stale(&store, dir)?;
                    store
                }
                None => {
                    let memory = FlowStore::in_memory()?;
                    if !load(&memory, &flows, &input, false, false)?.0 {
                        return Ok(ExitCode::FAILURE);
                    }
                    memory
                }
            };
            store.ensure_namespaces()?;
            if !timeout.is_finite() || timeout <= 0.0 {
                return Err(Error::Serve(
                    "--timeout must be a positive number of seconds".into(),
                ));
            }
            let mut options = flowkg::serve::ServeOptions::new()
                .with_bind(bind)
                .with_timeout(std::time::Duration::from_secs_f64(timeout))
                .with_max_results(max_results);
            if let (true, Some(token)) = (enable_update, token) {
                options = options.with_update_token(token);
            }
            let site = flowkg::serve::PublishedSite::write_temporary()?;
            let server = flowkg::serve::Endpoint::new(store, options)
                .with_site(site)
                .spawn()?;
            eprintln!(
                "flowkg: serving SPARQL at http://{bind}/sparql (query page at http://{bind}/)"
            );
            server.join().map_err(|e| Error::Serve(e.to_string()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Flows { store } => {
            let dir = store
                .store
                .ok_or_else(|| Error::Store("flows needs --store DIR".into()))?;
            let store = FlowStore::open_read_only(&dir)?;
            let mut flows = store.flows()?;
            flows.sort_by(|a, b| a.name.cmp(&b.name));
            for flow in flows {
                println!(
                    "{}\t{}\t{}",
                    flow.key.unwrap_or_default(),
                    flow.name.unwrap_or_default(),
                    flow.graph.as_str()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Synth {
            flows,
            seed,
            format,
            out,
        } => {
            let format = match format {
                SynthFormatArg::Stix => flowkg::synth::SynthFormat::Stix,
                SynthFormatArg::Afb => flowkg::synth::SynthFormat::Afb,
            };
            let progress = progress_bar(flows, "generating");
            let bytes = flowkg::synth::write_corpus(&out, flows, seed, format, &|n| {
                progress.inc(n);
            })?;
            progress.finish_and_clear();
            eprintln!(
                "wrote {flows} flow(s), {:.1} MB, into {}",
                bytes as f64 / 1e6,
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate {
            paths,
            format,
            quiet,
        } => validate(&paths, format, quiet),
        Command::Render {
            paths,
            store,
            flow,
            format,
            overlap,
            matrix,
            output,
            input,
        } => {
            let store = match &store {
                Some(dir) => FlowStore::open_read_only(dir)?,
                None => {
                    if paths.is_empty() {
                        return Err(Error::Render("give input paths or --store DIR".into()));
                    }
                    let memory = FlowStore::in_memory()?;
                    if !load(&memory, &paths, &input, false, false)?.0 {
                        return Ok(ExitCode::FAILURE);
                    }
                    memory
                }
            };
            let format = match (format, &output) {
                (Some(format), _) => format,
                (None, Some(path)) => path
                    .extension()
                    .and_then(|e| e.to_str())
                    .map_or("dot", |e| e)
                    .to_owned(),
                (None, None) if matrix => "svg".to_owned(),
                (None, None) => "dot".to_owned(),
            };
            let mut options = flowkg::render::RenderOptions::new(format.parse()?)
                .with_flows(flow)
                .with_overlap(overlap);
            if matrix {
                options = options.with_matrix();
            }
            let text = flowkg::render::render(&store, &options)?;
            match &output {
                Some(path) => std::fs::write(path, text).map_err(|source| Error::Io {
                    path: path.clone(),
                    source,
                })?,
                None => {
                    let mut out = std::io::stdout().lock();
                    out.write_all(text.as_bytes())
                        .and_then(|()| out.flush())
                        .map_err(|source| Error::Io {
                            path: "<stdout>".into(),
                            source,
                        })?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `flowkg push`: the shared graphs, then every flow of the store, then every flow below the
/// paths, one graph at a time.
fn push(
    paths: &[PathBuf],
    endpoint: &str,
    store: Option<&Path>,
    dry_run: bool,
    flows_only: bool,
    remote: &RemoteArgs,
    input: &InputArgs,
) -> Result<ExitCode, Error> {
    use flowkg::remote::push::{Change, GraphStore, PushGraph};
    if paths.is_empty() && store.is_none() {
        return Err(Error::Remote(
            "nothing to push: give input paths and/or --store DIR".into(),
        ));
    }
    let client = remote.remote()?;
    let target = GraphStore::new(&client, endpoint)?;
    let (mut graphs, mut triples, mut changes) = (0usize, 0usize, [0usize; 3]);
    let stdout = std::io::stdout();
    let mut one = |graph: PushGraph| -> Result<(), Error> {
        graphs += 1;
        triples += graph.triples.len();
        if !dry_run {
            return target.put(&graph);
        }
        let line = match target.compare(&graph)? {
            Change::New { triples } => {
                changes[0] += 1;
                format!("new\t{}\t{triples}\t{}", graph.graph, graph.label)
            }
            Change::Changed {
                triples,
                remote,
                added,
                removed,
            } => {
                changes[1] += 1;
                format!(
                    "changed\t{}\t{triples}\t{}\tthe store holds {remote}: +{added} -{removed}",
                    graph.graph, graph.label
                )
            }
            Change::Unchanged { triples } => {
                changes[2] += 1;
                format!("unchanged\t{}\t{triples}\t{}", graph.graph, graph.label)
            }
        };
        // A closed pipe (`| head`) is not an error worth reporting.
        let _ = writeln!(stdout.lock(), "{line}");
        Ok(())
    };
    if !flows_only {
        for graph in flowkg::remote::push::shared_graphs()? {
            one(graph)?;
        }
    }
    if let Some(dir) = store {
        let store = FlowStore::open_read_only(dir)?;
        let flows = store.flows()?;
        let progress = progress_bar(flows.len() as u64, "pushing");
        for flow in flows {
            let quads = store.graph_quads(flow.graph.as_ref())?;
            let label = format!("flow {}", flow.name.unwrap_or_default());
            progress.inc(1);
            one(PushGraph::from_quads(flow.graph, label, &quads))?;
        }
        progress.finish_and_clear();
    }
    let mut ok = true;
    if !paths.is_empty() {
        ok = for_each_flow(paths, input, false, |flow, mapped| {
            let label = format!("flow {}", flow.source.name);
            one(PushGraph::from_quads(mapped.graph, label, &mapped.quads))
        })?;
    }
    if !input.quiet {
        if dry_run {
            eprintln!(
                "dry run: {} new, {} changed, {} unchanged graph(s) at {endpoint}; nothing was written",
                changes[0], changes[1], changes[2]
            );
        } else {
            eprintln!("pushed {graphs} graph(s), {triples} triples, to {endpoint}");
        }
    }
    Ok(exit(ok))
}

fn publish(out: &Path, store: Option<&Path>, site_url: Option<&str>) -> Result<ExitCode, Error> {
    let mut site = flowkg::publish::Site::built_in()?;
    if let Some(dir) = store {
        let store = FlowStore::open_read_only(dir)?;
        let usage = flowkg::publish::usage_counts(store.store(), &site)?;
        site = site.with_usage(usage);
    }
    let written = site.write(out, site_url)?;
    eprintln!("wrote {} files to {}", written.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

fn validate(paths: &[PathBuf], format: ReportFormat, quiet: bool) -> Result<ExitCode, Error> {
    use flowkg::validate::{Checked, Verdict, validate_paths};
    let checked = validate_paths(paths).map_err(|source| Error::Io {
        path: paths.first().cloned().unwrap_or_default(),
        source,
    })?;
    let mut reports = Vec::new();
    for outcome in checked {
        match outcome {
            Checked::Report(report) => reports.push(report),
            Checked::Skipped { path, reason }
                if !quiet && matches!(format, ReportFormat::Human) =>
            {
                eprintln!("{}: notice: skipped, {reason}", path.display());
            }
            Checked::Skipped { .. } => {}
        }
    }
    let ok = reports.iter().all(|r| r.verdict() != Verdict::Fail);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = match format {
        ReportFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &flowkg::validate::to_json(&reports))
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(out))
        }
        ReportFormat::Human => {
            let shown: Vec<_> = reports
                .into_iter()
                .filter(|r| !quiet || r.verdict() != Verdict::Ok)
                .collect();
            flowkg::validate::write_human(&shown, &mut out)
        }
    };
    written
        .and_then(|()| out.flush())
        .map_err(|source| Error::Io {
            path: "<stdout>".into(),
            source,
        })?;
    Ok(exit(ok))
}

fn exit(ok: bool) -> ExitCode {
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn open_store(dir: Option<&Path>) -> Result<FlowStore, Error> {
    match dir {
        Some(dir) => FlowStore::open(dir),
        None => FlowStore::in_memory(),
    }
}

fn options(input: &InputArgs) -> Result<(ReadOptions, MapOptions), Error> {
    let mut map = MapOptions::new().with_base(&input.base)?;
    if !input.namespaces.is_empty() {
        let mut resolver = (*flowkg::resolve::Resolver::built_in()).clone();
        for path in &input.namespaces {
            let turtle = std::fs::read_to_string(path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            resolver = resolver.with_namespace(&path.display().to_string(), &turtle)?;
        }
        map = map.with_resolver(std::sync::Arc::new(resolver));
    }
    Ok((ReadOptions::new().with_strict(input.strict), map))
}

/// Opens a store read-only for queries, warning when an older flowkg mapped some of its flows.
fn open_to_query(dir: &Path) -> Result<FlowStore, Error> {
    let store = FlowStore::open_read_only(dir)?;
    warn_if_stale(&store, dir)?;
    Ok(store)
}

/// Says on stderr how many flows of the store an older flowkg mapped: queries still run, but
/// may miss facts those flows lack until their files are loaded again.
fn warn_if_stale(store: &FlowStore, dir: &Path) -> Result<(), Error> {
    let stale = store.stale_flows()?;
    if stale > 0 {
        eprintln!(
            "{}: warning: {stale} flow(s) were mapped by an older flowkg (before mapping version \
             {}) and lack what it now states, such as impact paths; queries may miss them. \
             Load their files again: flowkg load --store {} FILES...",
            dir.display(),
            flowkg::map::MAPPING_VERSION,
            dir.display()
        );
    }
    Ok(())
}

/// Loads the flows below `paths`; returns whether every file loaded, and how many flows did.
/// Files are read and mapped on worker threads while the store loads the flows before them.
/// With `optimize`, a bulk load ends by compacting the store ([`FlowStore::optimize`]).
fn load(
    store: &FlowStore,
    paths: &[PathBuf],
    input: &InputArgs,
    keep_going: bool,
    optimize: bool,
) -> Result<(bool, usize), Error> {
    let options = options(input)?;
    store.ensure_namespaces()?;
    let files = discover_inputs(paths)?;
    let mut loader = store.loader(files.len());
    let bulk = loader.is_bulk();
    let streamed = for_each_file(
        files,
        &options,
        input,
        keep_going,
        "loading",
        |_, mapped| loader.add(mapped),
    );
    // The flows before a failure stay, as whole flows: commit them, then report.
    let loaded = loader.commit()?;
    let ok = streamed?;
    if bulk && optimize {
        let spinner = spinner("compacting the store for queries");
        store.optimize()?;
        spinner.finish_and_clear();
    }
    Ok((ok, loaded))
}

fn export(
    paths: &[PathBuf],
    format: &str,
    store: Option<&Path>,
    flow: Option<&str>,
    output: Option<&Path>,
    input: &InputArgs,
) -> Result<ExitCode, Error> {
    let format = parse_format(format)?;
    let sink: Box<dyn Write> = match output {
        Some(path) => Box::new(std::fs::File::create(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = QuadWriter::new(format, std::io::BufWriter::new(sink));
    let ok = match store {
        Some(dir) => {
            let store = FlowStore::open_read_only(dir)?;
            match flow {
                Some(name) => {
                    for graph in named_flows(&store, dir, name)? {
                        writer.write_all(&store.graph_quads(graph.as_ref())?)?;
                    }
                }
                None => store.for_each_graph(|quads| writer.write_all(quads))?,
            }
            true
        }
        None => for_each_flow(paths, input, false, |_, mapped| {
            writer.write_all(&mapped.quads)
        })?,
    };
    writer.finish()?.flush().map_err(|source| Error::Io {
        path: output.map_or_else(|| "<stdout>".into(), Path::to_owned),
        source,
    })?;
    Ok(exit(ok))
}

/// The graphs of the flow `--flow` names (file path, flow key, graph IRI or flow id).
fn named_flows(store: &FlowStore, dir: &Path, name: &str) -> Result<Vec<NamedNode>, Error> {
    let what = std::fs::canonicalize(name).map_or(name.to_owned(), |p| p.display().to_string());
    let graphs = store.find(&what)?;
    if graphs.is_empty() {
        return Err(Error::Export(format!(
            "{name}: no such flow in {}",
            dir.display()
        )));
    }
    Ok(graphs)
}

/// `export --format stix`: flows read back from RDF into bundles.
fn export_stix(
    paths: &[PathBuf],
    store: Option<&Path>,
    flow: Option<&str>,
    output: Option<&Path>,
    options: &flowkg::export::stix::StixOptions,
    input: &InputArgs,
) -> Result<ExitCode, Error> {
    let mut bundles = Vec::new();
    let mut ok = true;
    let mut push = |key: String, flow: &flowkg::Flow| {
        let (bundle, notices) = flowkg::export::stix::bundle_with(flow, options);
        if !input.quiet {
            for notice in notices {
                eprintln!("{notice}");
            }
        }
        bundles.push((key, bundle));
    };
    if let Some(dir) = store {
        let store = FlowStore::open_read_only(dir)?;
        let graphs = match flow {
            Some(name) => named_flows(&store, dir, name)?,
            None => store.flows()?.into_iter().map(|f| f.graph).collect(),
        };
        for graph in graphs {
            let flow = flowkg::reverse::read_stored(&store, graph.as_ref())?;
            push(flow.key(), &flow);
        }
    } else {
        ok = for_each_flow(paths, input, false, |flow, mapped| {
            let back = flowkg::reverse::reverse_flow(mapped.graph.as_ref(), mapped.quads)?;
            push(flow.key(), &back);
            Ok(())
        })?;
    }
    // All flows of a store, a directory or several files: one bundle each, never one document.
    let many = match store {
        Some(_) => flow.is_none(),
        None => paths.len() > 1 || paths.iter().any(|p| p.is_dir()),
    };
    flowkg::export::stix::write_bundles(&bundles, output, many)?;
    Ok(exit(ok))
}

/// `export --owl`: every quad first (the view declares what it uses), then one document.
fn export_owl(
    paths: &[PathBuf],
    format: &str,
    store: Option<&Path>,
    output: Option<&Path>,
    input: &InputArgs,
) -> Result<ExitCode, Error> {
    let format = parse_format(if format == "trig" { "turtle" } else { format })?;
    owl::owl_extension(format)?;
    let (ok, quads) = match store {
        Some(dir) => {
            let store = FlowStore::open_read_only(dir)?;
            (true, store.store().iter().collect::<Result<Vec<_>, _>>()?)
        }
        None => mapped_quads(paths, input)?,
    };
    let triples = owl::owl_document(&quads, &owl::OwlOptions::new())?;
    match output {
        Some(path) => {
            for file in owl::write_owl_files(&triples, format, path)? {
                if !input.quiet {
                    eprintln!("wrote {}", file.display());
                }
            }
        }
        None => owl::write_triples(&triples, format, std::io::stdout().lock())?,
    }
    Ok(exit(ok))
}

/// The quads of every flow below `paths`; stops at the first file that fails.
fn mapped_quads(paths: &[PathBuf], input: &InputArgs) -> Result<(bool, Vec<Quad>), Error> {
    let mut quads = Vec::new();
    let ok = for_each_flow(paths, input, false, |_, mapped| {
        quads.extend(mapped.quads);
        Ok(())
    })?;
    Ok((ok, quads))
}

/// Reads and maps every flow below `paths`, reporting warnings and skipped files as `load` does,
/// and hands each flow to `each`. Stops at the first file that fails unless `keep_going`;
/// returns whether every file was read.
fn for_each_flow(
    paths: &[PathBuf],
    input: &InputArgs,
    keep_going: bool,
    each: impl FnMut(Box<flowkg::Flow>, MappedFlow) -> Result<(), Error>,
) -> Result<bool, Error> {
    if paths.is_empty() {
        return Err(Error::Export("give input paths or --store DIR".into()));
    }
    let options = options(input)?;
    for_each_file(
        discover_inputs(paths)?,
        &options,
        input,
        keep_going,
        "mapping",
        each,
    )
}

/// Every file below `paths`, in a stable order.
fn discover_inputs(paths: &[PathBuf]) -> Result<Vec<Discovered>, Error> {
    discover(paths).map_err(|source| Error::Io {
        path: paths.first().cloned().unwrap_or_default(),
        source,
    })
}

/// Reads and maps `files` on worker threads, reporting warnings and skipped files, and hands
/// each flow to `each` in input order. Stops at the first file that fails unless
/// `keep_going`; returns whether every file was read.
fn for_each_file(
    files: Vec<Discovered>,
    (read, map): &(ReadOptions, MapOptions),
    input: &InputArgs,
    keep_going: bool,
    message: &'static str,
    mut each: impl FnMut(Box<flowkg::Flow>, MappedFlow) -> Result<(), Error>,
) -> Result<bool, Error> {
    let mut ok = true;
    let progress = progress_bar(files.len() as u64, message);
    let workers = flowkg::pipeline::default_workers();
    for_each_parallel(files, read, map, workers, |outcome| {
        progress.inc(1);
        match outcome {
            Outcome::Mapped { flow, mapped } => {
                if !input.quiet {
                    for d in flow
                        .diagnostics
                        .iter()
                        .chain(&mapped.diagnostics)
                        .filter(|d| d.severity >= Severity::Warning)
                    {
                        progress.suspend(|| eprintln!("{d}"));
                    }
                }
                each(flow, mapped)?;
            }
            Outcome::Skipped { path, reason } => {
                if !input.quiet {
                    progress.suspend(|| eprintln!("{}: notice: skipped, {reason}", path.display()));
                }
            }
            Outcome::Failed { error, .. } => {
                progress.suspend(|| eprintln!("flowkg: {error}"));
                ok = false;
                return Ok(keep_going);
            }
        }
        Ok::<_, Error>(true)
    })?;
    progress.finish_and_clear();
    Ok(ok)
}

/// A spinner with a message for work of unknown length, on a terminal only.
fn spinner(message: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner().with_message(message);
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}

fn progress_bar(len: u64, message: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(len).with_message(message);
    if let Ok(style) =
        ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} files ({per_sec}, eta {eta})")
    {
        bar.set_style(style);
    }
    bar
}

/// The text of a library query with its parameters bound, or (with no parameters) any other
/// query text.
fn library_or_query_text(arg: Option<&str>, params: &[String]) -> Result<String, Error> {
    let library = arg
        .filter(|name| !Path::new(name).is_file())
        .and_then(|name| flowkg::query::library::find(name).ok());
    match library {
        Some(query) => {
            let mut values = Vec::new();
            for param in params {
                let (name, value) = param
                    .split_once('=')
                    .ok_or_else(|| Error::Query(format!("--param {param}: expected NAME=VALUE")))?;
                values.push((name.to_owned(), value.to_owned()));
            }
            Ok(query.bind(&values)?)
        }
        None if !params.is_empty() => {
            let name = arg.unwrap_or("-");
            Err(flowkg::query::library::find(name).err().map_or_else(
                || Error::Query("--param needs a library query".into()),
                Error::from,
            ))
        }
        None => query_text(arg),
    }
}

/// The ranked flows of `flowkg match`.
fn print_matches(ranked: &[flowkg::correlate::FlowMatch], format: MatchFormat) {
    let mut out = String::new();
    match format {
        MatchFormat::Json => {
            let value: Vec<serde_json::Value> = ranked
                .iter()
                .map(|m| {
                    serde_json::json!({
                        "flow": m.flow,
                        "name": m.name,
                        "matched": m.matched,
                        "events": m.events,
                        "next": m.next.iter().map(|n| serde_json::json!({
                            "technique": n.id, "name": n.name, "written": n.written,
                            "assets": n.assets,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            out = serde_json::Value::Array(value).to_string();
            out.push('\n');
        }
        MatchFormat::Table => {
            for (rank, m) in ranked.iter().enumerate() {
                out.push_str(&format!(
                    "{}. {} ({}/{} events in order)  {}\n",
                    rank + 1,
                    m.name,
                    m.matched,
                    m.events,
                    m.flow
                ));
                for next in m.next.iter().take(3) {
                    let assets = if next.assets.is_empty() {
                        String::new()
                    } else {
                        format!("  on {}", next.assets.join(", "))
                    };
                    let written = if next.written.is_empty() {
                        String::new()
                    } else {
                        format!(" (written {})", next.written.join(", "))
                    };
                    out.push_str(&format!(
                        "     next: {} {}{written}{assets}\n",
                        next.id, next.name
                    ));
                }
            }
        }
    }
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
}

/// `flowkg query --list`: each library query's name, question and parameters.
fn print_library() -> Result<(), Error> {
    let mut listing = String::new();
    for query in flowkg::query::library::LIBRARY {
        listing.push_str(&format!("{}\n    {}\n", query.name, query.question()));
        for parameter in query.parameters()? {
            listing.push_str(&format!(
                "    --param {}=…  {}\n",
                parameter.name, parameter.description
            ));
        }
    }
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth reporting.
    let _ = out.write_all(listing.as_bytes());
    Ok(())
}

/// The query text: an argument, a file it names, or standard input.
fn query_text(arg: Option<&str>) -> Result<String, Error> {
    match arg {
        None | Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|source| Error::Io {
                    path: "<stdin>".into(),
                    source,
                })?;
            Ok(text)
        }
        Some(arg) if Path::new(arg).is_file() => {
            std::fs::read_to_string(arg).map_err(|source| Error::Io {
                path: arg.into(),
                source,
            })
        }
        Some(text) => Ok(text.to_owned()),
    }
}

fn results_format(format: TableFormat) -> ResultsFormat {
    match format {
        TableFormat::Table => ResultsFormat::Table,
        TableFormat::Csv => ResultsFormat::Csv,
        TableFormat::Tsv => ResultsFormat::Tsv,
        TableFormat::Json => ResultsFormat::Json,
        TableFormat::Xml => ResultsFormat::Xml,
    }
}

fn resolve(
    paths: &[PathBuf],
    format: DecisionFormat,
    unmatched: bool,
    input: &InputArgs,
) -> Result<ExitCode, Error> {
    let mut done = Vec::new();
    let ok = for_each_flow(paths, input, true, |flow, mapped| {
        done.push((flow, mapped));
        Ok(())
    })?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |source| Error::Io {
        path: "<stdout>".into(),
        source,
    };
    if unmatched {
        let flows: Vec<_> = done
            .iter()
            .map(|(f, m)| (f.as_ref(), m.decisions.as_slice()))
            .collect();
        flowkg::resolve::report::write_unmatched(&mut out, &flows).map_err(io)?;
    } else {
        let sources: Vec<_> = done
            .iter()
            .map(|(f, m)| flowkg::resolve::report::SourceDecisions {
                source: &f.source.name,
                decisions: &m.decisions,
            })
            .collect();
        match format {
            DecisionFormat::Csv => {
                flowkg::resolve::report::write_csv(&mut out, &sources).map_err(io)?
            }
            DecisionFormat::Json => {
                flowkg::resolve::report::write_json(&mut out, &sources).map_err(io)?
            }
            DecisionFormat::Ttl => {
                let resolution = [
                    flowkg::vocab::af::ENTITY.as_str(),
                    flowkg::vocab::af::ASSET_KIND.as_str(),
                    flowkg::vocab::af::EXPRESSES_STATE.as_str(),
                    "http://www.w3.org/2002/07/owl#sameAs",
                ];
                let mut writer = QuadWriter::new(oxigraph::io::RdfFormat::Turtle, &mut out);
                for (_, mapped) in &done {
                    writer.write_all(
                        mapped
                            .quads
                            .iter()
                            .filter(|q| resolution.contains(&q.predicate.as_str())),
                    )?;
                }
                writer.finish()?;
            }
        }
    }
    out.flush().map_err(io)?;
    Ok(exit(ok))
}

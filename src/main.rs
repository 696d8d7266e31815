//! The `flowkg` command: a thin shell over the library.

use clap::{Args, Parser, Subcommand, ValueEnum};
use flowkg::export::{QuadWriter, parse_format};
use flowkg::pipeline::{Inputs, Outcome};
use flowkg::query::ResultsFormat;
use flowkg::read::discover;
use flowkg::{Error, FlowStore, MapOptions, MappedFlow, ReadOptions, Severity};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
    },
    /// Run a SPARQL 1.1 query over all flows (the default graph is the union of the flows).
    #[command(
        after_help = "The query is a string, a .rq file, or `-` / nothing for standard input.\n\nExamples:\n  flowkg query --store kg/ 'SELECT ?name WHERE { ?a a af:Action ; af:name ?name }'\n  flowkg query --flows examples/ queries/techniques-in-several-flows.rq --format csv"
    )]
    Query {
        /// The query, a file holding it, or `-` for standard input.
        query: Option<String>,
        /// Query this on-disk store.
        #[arg(long, conflicts_with = "flows")]
        store: Option<PathBuf>,
        /// Load this file or directory into memory and query it (repeatable).
        #[arg(long)]
        flows: Vec<PathBuf>,
        /// Results format for SELECT and ASK.
        #[arg(long, value_enum, default_value_t = TableFormat::Table)]
        format: TableFormat,
        /// RDF syntax for CONSTRUCT and DESCRIBE results.
        #[arg(long, default_value = "turtle")]
        rdf_format: String,
        #[command(flatten)]
        input: InputArgs,
    },
    /// Write flows as RDF: from input files, or from a store.
    #[command(
        after_help = "Examples:\n  flowkg export --format trig some.afb > some.trig\n  flowkg export --store kg/ --format nquads -o all.nq"
    )]
    Export {
        /// Input files or directories (omit with --store).
        paths: Vec<PathBuf>,
        /// RDF syntax: turtle, trig, ntriples, nquads, rdfxml, jsonld.
        #[arg(long, short, default_value = "trig")]
        format: String,
        /// Export this store's flows instead of input files.
        #[arg(long)]
        store: Option<PathBuf>,
        /// Write to this file instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
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
        } => {
            let store = open_store(store.store.as_deref())?;
            let (ok, loaded) = load(&store, &paths, &input, keep_going)?;
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
            store,
            flows,
            format,
            rdf_format,
            input,
        } => {
            let text = query_text(query.as_deref())?;
            let store = match (&store, flows.is_empty()) {
                (Some(dir), _) => FlowStore::open_read_only(dir)?,
                (None, false) => {
                    let memory = FlowStore::in_memory()?;
                    let (ok, _) = load(&memory, &flows, &input, false)?;
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
            paths,
            format,
            store,
            output,
            input,
        } => export(&paths, &format, store.as_deref(), output.as_deref(), &input),
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
        Command::Validate {
            paths,
            format,
            quiet,
        } => validate(&paths, format, quiet),
    }
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
    Ok((
        ReadOptions::new().with_strict(input.strict),
        MapOptions::new().with_base(&input.base)?,
    ))
}

/// How many mapped flows to hold before writing them to the store.
const WRITE_BATCH: usize = 256;

/// Loads the flows below `paths`; returns whether every file loaded, and how many flows did.
fn load(
    store: &FlowStore,
    paths: &[PathBuf],
    input: &InputArgs,
    keep_going: bool,
) -> Result<(bool, usize), Error> {
    let (read, map) = options(input)?;
    store.ensure_namespaces()?;
    let files = discover(paths).map_err(|source| Error::Io {
        path: paths.first().cloned().unwrap_or_default(),
        source,
    })?;
    let progress = progress_bar(files.len() as u64, "loading");
    let mut pending: Vec<MappedFlow> = Vec::new();
    let (mut ok, mut loaded) = (true, 0);
    let write = |pending: &mut Vec<MappedFlow>| -> Result<usize, Error> {
        store.load_all(pending, &|_| {})?;
        let n = pending.len();
        pending.clear();
        Ok(n)
    };
    for outcome in Inputs::new(files, &read, &map) {
        progress.inc(1);
        match outcome {
            Outcome::Mapped { flow, mapped } => {
                if !input.quiet {
                    for diagnostic in flow.diagnostics.iter().chain(&mapped.diagnostics) {
                        if diagnostic.severity >= Severity::Warning {
                            progress.suspend(|| eprintln!("{diagnostic}"));
                        }
                    }
                }
                pending.push(mapped);
                if pending.len() >= WRITE_BATCH {
                    loaded += write(&mut pending)?;
                }
            }
            Outcome::Skipped { path, reason } => {
                if !input.quiet {
                    progress.suspend(|| eprintln!("{}: notice: skipped, {reason}", path.display()));
                }
            }
            Outcome::Failed { path, error } => {
                progress.suspend(|| eprintln!("flowkg: {error}"));
                let _ = path;
                ok = false;
                if !keep_going {
                    break;
                }
            }
        }
    }
    loaded += write(&mut pending)?;
    progress.finish_and_clear();
    Ok((ok, loaded))
}

fn export(
    paths: &[PathBuf],
    format: &str,
    store: Option<&Path>,
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
    let mut ok = true;
    if let Some(dir) = store {
        let store = FlowStore::open_read_only(dir)?;
        let quads = store.store().iter().collect::<Result<Vec<_>, _>>()?;
        writer.write_all(&quads)?;
    } else {
        if paths.is_empty() {
            return Err(Error::Export(
                "export needs input paths or --store DIR".into(),
            ));
        }
        let (read, map) = options(input)?;
        let files = discover(paths).map_err(|source| Error::Io {
            path: paths[0].clone(),
            source,
        })?;
        for outcome in Inputs::new(files, &read, &map) {
            match outcome {
                Outcome::Mapped { flow, mapped } => {
                    if !input.quiet {
                        for d in flow
                            .diagnostics
                            .iter()
                            .chain(&mapped.diagnostics)
                            .filter(|d| d.severity >= Severity::Warning)
                        {
                            eprintln!("{d}");
                        }
                    }
                    writer.write_all(&mapped.quads)?;
                }
                Outcome::Skipped { path, reason } => {
                    if !input.quiet {
                        eprintln!("{}: notice: skipped, {reason}", path.display());
                    }
                }
                Outcome::Failed { error, .. } => {
                    eprintln!("flowkg: {error}");
                    ok = false;
                    break;
                }
            }
        }
    }
    writer.finish()?.flush().map_err(|source| Error::Io {
        path: output.map_or_else(|| "<stdout>".into(), Path::to_owned),
        source,
    })?;
    Ok(exit(ok))
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

//! `cargo bench --bench scale -- DIR...`: the stages of flowkg over a folder of flows, against
//! the parse-only floor. Prints one JSON line per measurement (bench/run collects them).
//!
//! - `parse_floor`: every file read and parsed with serde_json into `serde_json::Value`;
//! - `map_1_thread`: read + map (resolution included) on one thread, quads counted;
//! - `map_parallel`: the same on the machine's cores, as `flowkg load` and `export` do;
//! - `load_memory`: read + map + load into an in-memory store, streaming (skipped above
//!   `FLOWKG_BENCH_MEMORY_MAX` flows, default 20,000: 100k flows need ~35 GB in memory);
//! - with `--queries STORE`: every library query of `queries/` on that on-disk store, run five
//!   times, median latency (a query past 60 s is cancelled and reported as such). Defaults are
//!   bound as written, except a `flow` parameter, which gets the name of a flow of the store (the
//!   defaults name public-corpus flows, absent from a synthetic store).
//!
//! Without arguments it reads `FLOWKG_BENCH_DIR`, or generates 1,000 synthetic flows into a
//! temporary folder.

use flowkg::pipeline::{Outcome, default_workers, for_each_parallel, process};
use flowkg::read::discover;
use flowkg::synth::{SynthFormat, write_corpus};
use flowkg::{FlowStore, MapOptions, ReadOptions};
use std::path::PathBuf;
use std::time::Instant;

// The allocator of the `flowkg` command, so that the stages measure what it does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn report(dir: &str, stage: &str, flows: usize, quads: usize, seconds: f64) {
    println!(
        "{{\"dir\": {dir:?}, \"stage\": {stage:?}, \"flows\": {flows}, \"quads\": {quads}, \"seconds\": {seconds:.3}, \"flows_per_s\": {:.0}, \"quads_per_s\": {:.0}}}",
        flows as f64 / seconds,
        quads as f64 / seconds
    );
}

/// Runs every library query five times on the store; prints the median latency of each.
fn queries(store: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let store = FlowStore::open_read_only(store)?;
    let flow_name = first_flow_name(&store)?;
    eprintln!("queries: flow parameter bound to {flow_name:?}");
    for query in flowkg::query::library::LIBRARY {
        let text = if query.parameters()?.iter().any(|p| p.name == "flow") {
            query.bind(&[("flow".to_owned(), flow_name.clone())])?
        } else {
            query.text.to_owned()
        };
        let mut times = Vec::new();
        let mut rows = 0;
        let mut cancelled = false;
        for _ in 0..5 {
            let token = oxigraph::sparql::CancellationToken::new();
            let timer = {
                let token = token.clone();
                let (done, wait) = std::sync::mpsc::channel::<()>();
                let thread = std::thread::spawn(move || {
                    if wait
                        .recv_timeout(std::time::Duration::from_secs(60))
                        .is_err()
                    {
                        token.cancel();
                    }
                });
                (done, thread)
            };
            let start = Instant::now();
            let outcome = (|| -> Result<usize, Box<dyn std::error::Error>> {
                let prepared = flowkg::query::prepare_with(&text, Some(token))?;
                let mut count = 0;
                if let oxigraph::sparql::QueryResults::Solutions(solutions) =
                    prepared.on_store(store.store()).execute()?
                {
                    for solution in solutions {
                        solution?;
                        count += 1;
                    }
                }
                Ok(count)
            })();
            times.push(start.elapsed().as_secs_f64());
            let _ = timer.0.send(());
            let _ = timer.1.join();
            match outcome {
                Ok(count) => rows = count,
                Err(_) => {
                    cancelled = true;
                    break;
                }
            }
            if times[0] > 20.0 {
                break; // slow: one run says enough
            }
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        println!(
            "{{\"stage\": \"query\", \"query\": {:?}, \"runs\": {}, \"median_ms\": {:.1}, \"rows\": {rows}, \"cancelled\": {cancelled}}}",
            query.name,
            times.len(),
            median * 1000.0
        );
    }
    Ok(())
}

/// The name of one flow of the store (the first in the order of the store's answer).
fn first_flow_name(store: &FlowStore) -> Result<String, Box<dyn std::error::Error>> {
    let (_, rows) = flowkg::query::select(
        store.store(),
        "SELECT ?name WHERE { GRAPH ?flow { ?flow a af:Flow ; af:name ?name } } LIMIT 1",
    )?;
    match rows.first().and_then(|row| row.first()) {
        Some(Some(oxigraph::model::Term::Literal(name))) => Ok(name.value().to_owned()),
        _ => Err("the store holds no named flow".into()),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--queries") {
        let store = args.get(at + 1).ok_or("--queries STORE")?;
        return queries(std::path::Path::new(store));
    }
    let mut dirs: Vec<PathBuf> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    let _temporary;
    if dirs.is_empty() {
        if let Some(dir) = std::env::var_os("FLOWKG_BENCH_DIR") {
            dirs.push(dir.into());
        } else {
            let dir = std::env::temp_dir().join(format!("flowkg-bench-{}", std::process::id()));
            write_corpus(&dir, 1000, 1, SynthFormat::Stix, &|_| {})?;
            dirs.push(dir.clone());
            _temporary = TempDir(dir);
        }
    }
    let (read, map) = (ReadOptions::new(), MapOptions::new());
    for dir in &dirs {
        let name = dir.display().to_string();
        let files = discover(std::slice::from_ref(dir))?;

        let start = Instant::now();
        let mut bytes = 0;
        for file in &files {
            let data = std::fs::read(&file.path)?;
            bytes += data.len();
            let value: serde_json::Value = serde_json::from_slice(&data)?;
            std::hint::black_box(value);
        }
        report(
            &name,
            "parse_floor",
            files.len(),
            0,
            start.elapsed().as_secs_f64(),
        );
        eprintln!(
            "{name}: {} files, {:.1} MB",
            files.len(),
            bytes as f64 / 1e6
        );

        let start = Instant::now();
        let (mut flows, mut quads) = (0, 0);
        for file in files.clone() {
            if let Outcome::Mapped { mapped, .. } = process(file, &read, &map) {
                flows += 1;
                quads += mapped.quads.len();
            }
        }
        report(
            &name,
            "map_1_thread",
            flows,
            quads,
            start.elapsed().as_secs_f64(),
        );

        let start = Instant::now();
        let (mut flows, mut quads) = (0, 0);
        for_each_parallel(files.clone(), &read, &map, default_workers(), |outcome| {
            if let Outcome::Mapped { mapped, .. } = outcome {
                flows += 1;
                quads += mapped.quads.len();
            }
            Ok::<_, flowkg::Error>(true)
        })?;
        report(
            &name,
            "map_parallel",
            flows,
            quads,
            start.elapsed().as_secs_f64(),
        );

        let memory_max: usize = std::env::var("FLOWKG_BENCH_MEMORY_MAX")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20_000);
        if files.len() > memory_max {
            eprintln!("{name}: load_memory skipped above {memory_max} flows");
            continue;
        }
        let start = Instant::now();
        let store = FlowStore::in_memory()?;
        let mut loader = store.loader(files.len());
        for_each_parallel(files.clone(), &read, &map, default_workers(), |outcome| {
            if let Outcome::Mapped { mapped, .. } = outcome {
                loader.add(mapped)?;
            }
            Ok::<_, flowkg::Error>(true)
        })?;
        let flows = loader.commit()?;
        report(
            &name,
            "load_memory",
            flows,
            store.len()?,
            start.elapsed().as_secs_f64(),
        );
    }
    Ok(())
}

/// Removes a generated folder at the end.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

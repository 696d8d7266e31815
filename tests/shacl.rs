//! `ontology/shapes.ttl` with the real pyshacl: every flow graph of the exported examples,
//! fixtures and corpus conforms, each on its own; every graph of `tests/shacl/xfail/` fails
//! with exactly the violation its header names (PASS / XFAIL, as UCO and CASE do).

mod common;

use common::{corpus, examples, fixture};
use flowkg::export::{QuadWriter, parse_format};
use flowkg::pipeline::{Inputs, Outcome};
use flowkg::read::discover;
use flowkg::{MapOptions, ReadOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The venv Python with pyshacl (`FLOWKG_PYTHON`, or `target/flowkg-venv`). Missing: skip
/// locally, fail in CI.
fn python() -> Option<PathBuf> {
    let python = std::env::var_os("FLOWKG_PYTHON").map_or_else(
        || root().join("target/flowkg-venv/bin/python"),
        PathBuf::from,
    );
    let ok = Command::new(&python)
        .args(["-c", "import pyshacl"])
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(python);
    }
    assert!(
        std::env::var_os("CI").is_none() && std::env::var_os("FLOWKG_REQUIRE_CORPUS").is_none(),
        "pyshacl (at {}) is required in CI",
        python.display()
    );
    eprintln!("skipped: no pyshacl at {}", python.display());
    None
}

/// Exports every flow below the paths as N-Quads; returns how many flows.
fn export(paths: &[PathBuf], out: &Path) -> usize {
    let (read, map) = (ReadOptions::new(), MapOptions::new());
    let file = std::fs::File::create(out).unwrap();
    let mut writer = QuadWriter::new(parse_format("nquads").unwrap(), file);
    let mut flows = 0;
    for outcome in Inputs::new(discover(paths).unwrap(), &read, &map) {
        match outcome {
            Outcome::Mapped { mapped, .. } => {
                writer.write_all(&mapped.quads).unwrap();
                flows += 1;
            }
            Outcome::Skipped { .. } => {}
            Outcome::Failed { path, error } => panic!("{}: {error}", path.display()),
        }
    }
    writer.finish().unwrap();
    flows
}

fn run_shacl(python: &Path, args: &[&std::ffi::OsStr]) -> (bool, String) {
    let output = Command::new(python)
        .arg(root().join("tests/shacl/run_shacl.py"))
        .arg(root().join("ontology/shapes.ttl"))
        .arg(root().join("ontology/af.ttl"))
        .args(args)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), report)
}

fn lines<'a>(report: &'a str, tag: &str) -> Vec<&'a str> {
    report
        .lines()
        .filter(|l| l.starts_with(&format!("{tag} ")))
        .collect()
}

#[test]
fn every_xfail_graph_fails_with_its_expected_violation() {
    let Some(python) = python() else { return };
    let (conform, xfail) = (
        root().join("tests/shacl/conform"),
        root().join("tests/shacl/xfail"),
    );
    let (ok, report) = run_shacl(
        &python,
        &[
            "--conform".as_ref(),
            conform.as_os_str(),
            "--xfail".as_ref(),
            xfail.as_os_str(),
        ],
    );
    eprintln!("{report}");
    assert!(ok, "{report}");
    let expected = std::fs::read_dir(&xfail).unwrap().count();
    assert!(expected >= 10);
    assert_eq!(lines(&report, "XFAIL").len(), expected);
    assert_eq!(lines(&report, "PASS").len(), 1);
}

#[test]
fn every_exported_flow_graph_conforms() {
    let Some(python) = python() else { return };
    let mut paths = vec![
        examples(),
        fixture("minimal.json"),
        fixture("minimal.afb"),
        fixture("owl-misfit.json"),
    ];
    paths.extend(corpus());
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("flows.nq");
    let flows = export(&paths, &data);
    let (ok, report) = run_shacl(&python, &["--data".as_ref(), data.as_os_str()]);
    let failures = lines(&report, "FAIL");
    assert!(ok, "{} graph(s) do not conform:\n{report}", failures.len());
    // One PASS per flow graph: every graph was validated on its own.
    assert_eq!(lines(&report, "PASS").len(), flows, "{report}");
}

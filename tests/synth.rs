//! Synthetic flows: valid under `flowkg validate`, readable by flowkg's readers in both formats,
//! shaped like the corpus (shared entities, deprecated techniques), deterministic by seed.

mod common;

use flowkg::synth::{SynthFormat, Synthesizer, write_corpus};
use flowkg::validate::{Verdict, validate_file};
use std::path::Path;

const FLOWS: u64 = 50;

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for folder in std::fs::read_dir(dir).unwrap() {
        for file in std::fs::read_dir(folder.unwrap().path()).unwrap() {
            found.push(file.unwrap().path());
        }
    }
    found.sort();
    found
}

#[test]
fn synthetic_flows_validate_load_and_share_entities() {
    let dir = tempfile::tempdir().unwrap();
    for format in [SynthFormat::Stix, SynthFormat::Afb] {
        let out = dir.path().join(format.extension());
        let bytes = write_corpus(&out, FLOWS, 7, format, &|_| {}).unwrap();
        assert!(bytes > 0);
        let written = files(&out);
        assert_eq!(written.len(), FLOWS as usize);
        for file in &written {
            let report = validate_file(file);
            assert_eq!(
                report.verdict(),
                Verdict::Ok,
                "{}: {report:?}",
                file.display()
            );
        }
        let store = common::load(std::slice::from_ref(&out));
        let flows = common::count(
            &store,
            "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { GRAPH ?f { ?f a af:Flow } }",
        );
        assert_eq!(flows, FLOWS as usize, "{format:?}");
        let actions = common::instances(&store, "af:Action");
        assert!(
            actions >= 2 * FLOWS as usize,
            "{format:?}: {actions} actions"
        );
        // Shared across flows, as in the real corpus: software, observables, asset kinds.
        for property in ["af:entity", "af:assetKind"] {
            let shared = common::count(
                &store,
                &format!(
                    "SELECT (COUNT(*) AS ?n) WHERE {{ SELECT ?e WHERE {{ GRAPH ?f {{ ?x {property} ?e }} }} \
                     GROUP BY ?e HAVING (COUNT(DISTINCT ?f) >= 2) }}"
                ),
            );
            assert!(
                shared >= 5,
                "{format:?}: {shared} {property} shared by two flows"
            );
        }
        // A few deprecated techniques, as authors still write them.
        let deprecated = common::count(
            &store,
            "SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a af:technique ?t . ?t owl:deprecated true }",
        );
        assert!(
            (1..actions / 10).contains(&deprecated),
            "{format:?}: {deprecated} of {actions} actions deprecated"
        );
    }
}

#[test]
fn the_seed_decides_every_byte() {
    let one = Synthesizer::new(3).unwrap();
    let again = Synthesizer::new(3).unwrap();
    let other = Synthesizer::new(4).unwrap();
    for index in [0, 1, 999, 123_456] {
        for format in [SynthFormat::Stix, SynthFormat::Afb] {
            let bytes = one.flow(index).to_bytes(format).unwrap();
            assert_eq!(bytes, again.flow(index).to_bytes(format).unwrap());
            assert_ne!(bytes, other.flow(index).to_bytes(format).unwrap());
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    write_corpus(&a, 20, 3, SynthFormat::Afb, &|_| {}).unwrap();
    write_corpus(&b, 20, 3, SynthFormat::Afb, &|_| {}).unwrap();
    for (x, y) in files(&a).iter().zip(files(&b)) {
        assert_eq!(std::fs::read(x).unwrap(), std::fs::read(y).unwrap());
    }
}

//! `flowkg validate`: every rule on fixtures of our own, then the verdicts of the official Attack
//! Flow validator on every STIX file of the corpus (`oracle/af-validate.md`), and the translated
//! rules on the corpus's `.afb` and legacy files.

mod common;

use common::{corpus, fixture};
use flowkg::Severity;
use flowkg::validate::{
    Checked, Report, Rule, Verdict, validate_bytes, validate_file, validate_paths,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn minimal() -> Value {
    serde_json::from_slice(&std::fs::read(fixture("minimal.json")).unwrap()).unwrap()
}

fn check(document: &Value) -> Report {
    validate_bytes("case.json", &serde_json::to_vec(document).unwrap())
}

/// The (severity, pointer, rule) of every diagnostic that is not a notice.
fn findings(report: &Report) -> Vec<(Severity, String, String)> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.severity > Severity::Notice)
        .map(|d| (d.severity, d.location.to_string(), d.rule.name()))
        .collect()
}

fn finding(severity: Severity, pointer: &str, rule: &str) -> (Severity, String, String) {
    (severity, pointer.to_owned(), rule.to_owned())
}

/// `minimal.json` with one change.
fn changed(edit: impl FnOnce(&mut Value)) -> Report {
    let mut document = minimal();
    edit(&mut document);
    check(&document)
}

fn object(document: &mut Value, index: usize) -> &mut serde_json::Map<String, Value> {
    document["objects"][index].as_object_mut().unwrap()
}

#[test]
fn the_minimal_bundle_is_ok() {
    let report = check(&minimal());
    assert_eq!(report.verdict(), Verdict::Ok, "{:?}", report.diagnostics);
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
}

#[test]
fn a_missing_required_property_is_an_error_at_its_object() {
    let report = changed(|d| {
        object(d, 2).remove("name");
    });
    assert_eq!(
        findings(&report),
        [finding(Severity::Error, "/objects/2", "schema:required")]
    );
    assert!(
        report.diagnostics[0].message.contains("\"name\""),
        "{:?}",
        report.diagnostics
    );
    assert_eq!(
        report.diagnostics[0].object.as_deref(),
        Some("attack-flow--50894353-08d1-4765-b779-ac352d2ecf4f")
    );
    assert_eq!(report.verdict(), Verdict::Fail);
}

#[test]
fn a_value_outside_an_enum_is_an_error_at_the_value() {
    let report = changed(|d| {
        object(d, 2).insert("scope".into(), json!("threat actor"));
    });
    assert_eq!(
        findings(&report),
        [finding(Severity::Error, "/objects/2/scope", "schema:enum")]
    );
}

#[test]
fn a_reference_that_is_not_a_stix_id_breaks_the_id_pattern() {
    let report = changed(|d| {
        object(d, 2).insert("start_refs".into(), json!(["T1566.001"]));
    });
    let found = findings(&report);
    assert!(
        found.contains(&finding(
            Severity::Error,
            "/objects/2/start_refs/0",
            "schema:pattern"
        )),
        "{found:?}"
    );
    assert_eq!(report.verdict(), Verdict::Fail);
}

#[test]
fn a_property_name_stix_does_not_allow_is_an_error_at_the_property() {
    // STIX allows custom properties named in lowercase letters, digits and `_`
    // (`common/properties.json`); any other name fails there, and the Attack Flow schema's
    // `unevaluatedProperties` then lists every key of the object: that follow-on is not shown.
    let report = changed(|d| {
        object(d, 3).insert("Colour".into(), json!("red"));
    });
    assert_eq!(
        findings(&report),
        [finding(
            Severity::Error,
            "/objects/3/Colour",
            "schema:additionalProperties"
        )]
    );
    assert!(
        report.diagnostics[0].message.contains("Colour"),
        "{:?}",
        report.diagnostics
    );
    let custom = changed(|d| {
        object(d, 3).insert("x_colour".into(), json!("red"));
    });
    assert_eq!(custom.verdict(), Verdict::Ok, "{:?}", custom.diagnostics);
}

#[test]
fn an_empty_list_is_reported_as_itself_not_as_every_key_unevaluated() {
    let report = changed(|d| {
        object(d, 2).insert("start_refs".into(), json!([]));
    });
    let found = findings(&report);
    assert!(
        found.contains(&finding(
            Severity::Error,
            "/objects/2/start_refs",
            "schema:minItems"
        )),
        "{found:?}"
    );
    assert_eq!(
        found.iter().filter(|f| f.0 == Severity::Error).count(),
        1,
        "{found:?}"
    );
    // Nothing reaches the actions now: they are cut off from the flow.
    assert!(
        found.contains(&finding(Severity::Warning, "/objects/3", "disconnected")),
        "{found:?}"
    );
}

#[test]
fn two_root_causes_in_one_object_are_both_reported() {
    let report = changed(|d| {
        object(d, 3).insert("effect_refs".into(), json!([]));
        object(d, 3).insert("Colour".into(), json!("red"));
    });
    let errors: Vec<_> = findings(&report)
        .into_iter()
        .filter(|f| f.0 == Severity::Error)
        .collect();
    assert_eq!(
        errors,
        [
            finding(
                Severity::Error,
                "/objects/3/Colour",
                "schema:additionalProperties"
            ),
            finding(Severity::Error, "/objects/3/effect_refs", "schema:minItems"),
        ]
    );
}

#[test]
fn a_dangling_attack_flow_reference_is_a_warning() {
    let report = changed(|d| {
        object(d, 3).insert(
            "effect_refs".into(),
            json!(["attack-action--00000000-0000-4000-8000-000000000000"]),
        );
    });
    let found = findings(&report);
    assert!(
        found.contains(&finding(
            Severity::Warning,
            "/objects/3/effect_refs/0",
            "dangling-ref"
        )),
        "{found:?}"
    );
    assert_eq!(report.verdict(), Verdict::Warnings);
}

#[test]
fn a_node_cut_off_from_the_flow_is_a_warning_except_threat_actors_and_campaigns() {
    let stamp = json!("2024-06-01T12:00:00.000Z");
    let report = changed(|d| {
        let objects = d["objects"].as_array_mut().unwrap();
        for (kind, id, extra) in [
            (
                "tool",
                "tool--11111111-1111-4111-8111-111111111111",
                json!({"name": "nmap"}),
            ),
            (
                "threat-actor",
                "threat-actor--22222222-2222-4222-8222-222222222222",
                json!({"name": "someone"}),
            ),
            (
                "campaign",
                "campaign--33333333-3333-4333-8333-333333333333",
                json!({"name": "some campaign"}),
            ),
        ] {
            let mut object = json!({"type": kind, "id": id, "spec_version": "2.1",
                "created": stamp, "modified": stamp});
            object
                .as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            objects.push(object);
        }
    });
    assert_eq!(
        findings(&report),
        [finding(Severity::Warning, "/objects/6", "disconnected")]
    );
    assert_eq!(
        report.diagnostics[0].object.as_deref(),
        Some("tool--11111111-1111-4111-8111-111111111111")
    );
}

#[test]
fn a_flow_without_description_is_a_warning() {
    let report = changed(|d| {
        object(d, 2).remove("description");
    });
    assert_eq!(
        findings(&report),
        [finding(Severity::Warning, "/objects/2", "flow-description")]
    );
    assert_eq!(report.verdict(), Verdict::Warnings);
}

#[test]
fn two_attack_flows_are_an_error() {
    let report = changed(|d| {
        let mut second = d["objects"][2].clone();
        second["id"] = json!("attack-flow--99999999-9999-4999-8999-999999999999");
        d["objects"].as_array_mut().unwrap().push(second);
    });
    assert_eq!(
        findings(&report),
        [finding(Severity::Error, "/objects/6", "single-flow")]
    );
}

#[test]
fn a_bundle_without_the_extension_definition_is_an_error() {
    let report = changed(|d| {
        d["objects"].as_array_mut().unwrap().remove(0);
    });
    let found = findings(&report);
    assert!(
        found.contains(&finding(
            Severity::Error,
            "/objects",
            "extension-definition"
        )),
        "{found:?}"
    );
    assert_eq!(report.verdict(), Verdict::Fail);
}

#[test]
fn a_bad_bundle_id_and_an_object_without_type_are_errors() {
    let report = changed(|d| {
        d["id"] = json!("report--1");
        object(d, 5).remove("type");
    });
    let found = findings(&report);
    assert!(
        found.contains(&finding(Severity::Error, "/id", "bundle-id")),
        "{found:?}"
    );
    assert!(
        found.contains(&finding(Severity::Error, "/objects/5", "bundle-objects")),
        "{found:?}"
    );
}

#[test]
fn an_id_that_does_not_start_with_its_type_is_an_error() {
    let report = changed(|d| {
        object(d, 5).insert(
            "id".into(),
            json!("attack-action--3660181f-18f5-431e-8f2d-4004d60d0d2e"),
        );
        object(d, 4).insert(
            "asset_refs".into(),
            json!(["attack-action--3660181f-18f5-431e-8f2d-4004d60d0d2e"]),
        );
    });
    let found = findings(&report);
    assert!(
        found.contains(&finding(Severity::Error, "/objects/5/id", "id-prefix")),
        "{found:?}"
    );
}

#[test]
fn a_type_without_schema_is_a_warning_as_in_the_official_validator() {
    let report = changed(|d| {
        d["objects"].as_array_mut().unwrap().push(json!({
            "type": "x-custom-thing", "id": "x-custom-thing--44444444-4444-4444-8444-444444444444",
            "created_by_ref": "identity--fb9c968a-745b-4ade-9b25-c324172197f4"
        }));
    });
    let found = findings(&report);
    assert!(
        found.contains(&finding(
            Severity::Warning,
            "/objects/6/type",
            "unknown-type"
        )),
        "{found:?}"
    );
}

#[test]
fn a_standard_object_is_checked_against_its_oasis_schema() {
    let report = changed(|d| {
        object(d, 5).insert(
            "object_ref".into(),
            json!("file--55555555-5555-4555-8555-555555555555"),
        );
        d["objects"].as_array_mut().unwrap().push(json!({
            "type": "file", "id": "file--55555555-5555-4555-8555-555555555555",
            "spec_version": "2.1", "name": "a.exe", "size": "1.8 MB",
            "hashes": "MD5 0123"
        }));
    });
    let found = findings(&report);
    assert!(
        found.contains(&finding(Severity::Error, "/objects/6/size", "schema:type")),
        "{found:?}"
    );
    assert!(
        found.contains(&finding(
            Severity::Error,
            "/objects/6/hashes",
            "schema:type"
        )),
        "{found:?}"
    );
}

#[test]
fn an_any_of_of_required_properties_names_them_all() {
    let report = changed(|d| {
        object(d, 5).insert(
            "object_ref".into(),
            json!("network-traffic--66666666-6666-4666-8666-666666666666"),
        );
        d["objects"].as_array_mut().unwrap().push(json!({
            "type": "network-traffic", "id": "network-traffic--66666666-6666-4666-8666-666666666666",
            "spec_version": "2.1", "protocols": ["rdp"]
        }));
    });
    assert_eq!(
        findings(&report),
        [finding(Severity::Error, "/objects/6", "schema:required")]
    );
    let message = &report.diagnostics[0].message;
    assert!(
        message.contains("\"src_ref\"") && message.contains("\"dst_ref\""),
        "{message}"
    );
}

#[test]
fn unreadable_input_is_one_read_error_with_its_location() {
    let truncated = validate_file(&fixture("truncated.json"));
    assert_eq!(truncated.verdict(), Verdict::Fail);
    assert_eq!(truncated.diagnostics.len(), 1);
    assert_eq!(truncated.diagnostics[0].rule, Rule::Read);
    assert!(truncated.diagnostics[0].location.to_string().contains(':'));
    let binary = validate_bytes("b.json", b"{\"a\": \"\xff\"}");
    assert_eq!(binary.diagnostics[0].rule, Rule::Read);
    assert!(
        binary.diagnostics[0].message.contains("UTF-8"),
        "{:?}",
        binary.diagnostics
    );
    let empty = validate_bytes("e.json", b"");
    assert_eq!(empty.verdict(), Verdict::Fail);
}

#[test]
fn afb_files_are_checked_as_the_bundle_the_builder_would_export() {
    let ok = validate_file(&fixture("minimal.afb"));
    assert_eq!(ok.verdict(), Verdict::Ok, "{:?}", ok.diagnostics);
    let mut afb: Value =
        serde_json::from_slice(&std::fs::read(fixture("minimal.afb")).unwrap()).unwrap();
    // The flow's properties: [name, description, author, scope, ...].
    afb["objects"][0]["properties"][3][1] = json!("threat actor");
    afb["objects"][0]["properties"][1][1] = Value::Null;
    let report = validate_bytes("case.afb", &serde_json::to_vec(&afb).unwrap());
    let found = findings(&report);
    assert!(
        found.contains(&finding(
            Severity::Error,
            "/objects/0/properties/3/1",
            "schema:enum"
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&finding(
            Severity::Warning,
            "/objects/0",
            "flow-description"
        )),
        "{found:?}"
    );
}

#[test]
fn afb_values_are_checked_as_the_builder_publishes_them() {
    let mut afb: Value =
        serde_json::from_slice(&std::fs::read(fixture("minimal.afb")).unwrap()).unwrap();
    // The first action's properties: [..., confidence (6), ...]; the flow's created (5).
    afb["objects"][1]["properties"][6][1] = json!("certain");
    afb["objects"][0]["properties"][5][1] = json!("2024-06-01T08:00:00.000-04:00");
    let published = validate_bytes("ok.afb", &serde_json::to_vec(&afb).unwrap());
    assert_eq!(
        published.verdict(),
        Verdict::Ok,
        "{:?}",
        published.diagnostics
    );
    afb["objects"][1]["properties"][6][1] = json!("pretty sure");
    let report = validate_bytes("bad.afb", &serde_json::to_vec(&afb).unwrap());
    assert_eq!(
        findings(&report),
        [finding(
            Severity::Error,
            "/objects/1/properties/6/1",
            "schema:type"
        )]
    );
}

#[test]
fn an_afb_file_with_two_flows_breaks_the_single_flow_rule() {
    let mut afb: Value =
        serde_json::from_slice(&std::fs::read(fixture("minimal.afb")).unwrap()).unwrap();
    let mut second = afb["objects"][0].clone();
    second["instance"] = json!("second-flow");
    afb["objects"].as_array_mut().unwrap().push(second);
    let report = validate_bytes("two.afb", &serde_json::to_vec(&afb).unwrap());
    assert_eq!(findings(&report).len(), 1, "{:?}", report.diagnostics);
    assert_eq!(report.diagnostics[0].rule, Rule::SingleFlow);
}

fn legacy_minimal() -> Value {
    serde_json::from_slice(&std::fs::read(fixture("validate/legacy-minimal.json")).unwrap())
        .unwrap()
}

#[test]
fn legacy_files_follow_the_2022_schema_and_rules() {
    assert_eq!(check(&legacy_minimal()).verdict(), Verdict::Ok);
    let mut document = legacy_minimal();
    document["actions"][0]["timestamp"] = json!("");
    document["relationships"][1]["target"] = json!("http://flow-1/asset-9");
    document["flow"]
        .as_object_mut()
        .unwrap()
        .remove("description");
    let report = check(&document);
    let found = findings(&report);
    assert!(
        found.contains(&finding(
            Severity::Error,
            "/actions/0/timestamp",
            "schema:format"
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&finding(
            Severity::Error,
            "/relationships/1",
            "dangling-ref"
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&finding(Severity::Warning, "/flow", "flow-description")),
        "{found:?}"
    );
    // The asset lost its only relationship: nothing joins it to the flow now.
    assert!(
        found.contains(&finding(Severity::Warning, "/assets/0", "disconnected")),
        "{found:?}"
    );
}

fn flowkg(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_flowkg"))
        .args(args)
        .output()
        .expect("flowkg runs")
}

#[test]
fn the_command_groups_per_file_and_exits_1_on_errors_only() {
    let ok = flowkg(&["validate", fixture("minimal.json").to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stdout).ends_with("minimal.json: OK\n"));

    let dir = tempfile::tempdir().unwrap();
    let mut no_description = minimal();
    object(&mut no_description, 2).remove("description");
    let warned = dir.path().join("warned.json");
    std::fs::write(&warned, serde_json::to_vec(&no_description).unwrap()).unwrap();
    let out = flowkg(&["validate", warned.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "warnings alone do not fail");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(text.contains("warned.json: OK with 1 warning\n"), "{text}");
    assert!(
        text.contains("  warning /objects/2 flow-description: "),
        "{text}"
    );

    let out = flowkg(&[
        "validate",
        warned.to_str().unwrap(),
        fixture("duplicate-ids.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("duplicate-ids.json: FAIL (1 error)\n"),
        "{text}"
    );
    assert!(
        text.contains("  error /objects/4/id duplicate-id: "),
        "{text}"
    );
}

#[test]
fn the_json_output_has_the_documented_shape() {
    let out = flowkg(&[
        "validate",
        "--format",
        "json",
        fixture("minimal.json").to_str().unwrap(),
        fixture("truncated.json").to_str().unwrap(),
        fixture("duplicate-ids.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let reports: Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = reports.as_array().unwrap();
    assert_eq!(reports.len(), 3);
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    for report in reports {
        assert_eq!(
            keys(report),
            [
                "file",
                "format",
                "verdict",
                "errors",
                "warnings",
                "diagnostics"
            ]
        );
        for diagnostic in report["diagnostics"].as_array().unwrap() {
            assert_eq!(
                keys(diagnostic),
                [
                    "severity", "rule", "pointer", "line", "column", "object", "message"
                ]
            );
        }
    }
    assert_eq!(reports[0]["verdict"], "ok");
    assert_eq!(reports[0]["format"], "stix");
    assert_eq!(reports[1]["verdict"], "fail");
    assert_eq!(reports[1]["format"], Value::Null);
    assert_eq!(reports[1]["diagnostics"][0]["rule"], "read");
    assert!(reports[1]["diagnostics"][0]["line"].is_u64());
    assert_eq!(reports[2]["errors"], 1);
    assert_eq!(reports[2]["diagnostics"][0]["pointer"], "/objects/4/id");
    assert_eq!(reports[2]["diagnostics"][0]["severity"], "error");
    assert_eq!(reports[2]["diagnostics"][0]["rule"], "duplicate-id");
}

#[test]
fn non_flow_files_inside_a_folder_are_skipped() {
    let checked = validate_paths(&[fixture("")]).unwrap();
    assert!(
        checked.iter().any(
            |c| matches!(c, Checked::Skipped { path, .. } if path.ends_with("not-a-flow.json"))
        )
    );
    assert!(
        checked
            .iter()
            .any(|c| matches!(c, Checked::Report(r) if r.source.ends_with("truncated.json")))
    );
}

// ---------------------------------------------------------------------------------------------
// The corpus: the official validator's verdicts (oracle/af-validate.md) on every STIX file.

/// What the oracle says of each file, keyed `set/file.json`.
#[derive(Default)]
struct Oracle {
    verdicts: BTreeMap<String, Verdict>,
    /// The nodes the official validator reports "not connected to the main flow".
    disconnected: BTreeMap<String, BTreeSet<String>>,
    /// The objects for which it reports the `unevaluatedProperties` follow-on error.
    unevaluated: BTreeMap<String, BTreeSet<String>>,
}

fn oracle(corpus: &Path) -> Oracle {
    let text = std::fs::read_to_string(corpus.join("oracle/af-validate.md")).unwrap();
    let mut oracle = Oracle::default();
    let (mut set, mut file) = (String::new(), String::new());
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("### `") {
            set = rest.split('`').next().unwrap().to_owned();
        } else if let Some(rest) = line.strip_prefix("**").filter(|_| line.contains("** — ")) {
            file = format!("{set}{}", rest.split("**").next().unwrap());
        } else if line.starts_with("| ") && !set.is_empty() {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() > 3 && cells[1].ends_with(".json") {
                let verdict = match cells[2] {
                    "OK" => Verdict::Ok,
                    "FAIL" => Verdict::Fail,
                    v if v.starts_with("OK (with warnings)") => Verdict::Warnings,
                    other => panic!("unknown verdict {other:?}"),
                };
                oracle
                    .verdicts
                    .insert(format!("{set}{}", cells[1]), verdict);
            }
        } else if let Some(rest) = line.strip_prefix(" - [warning] Node id=") {
            if let Some(id) = rest.strip_suffix(" is not connected to the main flow.") {
                oracle
                    .disconnected
                    .entry(file.clone())
                    .or_default()
                    .insert(id.to_owned());
            }
        } else if let Some(rest) = line.strip_prefix(" - [error] Object id=") {
            if let Some((id, _)) = rest.split_once(": Unevaluated properties are not allowed") {
                oracle
                    .unevaluated
                    .entry(file.clone())
                    .or_default()
                    .insert(id.to_owned());
            }
        }
    }
    oracle
}

/// Every `.json` file below the folder, keyed `set/file.json` relative to it.
fn stix_files(root: &Path) -> BTreeMap<String, PathBuf> {
    let mut found = BTreeMap::new();
    for set in std::fs::read_dir(root).unwrap() {
        let set = set.unwrap().path();
        if !set.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&set).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_some_and(|e| e == "json") {
                let key = format!(
                    "{}/{}",
                    set.file_name().unwrap().to_string_lossy(),
                    file.file_name().unwrap().to_string_lossy()
                );
                found.insert(key, file);
            }
        }
    }
    found
}

#[test]
fn verdicts_match_the_official_validator_on_every_stix_file_of_the_corpus() {
    let Some(corpus) = corpus() else { return };
    let oracle = oracle(&corpus);
    let files = stix_files(&corpus.join("attack-flow-v2"));
    assert_eq!(
        files.len(),
        74,
        "40 Builder exports, 24 + 5 older bundles, 5 fixtures"
    );
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        oracle.verdicts.keys().collect::<Vec<_>>(),
        "the oracle names every STIX file"
    );
    let mut mismatches = Vec::new();
    let mut tally: BTreeMap<Verdict, usize> = BTreeMap::new();
    for (key, path) in &files {
        let report = validate_file(path);
        *tally.entry(report.verdict()).or_default() += 1;
        if report.verdict() != oracle.verdicts[key] {
            mismatches.push(format!(
                "{key}: ours {:?}, official {:?}: {:?}",
                report.verdict(),
                oracle.verdicts[key],
                report.diagnostics
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    assert_eq!(tally.get(&Verdict::Ok), Some(&60));
    assert_eq!(tally.get(&Verdict::Warnings), Some(&1));
    assert_eq!(tally.get(&Verdict::Fail), Some(&13));
}

#[test]
fn disconnected_nodes_are_the_ones_the_official_validator_names() {
    let Some(corpus) = corpus() else { return };
    let oracle = oracle(&corpus);
    assert!(
        oracle.disconnected.len() >= 3,
        "{:?}",
        oracle.disconnected.keys()
    );
    for (key, expected) in &oracle.disconnected {
        let report = validate_file(&corpus.join("attack-flow-v2").join(key));
        let ours: BTreeSet<String> = report
            .diagnostics
            .iter()
            .filter(|d| d.rule == Rule::Disconnected)
            .filter_map(|d| d.object.clone())
            .collect();
        assert_eq!(&ours, expected, "{key}");
    }
}

#[test]
fn follow_on_unevaluated_errors_are_reported_as_their_root_cause() {
    let Some(corpus) = corpus() else { return };
    let oracle = oracle(&corpus);
    assert!(
        oracle.unevaluated.len() >= 5,
        "{:?}",
        oracle.unevaluated.keys()
    );
    for (key, objects) in &oracle.unevaluated {
        let report = validate_file(&corpus.join("attack-flow-v2").join(key));
        for id in objects {
            let about: Vec<_> = report
                .diagnostics
                .iter()
                .filter(|d| {
                    d.object.as_deref() == Some(id.as_str()) && d.severity == Severity::Error
                })
                .collect();
            assert!(
                about
                    .iter()
                    .all(|d| d.rule != Rule::Schema("unevaluatedProperties".into())),
                "{key}: {about:?}"
            );
            assert!(
                about
                    .iter()
                    .any(|d| d.rule == Rule::Schema("minItems".into())
                        && d.location.to_string().ends_with("_refs")),
                "{key}: the empty list is named: {about:?}"
            );
        }
    }
}

#[test]
fn every_afb_file_of_the_corpus_validates_like_its_builder_export() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("attack-flow-v2/afb");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let report = validate_file(&path);
        // The Builder's export of every file validates OK with no warning (the oracle).
        assert_eq!(
            report.verdict(),
            Verdict::Ok,
            "{}: {:?}",
            path.display(),
            report.diagnostics
        );
        checked += 1;
    }
    assert_eq!(checked, 40);
}

#[test]
fn the_legacy_corpus_passes_its_schema_but_for_the_draft_with_empty_timestamps() {
    let Some(corpus) = corpus() else { return };
    let mut failed = Vec::new();
    let mut checked = 0;
    for checked_file in validate_paths(&[corpus.join("legacy-2022")]).unwrap() {
        let Checked::Report(report) = checked_file else {
            continue;
        };
        checked += 1;
        if report.verdict() == Verdict::Fail {
            let rules: BTreeSet<String> = report
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .map(|d| {
                    format!(
                        "{} {}",
                        d.rule,
                        d.location.to_string().rsplit('/').next().unwrap()
                    )
                })
                .collect();
            failed.push((report.source.rsplit('/').next().unwrap().to_owned(), rules));
        }
    }
    assert_eq!(checked, 26, "20 + 5 flows, and the schema's example");
    // SOURCE.txt: "All files except attack_flow_2022-05-17_18-55-43.json validate against schema/
    // attack-flow-2022-01-05-draft.json" (its timestamps are empty strings).
    assert_eq!(
        failed,
        [(
            "attack_flow_2022-05-17_18-55-43.json".to_owned(),
            BTreeSet::from(["schema:format timestamp".to_owned()])
        )]
    );
}

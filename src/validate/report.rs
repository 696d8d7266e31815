//! Writing validation reports: grouped per file for people, one JSON array for machines (its
//! shape is documented in the README and kept stable).

use super::{Report, ValidationDiagnostic, Verdict};
use crate::error::{Location, Severity};
use serde_json::{Value, json};
use std::io::Write;

/// Writes each file's verdict line (`file: OK`, `file: OK with 2 warnings`, `file: FAIL (3
/// errors, 1 warning)`), then one indented line per diagnostic: `severity pointer rule: message`.
pub fn write_human(reports: &[Report], out: &mut impl Write) -> std::io::Result<()> {
    for report in reports {
        writeln!(out, "{}: {}", report.source, verdict_line(report))?;
        for diagnostic in &report.diagnostics {
            writeln!(out, "  {diagnostic}")?;
        }
    }
    Ok(())
}

fn verdict_line(report: &Report) -> String {
    let (errors, warnings) = (
        report.count(Severity::Error),
        report.count(Severity::Warning),
    );
    match report.verdict() {
        Verdict::Ok => "OK".into(),
        Verdict::Warnings => format!("OK with {}", plural(warnings, "warning")),
        Verdict::Fail if warnings == 0 => format!("FAIL ({})", plural(errors, "error")),
        Verdict::Fail => format!(
            "FAIL ({}, {})",
            plural(errors, "error"),
            plural(warnings, "warning")
        ),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The reports as a JSON array, one object per file:
/// `{"file", "format", "verdict", "errors", "warnings", "diagnostics": [{"severity", "rule",
/// "pointer", "line", "column", "object", "message"}]}`.
#[must_use]
pub fn to_json(reports: &[Report]) -> Value {
    Value::Array(reports.iter().map(report_json).collect())
}

fn report_json(report: &Report) -> Value {
    json!({
        "file": report.source,
        "format": report.format.map(|f| f.as_str()),
        "verdict": report.verdict().as_str(),
        "errors": report.count(Severity::Error),
        "warnings": report.count(Severity::Warning),
        "diagnostics": report.diagnostics.iter().map(diagnostic_json).collect::<Vec<_>>(),
    })
}

fn diagnostic_json(diagnostic: &ValidationDiagnostic) -> Value {
    let (pointer, line, column) = match &diagnostic.location {
        Location::File => (None, None, None),
        Location::Pointer(pointer) => (Some(pointer.as_str()), None, None),
        Location::LineColumn { line, column } => (None, Some(*line), Some(*column)),
    };
    json!({
        "severity": diagnostic.severity.to_string(),
        "rule": diagnostic.rule.name(),
        "pointer": pointer,
        "line": line,
        "column": column,
        "object": diagnostic.object,
        "message": diagnostic.message,
    })
}

//! Resolution reports: every decision as CSV, JSON or Turtle, and the nodes left unmatched.

use super::Decision;
use crate::model::{Flow, Object, ObjectKind};
use std::io::{self, Write};

/// The decisions for one source file.
pub struct SourceDecisions<'a> {
    pub source: &'a str,
    pub decisions: &'a [Decision],
}

/// Writes `source,node,shared_iri,relation,rule,confidence`.
pub fn write_csv(out: &mut dyn Write, sources: &[SourceDecisions<'_>]) -> io::Result<()> {
    writeln!(out, "source,node,shared_iri,relation,rule,confidence")?;
    for source in sources {
        for d in source.decisions {
            writeln!(
                out,
                "{},{},{},{},{},{:.2}",
                csv_field(source.source),
                csv_field(&d.node),
                csv_field(&d.shared_iri),
                d.relation,
                d.rule,
                d.confidence
            )?;
        }
    }
    Ok(())
}

/// Writes a JSON array of decisions, each with its source.
pub fn write_json(out: &mut dyn Write, sources: &[SourceDecisions<'_>]) -> io::Result<()> {
    let rows: Vec<serde_json::Value> = sources
        .iter()
        .flat_map(|s| {
            s.decisions.iter().map(|d| {
                serde_json::json!({
                    "source": s.source,
                    "node": d.node,
                    "shared_iri": d.shared_iri,
                    "relation": d.relation.as_str(),
                    "rule": d.rule,
                    "confidence": (f64::from(d.confidence) * 100.0).round() / 100.0,
                })
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &rows)?;
    writeln!(out)
}

/// Kinds of node that resolution is meant to link: everything but the flow's own structure
/// (actions, operators, relationships, statements) and bookkeeping objects.
#[must_use]
pub fn is_resolvable(object: &Object) -> bool {
    match object.kind {
        ObjectKind::Asset | ObjectKind::Condition => true,
        ObjectKind::Other => !matches!(
            object.stix_type.as_str(),
            "note"
                | "identity"
                | "extension-definition"
                | "marking-definition"
                | "language-content"
                | "grouping"
                | "report"
                | "opinion"
                | "observed-data"
        ),
        _ => false,
    }
}

/// Writes `source,node,type,name` for every resolvable node that no decision covers.
pub fn write_unmatched(out: &mut dyn Write, flows: &[(&Flow, &[Decision])]) -> io::Result<()> {
    writeln!(out, "source,node,type,name")?;
    for (flow, decisions) in flows {
        for object in flow.objects.iter().filter(|o| is_resolvable(o)) {
            if decisions.iter().any(|d| d.node == object.id) {
                continue;
            }
            let name = object
                .str("name")
                .or_else(|| object.str("description"))
                .unwrap_or_default();
            writeln!(
                out,
                "{},{},{},{}",
                csv_field(&flow.source.name),
                csv_field(&object.id),
                csv_field(&object.stix_type),
                csv_field(name)
            )?;
        }
    }
    Ok(())
}

/// RFC 4180: quote a field holding a comma, quote or line break; double its quotes.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

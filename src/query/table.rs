//! SELECT results as an aligned text table, with prefixes applied to IRIs.

use crate::vocab::PREFIXES;
use oxigraph::model::Term;
use oxigraph::sparql::{QuerySolution, Variable};
use std::io::{self, Write};

pub(super) fn write(
    variables: &[Variable],
    rows: &[QuerySolution],
    out: &mut dyn Write,
) -> io::Result<()> {
    let header: Vec<String> = variables.iter().map(|v| v.as_str().to_owned()).collect();
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.values()
                .iter()
                .map(|v| v.as_ref().map(short).unwrap_or_default())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |out: &mut dyn Write, values: &[String]| -> io::Result<()> {
        let padded: Vec<String> = values
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect();
        writeln!(out, "{}", padded.join(" | ").trim_end())
    };
    line(out, &header)?;
    writeln!(
        out,
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-+-")
    )?;
    for row in &cells {
        line(out, row)?;
    }
    writeln!(
        out,
        "({} row{})",
        cells.len(),
        if cells.len() == 1 { "" } else { "s" }
    )
}

/// A term as people read it: prefixed names for known namespaces, plain literal values.
fn short(term: &Term) -> String {
    match term {
        Term::NamedNode(n) => PREFIXES
            .iter()
            .find_map(|(prefix, ns)| {
                n.as_str()
                    .strip_prefix(ns)
                    .map(|local| format!("{prefix}:{local}"))
            })
            .unwrap_or_else(|| n.as_str().to_owned()),
        Term::Literal(l) => l.value().replace('\n', " "),
        other => other.to_string(),
    }
}

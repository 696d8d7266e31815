//! [`Picture`] → Graphviz DOT, and DOT → SVG through Graphviz's `dot`.

use super::{EdgeKind, Node, NodeKind, Picture, wrap};
use crate::{Error, Result};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

/// Characters per label line.
const WIDTH: usize = 30;

/// A DOT quoted string: backslashes and quotes escaped; lines joined with DOT's centred
/// line break `\n`. Graphviz reads the UTF-8 text as is.
#[must_use]
pub fn quote(lines: &[String]) -> String {
    let mut out = String::from("\"");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("\\n");
        }
        for c in line.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => out.push(' '),
                c => out.push(c),
            }
        }
    }
    out.push('"');
    out
}

/// The lines of a node's label: its title, then its text wrapped.
fn label_lines(node: &Node) -> Vec<String> {
    let mut lines = Vec::new();
    if !node.title.is_empty() {
        lines.extend(wrap(&node.title, WIDTH + 6, 1));
    }
    let max = match node.kind {
        NodeKind::Condition => 6,
        _ => 4,
    };
    lines.extend(wrap(&node.text, WIDTH, max));
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

fn style(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Action => {
            r##"shape=box, style="rounded,filled", fillcolor="#dce5f8", color="#3f5fbf", penwidth=1.5"##
        }
        NodeKind::Asset => {
            r##"shape=box, style="filled", fillcolor="#fbe3cf", color="#c26130", penwidth=1.5"##
        }
        NodeKind::Condition => {
            r##"shape=hexagon, style="filled", fillcolor="#d9f0dc", color="#2a8a3e", penwidth=1.5"##
        }
        NodeKind::Operator => {
            r##"shape=circle, style="filled", fillcolor="#f3e1fa", color="#8e44ad", penwidth=1.5, fixedsize=true, width=0.6, fontsize=12, fontname="Helvetica-Bold""##
        }
        NodeKind::Other => {
            r##"shape=box, style="filled,dashed", fillcolor="#f2f2f2", color="#6e6e6e""##
        }
        NodeKind::Shared => {
            r##"shape=box, style="rounded,filled,bold", fillcolor="#fff2a8", color="#c79a00", penwidth=3, peripheries=2"##
        }
    }
}

fn edge_style(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Effect => r##"color="#404040""##,
        EdgeKind::OnTrue => r##"color="#2a8a3e", fontcolor="#2a8a3e", penwidth=1.5"##,
        EdgeKind::OnFalse => r##"color="#c0392b", fontcolor="#c0392b", penwidth=1.5"##,
        EdgeKind::Asset => r##"color="#c26130""##,
        EdgeKind::Reference => r##"color="#8a8a8a", fontcolor="#6e6e6e", style=dashed"##,
        EdgeKind::Shared => {
            r##"color="#c79a00", style="dashed", penwidth=2.5, arrowhead=none, weight=0"##
        }
    }
}

fn write_node(out: &mut String, node: &Node, indent: &str) {
    let _ = writeln!(
        out,
        "{indent}{} [label={}, {}];",
        node.id,
        quote(&label_lines(node)),
        style(node.kind)
    );
}

/// The picture as a DOT digraph: one `cluster_` subgraph per flow when there are several,
/// shared entities outside the clusters.
#[must_use]
pub fn write(picture: &Picture) -> String {
    let mut out = String::from("digraph flow {\n");
    let _ = writeln!(
        out,
        "  graph [label={}, labelloc=t, fontsize=20, fontname=\"Helvetica-Bold\", rankdir=TB, nodesep=0.35, ranksep=0.45, newrank=true];",
        quote(&wrap(&picture.title, 80, 2))
    );
    out.push_str("  node [fontname=\"Helvetica\", fontsize=11, margin=\"0.14,0.06\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10, arrowsize=0.7];\n");
    let clustered = picture.clusters.len() > 1;
    for (i, cluster) in picture.clusters.iter().enumerate() {
        // Shared entities go between the first flow and the others.
        if i == 1 && !picture.shared.is_empty() {
            out.push_str("  subgraph cluster_shared {\n");
            out.push_str("    graph [label=\"shared\", fontsize=14, fontcolor=\"#8a6a00\", style=\"rounded,dashed\", color=\"#c79a00\"];\n");
            for node in &picture.shared {
                write_node(&mut out, node, "    ");
            }
            out.push_str("  }\n");
        }
        if clustered {
            let _ = writeln!(out, "  subgraph cluster_{i} {{");
            let _ = writeln!(
                out,
                "    graph [label={}, fontsize=16, style=\"rounded\", color=\"#9aa5b8\", bgcolor=\"#fafbfd\"];",
                quote(&wrap(&cluster.name, 60, 2))
            );
            for node in &cluster.nodes {
                write_node(&mut out, node, "    ");
            }
            out.push_str("  }\n");
        } else {
            for node in &cluster.nodes {
                write_node(&mut out, node, "  ");
            }
        }
    }
    if picture.clusters.len() < 2 {
        for node in &picture.shared {
            write_node(&mut out, node, "  ");
        }
    }
    for edge in &picture.edges {
        let _ = write!(
            out,
            "  {} -> {} [{}",
            edge.from,
            edge.to,
            edge_style(edge.kind)
        );
        if let Some(label) = &edge.label {
            let _ = write!(out, ", label={}", quote(&wrap(label, WIDTH, 1)));
        }
        out.push_str("];\n");
    }
    out.push_str("}\n");
    out
}

/// Lays DOT text out with Graphviz's `dot` (`FLOWKG_DOT` or `dot` on the path) and returns
/// the SVG.
pub fn svg(dot: &str) -> Result<String> {
    let program = std::env::var_os("FLOWKG_DOT").unwrap_or_else(|| "dot".into());
    let mut child = Command::new(&program)
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            Error::Render(format!(
                "SVG needs Graphviz's `dot` ({}: {e}); install graphviz, or write --format dot",
                program.to_string_lossy()
            ))
        })?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| Error::Render("dot: no standard input".into()))?;
    let text = dot.to_owned();
    // Write from another thread: dot may fill its output pipe before reading all its input.
    let writer = std::thread::spawn(move || stdin.write_all(text.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|e| Error::Render(format!("dot: {e}")))?;
    let written = writer
        .join()
        .map_err(|_| Error::Render("dot: writing its input failed".into()))?;
    if !output.status.success() {
        return Err(Error::Render(format!(
            "dot failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    written.map_err(|e| Error::Render(format!("dot: writing its input: {e}")))?;
    String::from_utf8(output.stdout).map_err(|e| Error::Render(format!("dot: {e}")))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_escape_what_dot_reads_specially() {
        let lines = vec!["say \"hi\" \\ <b>".to_owned(), "#1 ✓".to_owned()];
        assert_eq!(quote(&lines), r#""say \"hi\" \\ <b>\n#1 ✓""#);
    }
}

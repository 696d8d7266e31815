//! [`Picture`] → Mermaid flowchart text.

use super::{EdgeKind, Node, NodeKind, Picture, wrap};
use std::fmt::Write as _;

/// Characters per label line.
const WIDTH: usize = 30;

/// Label text for a Mermaid quoted label: every character Mermaid or HTML reads specially
/// becomes an entity code (`#quot;`, `#35;` ...); lines are joined with `<br>`.
#[must_use]
pub fn escape(lines: &[String]) -> String {
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        for c in line.chars() {
            match c {
                '"' => out.push_str("#quot;"),
                '#' => out.push_str("#35;"),
                '<' => out.push_str("#lt;"),
                '>' => out.push_str("#gt;"),
                '&' => out.push_str("#amp;"),
                '`' => out.push_str("#96;"),
                '%' => out.push_str("#37;"),
                c if c.is_control() => out.push(' '),
                c => out.push(c),
            }
        }
    }
    out
}

fn label_lines(node: &Node) -> Vec<String> {
    let mut lines = Vec::new();
    if !node.title.is_empty() {
        lines.extend(wrap(&node.title, WIDTH + 6, 1));
    }
    let max = if node.kind == NodeKind::Condition {
        6
    } else {
        4
    };
    lines.extend(wrap(&node.text, WIDTH, max));
    if lines.is_empty() {
        lines.push(" ".to_owned());
    }
    lines
}

/// The node with its shape: actions rounded boxes, assets boxes, conditions hexagons,
/// operators circles, other objects parallelograms, shared entities subroutine boxes.
fn write_node(out: &mut String, node: &Node, indent: &str) {
    let label = escape(&label_lines(node));
    let (open, close) = match node.kind {
        NodeKind::Action => ("(\"", "\")"),
        NodeKind::Asset => ("[\"", "\"]"),
        NodeKind::Condition => ("{{\"", "\"}}"),
        NodeKind::Operator => ("((\"", "\"))"),
        NodeKind::Other => ("[/\"", "\"/]"),
        NodeKind::Shared => ("[[\"", "\"]]"),
    };
    let _ = writeln!(out, "{indent}{}{open}{label}{close}", node.id);
}

fn class(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Action => "action",
        NodeKind::Asset => "asset",
        NodeKind::Condition => "condition",
        NodeKind::Operator => "operator",
        NodeKind::Other => "other",
        NodeKind::Shared => "shared",
    }
}

/// The picture as a Mermaid flowchart: one subgraph per flow when there are several, shared
/// entities outside them, the true / false branches labelled and coloured.
#[must_use]
pub fn write(picture: &Picture) -> String {
    let mut out = String::new();
    let title: String = picture
        .title
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let _ = writeln!(out, "%% {title}");
    out.push_str("flowchart TB\n");
    out.push_str(concat!(
        "  classDef action fill:#dce5f8,stroke:#3f5fbf,stroke-width:1.5px,color:#111\n",
        "  classDef asset fill:#fbe3cf,stroke:#c26130,stroke-width:1.5px,color:#111\n",
        "  classDef condition fill:#d9f0dc,stroke:#2a8a3e,stroke-width:1.5px,color:#111\n",
        "  classDef operator fill:#f3e1fa,stroke:#8e44ad,stroke-width:1.5px,color:#111,font-weight:bold\n",
        "  classDef other fill:#f2f2f2,stroke:#6e6e6e,stroke-dasharray:4 3,color:#111\n",
        "  classDef shared fill:#fff2a8,stroke:#c79a00,stroke-width:3px,color:#111\n",
    ));
    let clustered = picture.clusters.len() > 1;
    for (i, cluster) in picture.clusters.iter().enumerate() {
        if clustered {
            let _ = writeln!(
                out,
                "  subgraph c{i}[\"{}\"]",
                escape(&wrap(&cluster.name, 60, 2))
            );
            for node in &cluster.nodes {
                write_node(&mut out, node, "    ");
            }
            out.push_str("  end\n");
        } else {
            for node in &cluster.nodes {
                write_node(&mut out, node, "  ");
            }
        }
    }
    for node in &picture.shared {
        write_node(&mut out, node, "  ");
    }
    let mut styles: Vec<(usize, &str)> = Vec::new();
    for (index, edge) in picture.edges.iter().enumerate() {
        let arrow = match edge.kind {
            EdgeKind::Reference => "-.->",
            EdgeKind::Shared => "-.-",
            _ => "-->",
        };
        match &edge.label {
            Some(label) => {
                let _ = writeln!(
                    out,
                    "  {} {arrow}|\"{}\"| {}",
                    edge.from,
                    escape(&wrap(label, WIDTH, 1)),
                    edge.to
                );
            }
            None => {
                let _ = writeln!(out, "  {} {arrow} {}", edge.from, edge.to);
            }
        }
        match edge.kind {
            EdgeKind::OnTrue => styles.push((index, "stroke:#2a8a3e,stroke-width:2px")),
            EdgeKind::OnFalse => styles.push((index, "stroke:#c0392b,stroke-width:2px")),
            EdgeKind::Asset => styles.push((index, "stroke:#c26130")),
            EdgeKind::Shared => {
                styles.push((
                    index,
                    "stroke:#c79a00,stroke-width:3px,stroke-dasharray:6 4",
                ));
            }
            EdgeKind::Effect | EdgeKind::Reference => {}
        }
    }
    for (index, style) in styles {
        let _ = writeln!(out, "  linkStyle {index} {style}");
    }
    for kind in [
        NodeKind::Action,
        NodeKind::Asset,
        NodeKind::Condition,
        NodeKind::Operator,
        NodeKind::Other,
        NodeKind::Shared,
    ] {
        let ids: Vec<&str> = picture
            .nodes()
            .filter(|n| n.kind == kind)
            .map(|n| n.id.as_str())
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "  class {} {}", ids.join(","), class(kind));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_what_mermaid_reads_specially() {
        let lines = vec!["a \"b\" <c> #d & `e` 50%".to_owned(), "ünï ✓".to_owned()];
        assert_eq!(
            escape(&lines),
            "a #quot;b#quot; #lt;c#gt; #35;d #amp; #96;e#96; 50#37;<br>ünï ✓"
        );
    }
}

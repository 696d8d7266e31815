//! Pictures of flows in the Attack Flow visual language, drawn from the RDF graph: one flow,
//! several flows joined at their shared entities, or technique frequency on the ATT&CK tactic
//! columns.
//!
//! [`flow_picture`] and [`overlap_picture`] read a store into a [`Picture`] (nodes in one
//! cluster per flow, shared entities once between them, typed edges); [`dot::write`] and
//! [`mermaid::write`] turn it into Graphviz DOT or Mermaid text, [`dot::svg`] into SVG through
//! Graphviz's `dot`. [`matrix::Matrix`] counts the flows using each technique and writes an SVG
//! or HTML heatmap.

pub mod dot;
mod graph;
pub mod matrix;
pub mod mermaid;

pub use graph::{flow_picture, overlap_picture, select_flows};

/// What a node stands for, which decides its shape and colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// An `attack-action`: a box with technique and tactic ids over its name.
    Action,
    /// An `attack-asset`.
    Asset,
    /// An `attack-condition`, with true / false branches.
    Condition,
    /// An AND / OR `attack-operator`: a small circle.
    Operator,
    /// Any other STIX object (tool, malware, vulnerability, observable, note ...).
    Other,
    /// A shared entity (asset kind, software, vulnerability, observable ...) that several
    /// flows of an overlap picture point to.
    Shared,
}

/// One node of a picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The node's id in the picture (`f0n3`, `s1`): letters and digits only.
    pub id: String,
    /// The RDF node (or, for a shared entity, the shared IRI) it draws.
    pub iri: String,
    pub kind: NodeKind,
    /// The first line: technique and tactic ids of an action, the STIX type of other
    /// objects, the namespace of a shared entity; empty for operators.
    pub title: String,
    /// The text: the name (a condition's description), or AND / OR.
    pub text: String,
}

/// What an edge stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    /// `effect_refs` (and legacy `provides` / `required by`): what leads to what.
    Effect,
    /// A condition's `on_true_refs`.
    OnTrue,
    /// A condition's `on_false_refs`.
    OnFalse,
    /// An action's `asset_refs`.
    Asset,
    /// Any other reference (`object_ref`, `command_ref`, note `object_refs`, relationships,
    /// other `*_refs`), labelled with its name.
    Reference,
    /// A flow's node → the shared entity it is (or is an occurrence of).
    Shared,
}

/// One edge of a picture, between node ids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    /// `true` / `false` for branches, the reference or relationship name for references.
    pub label: Option<String>,
}

/// The nodes of one flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// The flow's graph IRI.
    pub flow: String,
    /// The flow's name.
    pub name: String,
    pub nodes: Vec<Node>,
}

/// What a picture shows: one cluster per flow, shared entities outside them, and edges.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Picture {
    pub title: String,
    pub clusters: Vec<Cluster>,
    pub shared: Vec<Node>,
    pub edges: Vec<Edge>,
}

impl Picture {
    /// Every node, clusters first.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.clusters
            .iter()
            .flat_map(|c| c.nodes.iter())
            .chain(&self.shared)
    }

    /// The node with this picture id.
    #[must_use]
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes().find(|n| n.id == id)
    }
}

/// Picture output syntaxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Dot,
    Mermaid,
    /// SVG: Graphviz's layout of the DOT text (flows), or flowkg's own (the matrix).
    Svg,
    /// A standalone HTML page (the matrix only).
    Html,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Dot => "dot",
            Self::Mermaid => "mermaid",
            Self::Svg => "svg",
            Self::Html => "html",
        })
    }
}

impl std::str::FromStr for Format {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "dot" | "gv" => Ok(Self::Dot),
            "mermaid" | "mmd" => Ok(Self::Mermaid),
            "svg" => Ok(Self::Svg),
            "html" => Ok(Self::Html),
            other => Err(crate::Error::Render(format!(
                "unknown picture format {other:?} (dot, mermaid, svg or html)"
            ))),
        }
    }
}

/// What to draw, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    format: Format,
    flows: Vec<String>,
    overlap: bool,
    matrix: bool,
}

impl RenderOptions {
    /// One flow, in this format.
    #[must_use]
    pub fn new(format: Format) -> Self {
        Self {
            format,
            flows: Vec::new(),
            overlap: false,
            matrix: false,
        }
    }

    /// The flows to draw, by name, file path, flow key, graph IRI or flow id (see
    /// [`select_flows`]); none: every flow of the store.
    #[must_use]
    pub fn with_flows(mut self, flows: Vec<String>) -> Self {
        self.flows = flows;
        self
    }

    /// Several flows joined at their shared entities.
    #[must_use]
    pub fn with_overlap(mut self, overlap: bool) -> Self {
        self.overlap = overlap;
        self
    }

    /// Technique frequency on the tactic columns instead of a flow picture.
    #[must_use]
    pub fn with_matrix(mut self) -> Self {
        self.matrix = true;
        self
    }
}

/// Draws what the options ask for from the store's flows, as text (DOT, Mermaid, SVG, HTML).
pub fn render(store: &crate::FlowStore, options: &RenderOptions) -> crate::Result<String> {
    let graphs = select_flows(store, &options.flows)?;
    if options.matrix {
        let matrix = matrix::Matrix::build(store, &graphs)?;
        return match options.format {
            Format::Svg => Ok(matrix.svg()),
            Format::Html => Ok(matrix.html()),
            other => Err(crate::Error::Render(format!(
                "the matrix is drawn as svg or html, not {other}"
            ))),
        };
    }
    let picture = if options.overlap {
        overlap_picture(store, &graphs)?
    } else {
        match &graphs[..] {
            [graph] => flow_picture(store, graph.as_ref())?,
            [] => return Err(crate::Error::Render("no flow to draw".into())),
            many => {
                return Err(crate::Error::Render(format!(
                    "{} flows: name one with --flow, or draw them together with --overlap",
                    many.len()
                )));
            }
        }
    };
    match options.format {
        Format::Dot => Ok(dot::write(&picture)),
        Format::Mermaid => Ok(mermaid::write(&picture)),
        Format::Svg => dot::svg(&dot::write(&picture)),
        Format::Html => Err(crate::Error::Render(
            "html is for --matrix; flows are drawn as dot, mermaid or svg".into(),
        )),
    }
}

/// Breaks text into lines of at most `width` characters at spaces (longer words are cut),
/// keeping at most `max_lines` lines and marking a cut with an ellipsis. Control characters
/// become spaces.
#[must_use]
pub fn wrap(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut cut = false;
    for word in clean.split(' ').filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let room = if used == 0 {
                width
            } else {
                width.saturating_sub(used + 1)
            };
            if word.len() <= room {
                if used > 0 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
            } else {
                lines.push(word[..width].iter().collect());
                word.drain(..width);
            }
            if lines.len() >= max_lines {
                cut = true;
                break;
            }
        }
        if cut {
            break;
        }
    }
    if !cut && !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        cut = true;
    }
    if cut && let Some(last) = lines.last_mut() {
        let mut chars: Vec<char> = last.chars().collect();
        chars.truncate(width.saturating_sub(1));
        *last = chars.into_iter().collect::<String>() + "…";
    }
    lines
}

/// An IRI or a literal's text; `None` for anything else or nothing.
fn text(term: Option<&oxigraph::model::Term>) -> Option<String> {
    match term? {
        oxigraph::model::Term::NamedNode(n) => Some(n.as_str().to_owned()),
        oxigraph::model::Term::Literal(l) => Some(l.value().to_owned()),
        _ => None,
    }
}

/// The rows of a SELECT query on the store, each value as [`text`].
fn rows(store: &crate::FlowStore, query: &str) -> crate::Result<Vec<Vec<Option<String>>>> {
    let (_, rows) = crate::query::select(store.store(), query)?;
    Ok(rows
        .iter()
        .map(|row| row.iter().map(|t| text(t.as_ref())).collect())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_spaces_and_cuts_with_an_ellipsis() {
        assert_eq!(wrap("a bb ccc", 4, 5), ["a bb", "ccc"]);
        assert_eq!(wrap("abcdefghij", 4, 5), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("one two three four", 7, 2), ["one two", "three…"]);
        assert_eq!(wrap("line\nbreak\ttab", 20, 3), ["line break tab"]);
        assert!(wrap("", 10, 3).is_empty());
        assert_eq!(wrap("ünïcödé ✓ wörds", 7, 3), ["ünïcödé", "✓ wörds"]);
    }
}

//! Technique frequency across flows on the ATT&CK tactic columns, as an SVG or HTML heatmap.
//!
//! A technique counts the flows with an action using it or one of its sub-techniques
//! (deprecated ids first replaced by their successors); sub-techniques are listed under their
//! parent with their own counts. An action's technique goes under the action's tactic when it
//! names one, else under every tactic ATT&CK gives the technique.

use super::{rows, wrap};
use crate::{FlowStore, Result};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

/// The ATT&CK matrices' column order, by tactic short name (the kill-chain phase). Enterprise,
/// Mobile and ICS share the phases they have in common; tactics without a place here follow
/// in id order.
const PHASES: [&str; 20] = [
    "reconnaissance",
    "resource-development",
    "initial-access",
    "execution",
    "persistence",
    "privilege-escalation",
    "defense-evasion",
    "stealth",
    "defense-impairment",
    "evasion",
    "credential-access",
    "discovery",
    "lateral-movement",
    "collection",
    "command-and-control",
    "exfiltration",
    "inhibit-response-function",
    "impair-process-control",
    "impact",
    "",
];

/// The matrix domains, in the order their columns are drawn.
const DOMAINS: [&str; 3] = ["enterprise-attack", "mobile-attack", "ics-attack"];

/// A technique (or sub-technique) and the flows using it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// The id (`T1059`).
    pub id: String,
    pub name: String,
    /// How many flows use it (for a technique: it or one of its sub-techniques).
    pub flows: usize,
    /// Sub-techniques used, most used first (empty for a sub-technique).
    pub subs: Vec<Cell>,
}

/// One tactic column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The id (`TA0002`), or empty for techniques without a tactic.
    pub id: String,
    pub name: String,
    /// The ATT&CK domain (`enterprise-attack` ...) or framework of the tactic.
    pub domain: String,
    /// Techniques, most used first.
    pub cells: Vec<Cell>,
}

/// Technique frequency over the flows of a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    /// How many flows were counted.
    pub flows: usize,
    pub columns: Vec<Column>,
}

fn pairs(store: &FlowStore, query: &str) -> Result<Vec<(String, String)>> {
    Ok(rows(store, query)?
        .into_iter()
        .filter_map(|r| match &r[..] {
            [Some(a), Some(b)] => Some((a.clone(), b.clone())),
            _ => None,
        })
        .collect())
}

struct TermLabel {
    id: String,
    name: String,
}

impl Matrix {
    /// Counts the techniques of the given flow graphs (all flows when `graphs` is empty).
    pub fn build(store: &FlowStore, graphs: &[oxigraph::model::NamedNode]) -> Result<Self> {
        store.ensure_namespaces()?;
        let wanted: BTreeSet<&str> = graphs.iter().map(|g| g.as_str()).collect();
        let flows: BTreeSet<String> = store
            .flows()?
            .into_iter()
            .map(|f| f.graph.into_string())
            .filter(|g| wanted.is_empty() || wanted.contains(g.as_str()))
            .collect();
        let replaced: HashMap<String, String> =
            pairs(store, "SELECT ?t ?r WHERE { ?t dcterms:isReplacedBy ?r }")?
                .into_iter()
                .collect();
        let parent: HashMap<String, String> = pairs(
            store,
            "SELECT ?t ?p WHERE { ?t a af:SubTechnique ; skos:broader ?p }",
        )?
        .into_iter()
        .collect();
        let mut terms: HashMap<String, TermLabel> = HashMap::new();
        for row in rows(
            store,
            "SELECT ?t ?id ?name WHERE { ?t skos:notation ?id OPTIONAL { ?t skos:prefLabel ?name } }",
        )? {
            if let [Some(t), Some(id), name] = &row[..] {
                terms.entry(t.clone()).or_insert_with(|| TermLabel {
                    id: id.clone(),
                    name: name.clone().unwrap_or_default(),
                });
            }
        }
        let mut technique_tactics: HashMap<String, BTreeSet<String>> = HashMap::new();
        for (t, ta) in pairs(
            store,
            "SELECT ?t ?ta WHERE { GRAPH ?ns { ?t af:tactic ?ta } FILTER NOT EXISTS { GRAPH ?ns { ?ns a af:Flow } } }",
        )? {
            technique_tactics.entry(t).or_default().insert(ta);
        }
        let mut tactic_info: HashMap<String, (String, String)> = HashMap::new();
        for row in rows(
            store,
            "SELECT ?ta ?short ?domain WHERE { ?ta a af:Tactic OPTIONAL { ?ta af:shortName ?short } OPTIONAL { ?ta af:attackDomain ?domain } }",
        )? {
            if let [Some(ta), short, domain] = &row[..] {
                tactic_info.insert(
                    ta.clone(),
                    (
                        short.clone().unwrap_or_default(),
                        domain.clone().unwrap_or_default(),
                    ),
                );
            }
        }
        // (tactic IRI or "") → technique IRI → sub-technique IRI or "" → flows
        let mut used: BTreeMap<String, BTreeMap<String, BTreeMap<String, BTreeSet<String>>>> =
            BTreeMap::new();
        for row in rows(
            store,
            "SELECT DISTINCT ?flow ?t ?ta WHERE { GRAPH ?flow { ?flow a af:Flow . ?a a af:Action ; af:technique ?t OPTIONAL { ?a af:tactic ?ta } } }",
        )? {
            let [Some(flow), Some(t), ta] = &row[..] else {
                continue;
            };
            if !flows.contains(flow) {
                continue;
            }
            let mut t = t.clone();
            for _ in 0..8 {
                match replaced.get(&t) {
                    Some(r) if *r != t => t = r.clone(),
                    _ => break,
                }
            }
            let (technique, sub) = match parent.get(&t) {
                Some(p) => (p.clone(), t.clone()),
                None => (t.clone(), String::new()),
            };
            let tactics: BTreeSet<String> = match ta {
                Some(ta) => BTreeSet::from([ta.clone()]),
                None => technique_tactics
                    .get(&technique)
                    .cloned()
                    .unwrap_or_else(|| BTreeSet::from([String::new()])),
            };
            for tactic in tactics {
                let subs = used
                    .entry(tactic)
                    .or_default()
                    .entry(technique.clone())
                    .or_default();
                subs.entry(String::new()).or_default().insert(flow.clone());
                if !sub.is_empty() {
                    subs.entry(sub.clone()).or_default().insert(flow.clone());
                }
            }
        }
        let label = |iri: &str| -> (String, String) {
            terms.get(iri).map_or_else(
                || {
                    let local = iri.rsplit(['/', '#']).next().unwrap_or(iri).to_owned();
                    (local, String::new())
                },
                |t| (t.id.clone(), t.name.clone()),
            )
        };
        let mut columns = Vec::new();
        for (tactic, techniques) in used {
            let mut cells: Vec<Cell> = techniques
                .into_iter()
                .map(|(technique, subs)| {
                    let (id, name) = label(&technique);
                    let mut flows = 0;
                    let mut children = Vec::new();
                    for (sub, users) in subs {
                        if sub.is_empty() {
                            flows = users.len();
                        } else {
                            let (id, name) = label(&sub);
                            children.push(Cell {
                                id,
                                name,
                                flows: users.len(),
                                subs: Vec::new(),
                            });
                        }
                    }
                    children.sort_by(|a, b| b.flows.cmp(&a.flows).then(a.id.cmp(&b.id)));
                    Cell {
                        id,
                        name,
                        flows,
                        subs: children,
                    }
                })
                .collect();
            cells.sort_by(|a, b| b.flows.cmp(&a.flows).then(a.id.cmp(&b.id)));
            let (id, name) = if tactic.is_empty() {
                (String::new(), "No tactic".to_owned())
            } else {
                label(&tactic)
            };
            let domain = tactic_info.get(&tactic).map_or_else(
                || framework(&tactic),
                |(_, d)| {
                    if d.is_empty() {
                        framework(&tactic)
                    } else {
                        d.clone()
                    }
                },
            );
            let short = tactic_info
                .get(&tactic)
                .map(|(s, _)| s.as_str())
                .unwrap_or("");
            columns.push((
                order(&domain, short, &id),
                Column {
                    id,
                    name,
                    domain,
                    cells,
                },
            ));
        }
        columns.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Self {
            flows: flows.len(),
            columns: columns.into_iter().map(|(_, c)| c).collect(),
        })
    }

    /// The largest count in any cell.
    #[must_use]
    pub fn max(&self) -> usize {
        self.columns
            .iter()
            .flat_map(|c| &c.cells)
            .map(|c| c.flows)
            .max()
            .unwrap_or(0)
    }

    /// The heatmap as a standalone SVG document.
    #[must_use]
    pub fn svg(&self) -> String {
        const COL: usize = 200;
        const GAP: usize = 6;
        const HEAD: usize = 56;
        const ROW: usize = 50;
        const SUB: usize = 18;
        const TOP: usize = 64;
        let max = self.max().max(1);
        let height = self
            .columns
            .iter()
            .map(|c| {
                c.cells
                    .iter()
                    .map(|t| ROW + SUB * t.subs.len() + GAP)
                    .sum::<usize>()
            })
            .max()
            .unwrap_or(0);
        let width = (COL + GAP) * self.columns.len().max(1) + GAP;
        let total = TOP + HEAD + height + 70;
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{total}\" viewBox=\"0 0 {width} {total}\" font-family=\"Helvetica, Arial, sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        );
        let _ = writeln!(
            out,
            "<text x=\"{GAP}\" y=\"30\" font-size=\"20\" font-weight=\"bold\">Techniques across {} flow(s), by ATT&amp;CK tactic</text>",
            self.flows
        );
        let _ = writeln!(
            out,
            "<text x=\"{GAP}\" y=\"50\" font-size=\"12\" fill=\"#555\">Each cell counts the flows using the technique or one of its sub-techniques (listed beneath it).</text>"
        );
        for (i, column) in self.columns.iter().enumerate() {
            let x = GAP + i * (COL + GAP);
            let _ = writeln!(
                out,
                "<rect x=\"{x}\" y=\"{TOP}\" width=\"{COL}\" height=\"{}\" fill=\"#2f3e5c\" rx=\"3\"/>",
                HEAD - 6
            );
            let mut lines = wrap(&column.name, 24, 2);
            if !column.id.is_empty() {
                lines.push(format!("{} · {}", column.id, short_domain(&column.domain)));
            }
            for (l, line) in lines.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "<text x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"bold\" fill=\"#ffffff\" text-anchor=\"middle\">{}</text>",
                    x + COL / 2,
                    TOP + 16 + 14 * l,
                    xml(line)
                );
            }
            let mut y = TOP + HEAD;
            for cell in &column.cells {
                let (fill, ink) = colour(cell.flows, max);
                let _ = writeln!(
                    out,
                    "<g><title>{} {} — {} flow(s)</title><rect x=\"{x}\" y=\"{y}\" width=\"{COL}\" height=\"{}\" fill=\"{fill}\" stroke=\"#b0b0b0\" rx=\"2\"/>",
                    xml(&cell.id),
                    xml(&cell.name),
                    cell.flows,
                    ROW + SUB * cell.subs.len()
                );
                let _ = writeln!(
                    out,
                    "<text x=\"{}\" y=\"{}\" font-size=\"11\" font-weight=\"bold\" fill=\"{ink}\">{}</text>",
                    x + 5,
                    y + 14,
                    xml(&cell.id)
                );
                for (l, line) in wrap(&cell.name, 31, 2).iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{ink}\">{}</text>",
                        x + 5,
                        y + 29 + 14 * l,
                        xml(line)
                    );
                }
                let _ = writeln!(
                    out,
                    "<text x=\"{}\" y=\"{}\" font-size=\"15\" font-weight=\"bold\" fill=\"{ink}\" text-anchor=\"end\">{}</text>",
                    x + COL - 6,
                    y + 16,
                    cell.flows
                );
                let mut sy = y + ROW;
                for sub in &cell.subs {
                    let (fill, ink) = colour(sub.flows, max);
                    let sub_name = wrap(&format!("{} {}", sub.id, sub.name), 30, 1)
                        .into_iter()
                        .next()
                        .unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "<g><title>{} {} — {} flow(s)</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" stroke=\"#c8c8c8\"/><text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{ink}\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{ink}\" text-anchor=\"end\">{}</text></g>",
                        xml(&sub.id),
                        xml(&sub.name),
                        sub.flows,
                        x + 12,
                        sy,
                        COL - 16,
                        SUB - 2,
                        x + 16,
                        sy + 12,
                        xml(&sub_name),
                        x + COL - 8,
                        sy + 12,
                        sub.flows
                    );
                    sy += SUB;
                }
                out.push_str("</g>\n");
                y += ROW + SUB * cell.subs.len() + GAP;
            }
        }
        // Legend: the colour scale from 1 to the largest count.
        let ly = TOP + HEAD + height + 20;
        let _ = writeln!(
            out,
            "<text x=\"{GAP}\" y=\"{}\" font-size=\"12\" fill=\"#333\">flows:</text>",
            ly + 14
        );
        let steps = max.min(10);
        for s in 0..steps {
            let value = 1 + s * (max - 1) / steps.saturating_sub(1).max(1);
            let (fill, ink) = colour(value, max);
            let lx = GAP + 50 + s * 44;
            let _ = writeln!(
                out,
                "<rect x=\"{lx}\" y=\"{ly}\" width=\"42\" height=\"20\" fill=\"{fill}\" stroke=\"#b0b0b0\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{ink}\" text-anchor=\"middle\">{value}</text>",
                lx + 21,
                ly + 14
            );
        }
        out.push_str("</svg>\n");
        out
    }

    /// The heatmap as a standalone HTML page (the SVG inline, with a table of the counts for
    /// screen readers and copying).
    #[must_use]
    pub fn html(&self) -> String {
        let mut out = String::from(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ATT&amp;CK technique frequency</title>\n<style>body{font-family:Helvetica,Arial,sans-serif;margin:16px}table{border-collapse:collapse;margin-top:24px;font-size:13px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}td.n{text-align:right}.scroll{overflow-x:auto}</style></head><body>\n<div class=\"scroll\">\n",
        );
        let svg = self.svg();
        let svg = svg.split_once("?>\n").map_or(svg.as_str(), |(_, s)| s);
        out.push_str(svg);
        out.push_str("</div>\n<table><thead><tr><th>tactic</th><th>technique</th><th>name</th><th>flows</th></tr></thead><tbody>\n");
        let max = self.max().max(1);
        for column in &self.columns {
            for cell in &column.cells {
                for (id, name, flows) in std::iter::once((&cell.id, &cell.name, cell.flows))
                    .chain(cell.subs.iter().map(|s| (&s.id, &s.name, s.flows)))
                {
                    let (fill, ink) = colour(flows, max);
                    let _ = writeln!(
                        out,
                        "<tr><td>{} {}</td><td>{}</td><td>{}</td><td class=\"n\" style=\"background:{fill};color:{ink}\">{flows}</td></tr>",
                        xml(&column.id),
                        xml(&column.name),
                        xml(id),
                        xml(name)
                    );
                }
            }
        }
        out.push_str("</tbody></table>\n</body></html>\n");
        out
    }
}

/// Sort key of a column: matrix domain, then kill-chain phase, then id.
fn order(domain: &str, short: &str, id: &str) -> (usize, usize, String) {
    let d = DOMAINS
        .iter()
        .position(|x| *x == domain)
        .unwrap_or(DOMAINS.len() + usize::from(id.is_empty()));
    let p = PHASES
        .iter()
        .position(|x| *x == short)
        .unwrap_or(PHASES.len());
    (d, p, id.to_owned())
}

fn framework(iri: &str) -> String {
    iri.strip_prefix(crate::vocab::ns::SHARED)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("")
        .to_owned()
}

fn short_domain(domain: &str) -> &str {
    match domain {
        "enterprise-attack" => "Enterprise",
        "mobile-attack" => "Mobile",
        "ics-attack" => "ICS",
        other => other,
    }
}

/// Fill and text colours for a count: white to deep orange-red.
fn colour(count: usize, max: usize) -> (String, &'static str) {
    if count == 0 {
        return ("#ffffff".to_owned(), "#111111");
    }
    let t = if max <= 1 {
        1.0
    } else {
        (count - 1) as f64 / (max - 1) as f64
    };
    let (from, to) = ([255.0, 237.0, 213.0], [179.0, 38.0, 6.0]);
    let c: Vec<u8> = (0..3)
        .map(|i| (from[i] + (to[i] - from[i]) * (0.15 + 0.85 * t)).round() as u8)
        .collect();
    let ink = if t > 0.5 { "#ffffff" } else { "#111111" };
    (format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]), ink)
}

/// XML text: `&`, `<`, `>`, `"` escaped; control characters dropped.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

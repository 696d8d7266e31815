//! The HTML pages of the published site: one per namespace, a section with an anchor per term
//! (label, IRI, types, definition, usage in the loaded flows), and an index.

use super::conneg::Representation;
use super::{NamespacePage, Site, Vocabulary};
use oxigraph::model::{NamedOrBlankNode, Term, Triple};
use std::collections::HashMap;
use std::fmt::Write;

const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const DCTERMS: &str = "http://purl.org/dc/terms/";

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b;line-height:1.45}\
h1{font-size:1.7rem;margin-bottom:.2rem}code{background:#f2f2f2;padding:0 .25rem;border-radius:3px}\
.meta{color:#444}.formats a{margin-right:.8rem}nav.toc{columns:4 12rem;font-size:.9rem;margin:1rem 0}\
nav.toc a{display:block}section.term{border-top:1px solid #ddd;padding:.6rem 0}\
section.term h3{margin:.2rem 0;font-size:1.1rem}section.term:target{background:#fff8d6}\
dl{display:grid;grid-template-columns:9rem 1fr;gap:.15rem .8rem;margin:.3rem 0}dt{color:#555}dd{margin:0}\
.usage{font-variant-numeric:tabular-nums}";

pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn values<'a>(triples: &'a [&'a Triple], predicate: &str) -> Vec<&'a Term> {
    triples
        .iter()
        .filter(|t| t.predicate.as_str() == predicate)
        .map(|t| &t.object)
        .collect()
}

fn literal_text(terms: &[&Term]) -> Option<String> {
    let english = terms.iter().find_map(|t| match t {
        Term::Literal(l) if l.language().is_none_or(|lang| lang.starts_with("en")) => {
            Some(l.value().to_owned())
        }
        _ => None,
    });
    english.or_else(|| {
        terms.iter().find_map(|t| match t {
            Term::Literal(l) => Some(l.value().to_owned()),
            _ => None,
        })
    })
}

fn short(iri: &str, vocabulary: &Vocabulary) -> String {
    for page in &vocabulary.pages {
        if let Some(local) = iri.strip_prefix(page.base.as_str()) {
            return format!("{}:{local}", page.name);
        }
    }
    for (prefix, namespace) in crate::vocab::PREFIXES {
        if let Some(local) = iri.strip_prefix(namespace) {
            return format!("{prefix}:{local}");
        }
    }
    iri.to_owned()
}

/// A namespace's page: header with the vocabulary's metadata and formats, a table of contents
/// and one `<section id="{local name}">` per term.
/// A link from one site file to another, relative, so the site also browses from disk.
fn relative(from: &str, to: &str) -> String {
    let depth = from.matches('/').count();
    format!("{}{to}", "../".repeat(depth))
}

pub(super) fn page(
    vocabulary: &Vocabulary,
    page: &NamespacePage,
    version: &str,
    usage: &HashMap<String, u64>,
) -> String {
    let here = vocabulary.html_path(page, version);
    let mut by_subject: HashMap<&str, Vec<&Triple>> = HashMap::new();
    for t in &vocabulary.triples {
        if let NamedOrBlankNode::NamedNode(s) = &t.subject {
            by_subject.entry(s.as_str()).or_default().push(t);
        }
    }
    let empty = Vec::new();
    let ontology = by_subject
        .get(vocabulary.ontology_iri.as_str())
        .unwrap_or(&empty);
    let title = literal_text(&values(ontology, &format!("{DCTERMS}title")))
        .or_else(|| literal_text(&values(ontology, &format!("{RDFS}label"))))
        .unwrap_or_else(|| vocabulary.name.clone());
    let terms = vocabulary.terms(page);
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{} — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n<p class=\"meta\">Namespace <code>{}</code> · prefix <code>{}:</code> · version {} · ontology <code>{}</code></p>\n",
        escape(&page.name),
        escape(&title),
        escape(&title),
        escape(&page.base),
        escape(&page.name),
        escape(&vocabulary.version),
        escape(&vocabulary.ontology_iri),
    );
    if let Some(description) = literal_text(&values(ontology, &format!("{DCTERMS}description"))) {
        for paragraph in description.split("\n\n") {
            let _ = writeln!(html, "<p>{}</p>", escape(paragraph));
        }
    }
    html.push_str("<p class=\"formats\">Download: ");
    for representation in Representation::ALL {
        if representation != Representation::Html {
            let _ = write!(
                html,
                "<a href=\"{}\">{}</a>",
                escape(&relative(
                    &here,
                    &vocabulary.document_path(version, representation)
                )),
                representation.media_type()
            );
        }
    }
    let _ = writeln!(
        html,
        "</p>\n<p class=\"meta\">{} terms{}.</p>\n</header>\n<nav class=\"toc\">",
        terms.len(),
        if usage.is_empty() {
            String::new()
        } else {
            "; usage counts are from the flows of the store the site was published with".into()
        }
    );
    for local in &terms {
        let _ = write!(html, "<a href=\"#{0}\">{0}</a>", escape(local));
    }
    html.push_str("</nav>\n<main>\n");
    for local in &terms {
        let iri = format!("{}{local}", page.base);
        let triples = by_subject.get(iri.as_str()).unwrap_or(&empty);
        term_section(&mut html, vocabulary, local, &iri, triples, usage);
    }
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

fn term_section(
    html: &mut String,
    vocabulary: &Vocabulary,
    local: &str,
    iri: &str,
    triples: &[&Triple],
    usage: &HashMap<String, u64>,
) {
    let label = literal_text(&values(triples, &format!("{RDFS}label")))
        .or_else(|| literal_text(&values(triples, &format!("{SKOS}prefLabel"))))
        .unwrap_or_else(|| local.to_owned());
    let definition = literal_text(&values(triples, &format!("{SKOS}definition")))
        .or_else(|| literal_text(&values(triples, &format!("{RDFS}comment"))));
    let alternative = literal_text(&values(triples, &format!("{SKOS}altLabel")));
    let types: Vec<String> = values(triples, RDF_TYPE)
        .iter()
        .filter_map(|t| match t {
            Term::NamedNode(n) => Some(short(n.as_str(), vocabulary)),
            _ => None,
        })
        .collect();
    let _ = write!(
        html,
        "<section class=\"term\" id=\"{id}\">\n<h3><a href=\"#{id}\">{label}</a> <code>{short}</code></h3>\n<dl>\n<dt>IRI</dt><dd><code>{iri}</code></dd>\n",
        id = escape(local),
        label = escape(&label),
        short = escape(&short(iri, vocabulary)),
        iri = escape(iri),
    );
    if !types.is_empty() {
        let _ = writeln!(html, "<dt>type</dt><dd>{}</dd>", escape(&types.join(", ")));
    }
    if let Some(definition) = definition {
        let _ = writeln!(html, "<dt>definition</dt><dd>{}</dd>", escape(&definition));
    }
    if let Some(alternative) = alternative {
        let _ = writeln!(html, "<dt>also</dt><dd>{}</dd>", escape(&alternative));
    }
    if let Some(notation) = literal_text(&values(triples, &format!("{SKOS}notation"))) {
        let _ = writeln!(html, "<dt>notation</dt><dd>{}</dd>", escape(&notation));
    }
    if !usage.is_empty() {
        let _ = writeln!(
            html,
            "<dt>used in flows</dt><dd class=\"usage\">{}</dd>",
            usage.get(iri).copied().unwrap_or(0)
        );
    }
    html.push_str("</dl>\n</section>\n");
}

/// The site's front page: every vocabulary, its pages and documents.
pub(super) fn index(site: &Site) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>flowkg vocabularies</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>flowkg vocabularies</h1>\n<p>The vocabulary and shared namespaces of flowkg, under <code>{}</code>.</p>\n<ul>\n",
        super::W3ID_BASE
    );
    for vocabulary in &site.vocabularies {
        let _ = write!(
            html,
            "<li><code>{}</code> version {}: ",
            escape(&vocabulary.ontology_iri),
            escape(&vocabulary.version)
        );
        for page in &vocabulary.pages {
            let _ = write!(
                html,
                "<a href=\"{}\">{}</a> ",
                escape(&vocabulary.html_path(page, &vocabulary.version)),
                escape(&page.name)
            );
        }
        html.push_str("</li>\n");
    }
    html.push_str("</ul>\n</body>\n</html>\n");
    html
}

//! `flowkg publish`: a static site for the `af:` vocabulary and every shared namespace, as the
//! W3C "Best Practice Recipes for Publishing RDF Vocabularies" lay it out: Turtle, RDF/XML,
//! JSON-LD and N-Triples per vocabulary, an HTML page per namespace with an anchor per term,
//! versioned folders with the current version copied to `current/`, `.htaccess` rules for
//! content negotiation, and the README for registering `https://w3id.org/flowkg` at w3id.org.
//!
//! The site root stands for `https://w3id.org/flowkg/`: `af/0.1.0/af.ttl` is
//! `https://w3id.org/flowkg/af/0.1.0/af.ttl`.

pub mod conneg;
mod htaccess;
mod html;

use crate::export::owl::{AF_ONTOLOGY, af_ontology, namespace_ontology, namespace_ontology_iri};
use crate::namespaces::BUILT_IN;
use crate::vocab::ns;
use crate::{Error, Result};
use conneg::Representation;
use oxigraph::io::RdfFormat;
use oxigraph::model::vocab::rdf;
use oxigraph::model::{GraphName, NamedOrBlankNode, Term, Triple};
use oxigraph::store::Store;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The public base all published IRIs share.
pub const W3ID_BASE: &str = "https://w3id.org/flowkg/";

/// How a vocabulary's terms hang off its namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamespaceKind {
    /// `…/af#Action`: the browser asks for the document; the fragment picks the term.
    Hash,
    /// `…/ns/attack/T1059.001`: every term is a request of its own, answered with a 303.
    Slash,
}

/// One namespace of a vocabulary, with its own HTML page.
#[derive(Debug, Clone)]
pub struct NamespacePage {
    /// Short name (`af`, `attack`, `atlas` ...), also the page's file stem.
    pub name: String,
    /// Namespace IRI (`https://w3id.org/flowkg/af#`).
    pub base: String,
    /// Folder of the page below the site root (`af`, `ns/atlas`).
    pub folder: String,
}

/// A vocabulary document (the `af:` ontology, a shared namespace module) and its pages.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    /// Short name, also the file stem of its documents (`af`, `attack`).
    pub name: String,
    pub kind: NamespaceKind,
    pub ontology_iri: String,
    pub version: String,
    /// Folder of its documents below the site root (`af`, `ns/attack`).
    pub folder: String,
    pub pages: Vec<NamespacePage>,
    pub triples: Vec<Triple>,
}

impl Vocabulary {
    /// The document file of a version in a syntax, relative to the site root.
    #[must_use]
    pub fn document_path(&self, version: &str, representation: Representation) -> String {
        if representation == Representation::Html {
            return self.html_path(&self.pages[0], version);
        }
        format!(
            "{}/{version}/{}.{}",
            self.folder,
            self.name,
            representation.extension()
        )
    }

    /// The HTML page of a namespace in a version, relative to the site root.
    #[must_use]
    pub fn html_path(&self, page: &NamespacePage, version: &str) -> String {
        format!("{}/{version}/{}.html", page.folder, page.name)
    }

    /// Every term of a namespace: IRIs defined (as subjects) in the document, under its base.
    #[must_use]
    pub fn terms(&self, page: &NamespacePage) -> Vec<String> {
        let mut terms: Vec<String> = self
            .triples
            .iter()
            .filter_map(|t| match &t.subject {
                NamedOrBlankNode::NamedNode(s) => s.as_str().strip_prefix(page.base.as_str()),
                NamedOrBlankNode::BlankNode(_) => None,
            })
            .filter(|local| !local.is_empty())
            .map(str::to_owned)
            .collect();
        terms.sort();
        terms.dedup();
        terms
    }
}

/// The published site: its vocabularies and the files they make.
#[derive(Debug, Clone)]
pub struct Site {
    pub vocabularies: Vec<Vocabulary>,
    /// Path prefix of the site on its server (`/flowkg/` for w3id.org), for `Location`s.
    root: String,
    /// The paths of the files it publishes, relative to its root.
    files: BTreeSet<String>,
    /// Term IRI → the number of times the loaded flows use it.
    usage: HashMap<String, u64>,
}

impl Site {
    /// The `af:` ontology and the built-in shared namespaces.
    pub fn built_in() -> Result<Self> {
        let mut vocabularies = vec![Vocabulary {
            name: "af".into(),
            kind: NamespaceKind::Hash,
            ontology_iri: AF_ONTOLOGY.into(),
            version: String::new(),
            folder: "af".into(),
            pages: vec![NamespacePage {
                name: "af".into(),
                base: ns::AF.into(),
                folder: "af".into(),
            }],
            triples: af_ontology()?,
        }];
        for namespace in BUILT_IN {
            let triples = namespace_ontology(namespace)?;
            let mut names = shared_namespaces(&triples);
            // The module's own namespace first: its page stands for the module.
            names.sort_by_key(|n| n != namespace.name);
            let pages = names
                .into_iter()
                .map(|name| NamespacePage {
                    base: format!("{}{name}/", ns::SHARED),
                    folder: format!("ns/{name}"),
                    name,
                })
                .collect();
            vocabularies.push(Vocabulary {
                name: namespace.name.into(),
                kind: NamespaceKind::Slash,
                ontology_iri: namespace_ontology_iri(namespace),
                version: String::new(),
                folder: format!("ns/{}", namespace.name),
                pages,
                triples,
            });
        }
        Ok(Self::new(vocabularies))
    }

    /// A site for some vocabularies; versions come from their `owl:versionInfo`.
    #[must_use]
    pub fn new(mut vocabularies: Vec<Vocabulary>) -> Self {
        for vocabulary in &mut vocabularies {
            if vocabulary.version.is_empty() {
                vocabulary.version = version_of(&vocabulary.triples);
            }
        }
        let mut site = Self {
            vocabularies,
            root: "/flowkg/".into(),
            files: BTreeSet::new(),
            usage: HashMap::new(),
        };
        site.files = site.file_paths().into_iter().collect();
        site
    }

    /// The path prefix of the site on its server (default `/flowkg/`, as on w3id.org).
    #[must_use]
    pub fn with_root(mut self, root: &str) -> Self {
        self.root = format!("/{}/", root.trim_matches('/')).replace("//", "/");
        self
    }

    /// Usage counts of terms in the loaded flows, shown on the HTML pages.
    #[must_use]
    pub fn with_usage(mut self, usage: HashMap<String, u64>) -> Self {
        self.usage = usage;
        self
    }

    /// A site-relative path as an absolute path on the server.
    #[must_use]
    pub fn root_relative(&self, path: &str) -> String {
        format!("{}{path}", self.root)
    }

    pub(crate) fn file(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// The vocabulary, page and (for slash namespaces) term local name a path names.
    pub(crate) fn resolve(
        &self,
        path: &str,
    ) -> Option<(&Vocabulary, &NamespacePage, Option<String>)> {
        let iri = format!("{W3ID_BASE}{path}");
        for vocabulary in &self.vocabularies {
            if iri == vocabulary.ontology_iri || iri == format!("{}/", vocabulary.ontology_iri) {
                return Some((vocabulary, &vocabulary.pages[0], None));
            }
            for page in &vocabulary.pages {
                if iri == page.base || iri == page.base.trim_end_matches('/') {
                    return Some((vocabulary, page, None));
                }
                if vocabulary.kind == NamespaceKind::Slash {
                    if let Some(local) = iri.strip_prefix(page.base.as_str()) {
                        if vocabulary.terms(page).iter().any(|t| t == local) {
                            return Some((vocabulary, page, Some(local.to_owned())));
                        }
                    }
                }
            }
        }
        None
    }

    /// Every file the site holds, relative to its root.
    #[must_use]
    pub fn file_paths(&self) -> Vec<String> {
        // The w3id/ folder is for the w3id.org repository, not served here.
        let mut paths = vec!["index.html".to_owned(), ".htaccess".to_owned()];
        for vocabulary in &self.vocabularies {
            for version in [vocabulary.version.as_str(), "current"] {
                for representation in Representation::ALL {
                    if representation != Representation::Html {
                        paths.push(vocabulary.document_path(version, representation));
                    }
                }
                for page in &vocabulary.pages {
                    paths.push(vocabulary.html_path(page, version));
                }
            }
        }
        paths
    }

    /// Writes the site into `out`; returns the files written. With the URL the site will be
    /// hosted at, `w3id/` gets the w3id.org redirect rules; its README is always written.
    pub fn write(&self, out: &Path, site_url: Option<&str>) -> Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        let mut put = |path: &str, bytes: &[u8]| -> Result<()> {
            let target = out.join(path);
            let io = |source| Error::Io {
                path: target.clone(),
                source,
            };
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            std::fs::write(&target, bytes).map_err(io)?;
            written.push(target);
            Ok(())
        };
        for vocabulary in &self.vocabularies {
            for version in [vocabulary.version.as_str(), "current"] {
                for representation in Representation::ALL {
                    if representation == Representation::Html {
                        continue;
                    }
                    let bytes = serialize(&vocabulary.triples, representation)?;
                    put(&vocabulary.document_path(version, representation), &bytes)?;
                }
                for page in &vocabulary.pages {
                    let page_html = html::page(vocabulary, page, version, &self.usage);
                    put(&vocabulary.html_path(page, version), page_html.as_bytes())?;
                }
            }
        }
        put("index.html", html::index(self).as_bytes())?;
        put(".htaccess", htaccess::rules(self, "").as_bytes())?;
        if let Some(url) = site_url {
            put("w3id/.htaccess", htaccess::rules(self, url).as_bytes())?;
        }
        put(
            "w3id/README.md",
            htaccess::w3id_readme(self, site_url).as_bytes(),
        )?;
        Ok(written)
    }
}

/// The shared namespaces (`attack`, `atlas` ...) a module defines terms in, its own first:
/// every `{SHARED}{name}/` that subjects of its triples start with.
fn shared_namespaces(triples: &[Triple]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for t in triples {
        let NamedOrBlankNode::NamedNode(s) = &t.subject else {
            continue;
        };
        let Some((name, _)) = s
            .as_str()
            .strip_prefix(ns::SHARED)
            .and_then(|rest| rest.split_once('/'))
        else {
            continue;
        };
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    names
}

/// The `owl:versionInfo` of the document's ontology (or concept scheme), else `0`.
fn version_of(triples: &[Triple]) -> String {
    let version_info = "http://www.w3.org/2002/07/owl#versionInfo";
    let ontologies: Vec<&NamedOrBlankNode> = triples
        .iter()
        .filter(|t| t.predicate == rdf::TYPE && t.object.to_string().ends_with("owl#Ontology>"))
        .map(|t| &t.subject)
        .collect();
    let value = |only_ontology: bool| {
        triples.iter().find_map(|t| match &t.object {
            Term::Literal(l)
                if t.predicate.as_str() == version_info
                    && (!only_ontology || ontologies.contains(&&t.subject)) =>
            {
                Some(l.value().to_owned())
            }
            _ => None,
        })
    };
    value(true)
        .or_else(|| value(false))
        .unwrap_or_else(|| "0".into())
}

fn serialize(triples: &[Triple], representation: Representation) -> Result<Vec<u8>> {
    let format = match representation {
        Representation::RdfXml => RdfFormat::RdfXml,
        Representation::Turtle => RdfFormat::Turtle,
        Representation::NTriples => RdfFormat::NTriples,
        Representation::JsonLd => crate::export::parse_format("jsonld")?,
        Representation::Html => return Ok(Vec::new()),
    };
    let quads: Vec<_> = triples
        .iter()
        .map(|t| t.clone().in_graph(GraphName::DefaultGraph))
        .collect();
    let mut writer = crate::export::QuadWriter::new(format, Vec::new());
    writer.write_all(&quads)?;
    writer.finish()
}

/// How often the flows of a store use each term of the site's namespaces (as predicate, class
/// or object), outside the namespace graphs themselves.
pub fn usage_counts(store: &Store, site: &Site) -> Result<HashMap<String, u64>> {
    let namespace_graphs: Vec<String> = BUILT_IN.iter().map(|n| format!("<{}>", n.graph)).collect();
    let bases: Vec<&str> = site
        .vocabularies
        .iter()
        .flat_map(|v| v.pages.iter().map(|p| p.base.as_str()))
        .collect();
    let filter = bases
        .iter()
        .map(|b| format!("STRSTARTS(STR(?t), \"{b}\")"))
        .collect::<Vec<_>>()
        .join(" || ");
    let query = format!(
        // af:techniqueOrParent and af:matchesTechnique repeat af:technique (closures
        // materialised for joins): not uses.
        "SELECT ?t (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ {{ ?s ?t ?o }} UNION \
         {{ ?s ?p ?t FILTER(?p NOT IN (<{parent}>, <{matches}>)) }} }} \
         FILTER(isIRI(?t) && ({filter})) FILTER(?g NOT IN ({})) }} GROUP BY ?t",
        namespace_graphs.join(", "),
        parent = crate::vocab::af::TECHNIQUE_OR_PARENT.as_str(),
        matches = crate::vocab::af::MATCHES_TECHNIQUE.as_str()
    );
    let (_, rows) = crate::query::select(store, &query)?;
    let mut counts = HashMap::new();
    for row in rows {
        if let [Some(Term::NamedNode(term)), Some(Term::Literal(n))] = row.as_slice() {
            counts.insert(term.as_str().to_owned(), n.value().parse().unwrap_or(0));
        }
    }
    Ok(counts)
}

//! The OWL 2 DL view of exported flows (`flowkg export --owl`): a post-processing step over the
//! mapped quads that leaves the regular export untouched.
//!
//! OWL tools (Protégé, the OWL API, owlready2, HermiT) read RDF as OWL 2 DL, where some of what
//! the mapping writes cannot stand: an individual (`af:null`) or `rdf:nil` as a value, `rdf:Seq`
//! and `rdf:_1` (reserved vocabulary), undeclared `prop:` properties, and a literal outside the
//! declared range of its `af:` property (which makes the ontology inconsistent). This module
//! rewrites those triples one by one, declares every non-`af:` term it writes, drops graph names
//! (OWL has none) and heads the document with an ontology that `owl:imports` the `af:` ontology
//! and the shared namespaces.

use crate::hash::sha256_hex;
use crate::namespaces::{BUILT_IN, Namespace};
use crate::vocab::{af, ns};
use crate::{Error, Result};
use oxigraph::io::{RdfFormat, RdfParser, RdfSerializer};
use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{
    GraphName, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term, Triple,
};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The `af:` ontology document.
pub const AF_TURTLE: &str = include_str!("../../ontology/af.ttl");
/// The IRI of the `af:` ontology.
pub const AF_ONTOLOGY: &str = "https://w3id.org/flowkg/af";

const OWL: &str = "http://www.w3.org/2002/07/owl#";
const RDF_SEQ: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#Seq";
const RDF_MEMBER: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#_";
const DCTERMS: &str = "http://purl.org/dc/terms/";

fn owl(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{OWL}{local}"))
}

/// What the `af:` ontology says about its properties: enough to tell which values fit.
#[derive(Debug, Default)]
pub struct Schema {
    object: HashSet<String>,
    /// Datatype property → the datatypes (or, for `owl:oneOf`, the strings) its range allows;
    /// `None` when any literal fits.
    data: HashMap<String, Option<Range>>,
    annotation: HashSet<String>,
}

#[derive(Debug, Clone)]
enum Range {
    Datatypes(Vec<String>),
    Strings(Vec<String>),
}

impl Schema {
    /// The schema of `ontology/af.ttl`.
    pub fn af() -> Result<Self> {
        Self::from_triples(&parse_turtle(AF_TURTLE, "ontology/af.ttl")?)
    }

    fn from_triples(triples: &[Triple]) -> Result<Self> {
        let mut schema = Self::default();
        let by_subject = index(triples);
        for t in triples.iter().filter(|t| t.predicate == rdf::TYPE) {
            let NamedOrBlankNode::NamedNode(s) = &t.subject else {
                continue;
            };
            let kind = match &t.object {
                Term::NamedNode(o) => o.as_str().strip_prefix(OWL).unwrap_or(""),
                _ => "",
            };
            match kind {
                "ObjectProperty" => {
                    schema.object.insert(s.as_str().to_owned());
                }
                "AnnotationProperty" => {
                    schema.annotation.insert(s.as_str().to_owned());
                }
                "DatatypeProperty" => {
                    let range = by_subject
                        .get(&t.subject)
                        .and_then(|ts| ts.iter().find(|t| t.predicate == rdfs::RANGE))
                        .and_then(|t| range_of(&t.object, &by_subject));
                    schema.data.insert(s.as_str().to_owned(), range);
                }
                _ => {}
            }
        }
        Ok(schema)
    }

    fn fits(&self, property: &str, literal: &Literal) -> bool {
        match self.data.get(property) {
            Some(Some(Range::Datatypes(types))) => {
                types.iter().any(|d| d == literal.datatype().as_str())
            }
            Some(Some(Range::Strings(values))) => {
                literal.datatype() == xsd::STRING && values.iter().any(|v| v == literal.value())
            }
            _ => true,
        }
    }
}

type Index<'a> = HashMap<&'a NamedOrBlankNode, Vec<&'a Triple>>;

fn index(triples: &[Triple]) -> Index<'_> {
    let mut by_subject: Index<'_> = HashMap::new();
    for t in triples {
        by_subject.entry(&t.subject).or_default().push(t);
    }
    by_subject
}

/// A range: a datatype IRI (`rdfs:Literal` allows all), or a blank `rdfs:Datatype` with
/// `owl:unionOf` datatypes or `owl:oneOf` strings.
fn range_of(range: &Term, by_subject: &Index<'_>) -> Option<Range> {
    match range {
        Term::NamedNode(n) if n.as_ref() == rdfs::LITERAL => None,
        Term::NamedNode(n) => Some(Range::Datatypes(vec![n.as_str().to_owned()])),
        Term::BlankNode(b) => {
            let node = NamedOrBlankNode::BlankNode(b.clone());
            let members = |p: &str| {
                by_subject
                    .get(&node)?
                    .iter()
                    .find(|t| t.predicate.as_str() == format!("{OWL}{p}"))
                    .map(|t| list(&t.object, by_subject))
            };
            if let Some(types) = members("unionOf") {
                let names = types.iter().filter_map(named).collect::<Vec<_>>();
                return (!names.iter().any(|n| n == rdfs::LITERAL.as_str()))
                    .then_some(Range::Datatypes(names));
            }
            members("oneOf").map(|values| {
                Range::Strings(
                    values
                        .iter()
                        .filter_map(|v| match v {
                            Term::Literal(l) => Some(l.value().to_owned()),
                            _ => None,
                        })
                        .collect(),
                )
            })
        }
        Term::Literal(_) => None,
    }
}

fn named(term: &Term) -> Option<String> {
    match term {
        Term::NamedNode(n) => Some(n.as_str().to_owned()),
        _ => None,
    }
}

/// The members of an RDF list.
fn list(head: &Term, by_subject: &Index<'_>) -> Vec<Term> {
    let mut out = Vec::new();
    let mut node = head.clone();
    while let Term::BlankNode(b) = &node {
        let Some(ts) = by_subject.get(&NamedOrBlankNode::BlankNode(b.clone())) else {
            break;
        };
        let (first, rest) = (
            ts.iter().find(|t| t.predicate == rdf::FIRST),
            ts.iter().find(|t| t.predicate == rdf::REST),
        );
        if let Some(first) = first {
            out.push(first.object.clone());
        }
        match rest {
            Some(rest) => node = rest.object.clone(),
            None => break,
        }
    }
    out
}

fn parse_turtle(text: &str, name: &str) -> Result<Vec<Triple>> {
    RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(text.as_bytes())
        .map(|q| q.map(Triple::from))
        .collect::<Result<_, _>>()
        .map_err(|e| Error::Export(format!("{name}: {e}")))
}

/// Options of the OWL view.
#[derive(Debug, Clone, Default)]
pub struct OwlOptions {
    ontology_iri: Option<String>,
}

impl OwlOptions {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The IRI of the exported ontology; by default derived from the flows it holds.
    #[must_use]
    pub fn with_ontology_iri(mut self, iri: impl Into<String>) -> Self {
        self.ontology_iri = Some(iri.into());
        self
    }
}

/// The ontology IRI of a namespace module: the namespace IRI without its trailing `/`.
#[must_use]
pub fn namespace_ontology_iri(namespace: &Namespace) -> String {
    namespace.graph.trim_end_matches('/').to_owned()
}

/// Writes the OWL 2 DL view of flow quads: one ontology, importing `af:` and the namespaces.
/// Quads of the built-in namespace graphs (a store holds them) are left to the imports.
pub fn owl_document(quads: &[Quad], options: &OwlOptions) -> Result<Vec<Triple>> {
    let schema = Schema::af()?;
    let namespace_graphs: HashSet<&str> = BUILT_IN.iter().map(|n| n.graph).collect();
    let flow_quads = quads.iter().filter(|q| match &q.graph_name {
        GraphName::NamedNode(g) => !namespace_graphs.contains(g.as_str()),
        _ => true,
    });
    let mut rewriter = Rewriter::new(&schema);
    let mut graphs = BTreeSet::new();
    for quad in flow_quads {
        if let GraphName::NamedNode(g) = &quad.graph_name {
            graphs.insert(g.as_str().to_owned());
        }
        rewriter.rewrite(quad)?;
    }
    let ontology = NamedNode::new(options.ontology_iri.clone().unwrap_or_else(|| {
        let joined = graphs.into_iter().collect::<Vec<_>>().join("\n");
        format!(
            "{}owl/{}",
            ns::DEFAULT_INSTANCE_BASE,
            &sha256_hex(joined.as_bytes())[..16]
        )
    }))
    .map_err(|e| Error::Export(format!("ontology IRI: {e}")))?;
    let imports = std::iter::once(AF_ONTOLOGY.to_owned())
        .chain(BUILT_IN.iter().map(namespace_ontology_iri))
        .collect::<Vec<_>>();
    let mut out = header(&ontology, &imports, "flowkg export (OWL 2 DL view)");
    out.extend(rewriter.declarations());
    out.extend(rewriter.triples);
    Ok(out)
}

fn header(ontology: &NamedNode, imports: &[String], title: &str) -> Vec<Triple> {
    let mut out = vec![
        Triple::new(ontology.clone(), rdf::TYPE, owl("Ontology")),
        Triple::new(
            ontology.clone(),
            rdfs::LABEL,
            Literal::new_language_tagged_literal_unchecked(title, "en"),
        ),
    ];
    for import in imports {
        out.push(Triple::new(
            ontology.clone(),
            owl("imports"),
            NamedNode::new_unchecked(import),
        ));
    }
    out
}

/// Rewrites flow triples into OWL 2 DL, remembering what it must declare.
struct Rewriter<'s> {
    schema: &'s Schema,
    triples: Vec<Triple>,
    seen: HashSet<Triple>,
    annotation_properties: BTreeSet<String>,
    individuals: BTreeSet<String>,
}

impl<'s> Rewriter<'s> {
    fn new(schema: &'s Schema) -> Self {
        Self {
            schema,
            triples: Vec::new(),
            seen: HashSet::new(),
            annotation_properties: BTreeSet::new(),
            individuals: BTreeSet::new(),
        }
    }

    fn rewrite(&mut self, quad: &Quad) -> Result<()> {
        let NamedOrBlankNode::NamedNode(subject) = &quad.subject else {
            return Err(Error::Export(format!(
                "OWL view: blank node subject {} (the mapping writes none)",
                quad.subject
            )));
        };
        self.individuals.insert(subject.as_str().to_owned());
        let predicate = self.predicate(quad.predicate.as_ref());
        let (predicate, object) = match &quad.object {
            Term::NamedNode(o) if quad.predicate == rdf::TYPE && o.as_str() == RDF_SEQ => {
                (predicate, af::SEQUENCE.into())
            }
            Term::NamedNode(o) if o.as_ref() == af::NULL => (af::NULL_FOR.into(), predicate.into()),
            Term::NamedNode(o) if o.as_ref() == rdf::NIL => {
                (af::EMPTY_FOR.into(), predicate.into())
            }
            Term::BlankNode(b) => {
                return Err(Error::Export(format!(
                    "OWL view: blank node object _:{} (the mapping writes none)",
                    b.as_str()
                )));
            }
            object => (self.fitting(predicate, object), object.clone()),
        };
        if let Term::NamedNode(o) = &object {
            if self.schema.object.contains(predicate.as_str()) {
                self.individuals.insert(o.as_str().to_owned());
            }
        }
        self.declare_if_annotation(&predicate);
        if let Term::NamedNode(o) = &object {
            if predicate.as_ref() == af::NULL_FOR || predicate.as_ref() == af::EMPTY_FOR {
                self.declare_if_annotation(o);
            }
        }
        let triple = Triple::new(subject.clone(), predicate, object);
        if self.seen.insert(triple.clone()) {
            self.triples.push(triple);
        }
        Ok(())
    }

    /// `rdf:_n` becomes `item:_n`; every other predicate stays.
    fn predicate(&self, predicate: NamedNodeRef<'_>) -> NamedNode {
        match predicate.as_str().strip_prefix(RDF_MEMBER) {
            Some(n) => NamedNode::new_unchecked(format!("{}_{n}", ns::ITEM)),
            None => predicate.into_owned(),
        }
    }

    /// A value that does not fit its `af:` property (a literal under an object property, an
    /// IRI under a datatype property, a literal outside the range) goes under the `prop:` term
    /// of the same local name, an annotation property, so the view stays consistent.
    fn fitting(&self, predicate: NamedNode, object: &Term) -> NamedNode {
        let Some(local) = predicate.as_str().strip_prefix(ns::AF) else {
            return predicate;
        };
        let p = predicate.as_str();
        let fits = match object {
            Term::Literal(l) => !self.schema.object.contains(p) && self.schema.fits(p, l),
            _ => !self.schema.data.contains_key(p),
        };
        let known = self.schema.object.contains(p)
            || self.schema.data.contains_key(p)
            || self.schema.annotation.contains(p);
        if fits && known {
            predicate
        } else {
            NamedNode::new_unchecked(format!("{}{local}", ns::PROP))
        }
    }

    fn declare_if_annotation(&mut self, predicate: &NamedNode) {
        let p = predicate.as_str();
        let reserved = [
            OWL,
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
            "http://www.w3.org/2000/01/rdf-schema#",
            ns::AF,
        ];
        if !reserved.iter().any(|r| p.starts_with(r)) {
            self.annotation_properties.insert(p.to_owned());
        }
    }

    fn declarations(&self) -> Vec<Triple> {
        let mut out = Vec::new();
        for p in &self.annotation_properties {
            out.push(Triple::new(
                NamedNode::new_unchecked(p),
                rdf::TYPE,
                owl("AnnotationProperty"),
            ));
        }
        for i in &self.individuals {
            out.push(Triple::new(
                NamedNode::new_unchecked(i),
                rdf::TYPE,
                owl("NamedIndividual"),
            ));
        }
        out
    }
}

/// A shared namespace as an OWL 2 DL ontology module: its triples, an ontology header that
/// imports `af:`, and declarations of the SKOS and DCMI terms it uses (annotation properties,
/// and classes for what it types its terms with).
pub fn namespace_ontology(namespace: &Namespace) -> Result<Vec<Triple>> {
    let triples = parse_turtle(
        namespace.turtle,
        &format!("namespaces/{}.ttl", namespace.name),
    )?;
    let ontology = NamedNode::new_unchecked(namespace_ontology_iri(namespace));
    let mut out = header(
        &ontology,
        &[AF_ONTOLOGY.to_owned()],
        &format!("flowkg shared namespace {}", namespace.name),
    );
    let mut annotation = BTreeSet::new();
    let mut classes = BTreeSet::new();
    let mut individuals = BTreeSet::new();
    let external = |iri: &str| !iri.starts_with(ns::AF) && !iri.starts_with(OWL);
    for t in &triples {
        let p = t.predicate.as_str();
        if t.predicate == rdf::TYPE {
            if let Term::NamedNode(c) = &t.object {
                if external(c.as_str()) {
                    classes.insert(c.as_str().to_owned());
                }
                if let NamedOrBlankNode::NamedNode(s) = &t.subject {
                    individuals.insert(s.as_str().to_owned());
                }
            }
        } else if p.starts_with("http://www.w3.org/2004/02/skos/core#") || p.starts_with(DCTERMS) {
            annotation.insert(p.to_owned());
        }
    }
    for (set, kind) in [
        (&annotation, "AnnotationProperty"),
        (&classes, "Class"),
        (&individuals, "NamedIndividual"),
    ] {
        for iri in set {
            out.push(Triple::new(
                NamedNode::new_unchecked(iri),
                rdf::TYPE,
                owl(kind),
            ));
        }
    }
    out.extend(triples);
    Ok(out)
}

/// The `af:` ontology's triples.
pub fn af_ontology() -> Result<Vec<Triple>> {
    parse_turtle(AF_TURTLE, "ontology/af.ttl")
}

/// An OASIS XML catalog (`catalog-v001.xml`, read by Protégé from the folder of the file it
/// opens) mapping ontology IRIs to local files, so the imports resolve before the IRIs do.
#[must_use]
pub fn catalog(entries: &[(String, String)]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<catalog prefer=\"public\" xmlns=\"urn:oasis:names:tc:entity:xmlns:xml:catalog\">\n",
    );
    for (iri, file) in entries {
        xml.push_str(&format!(
            "    <uri name=\"{}\" uri=\"{}\"/>\n",
            escape_xml(iri),
            escape_xml(file)
        ));
    }
    xml.push_str("</catalog>\n");
    xml
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The documents an OWL export needs beside it: each imported ontology as
/// (ontology IRI, file stem, triples). Files are named so owlready2 finds them in its
/// `onto_path` too (the last segment of the IRI).
pub fn imported_documents() -> Result<Vec<(String, String, Vec<Triple>)>> {
    let mut docs = vec![(AF_ONTOLOGY.to_owned(), "af".to_owned(), af_ontology()?)];
    for namespace in BUILT_IN {
        docs.push((
            namespace_ontology_iri(namespace),
            namespace.name.to_owned(),
            namespace_ontology(namespace)?,
        ));
    }
    Ok(docs)
}

/// The syntaxes OWL tools read that the OWL view is written in, with their file extensions.
pub fn owl_extension(format: RdfFormat) -> Result<&'static str> {
    match format {
        RdfFormat::Turtle => Ok("ttl"),
        RdfFormat::RdfXml => Ok("owl"),
        RdfFormat::NTriples => Ok("nt"),
        other => Err(Error::Export(format!(
            "--owl writes turtle, rdfxml or ntriples (OWL tools read no {other})"
        ))),
    }
}

/// Writes triples in a syntax, with the vocabulary prefixes.
pub fn write_triples(triples: &[Triple], format: RdfFormat, out: impl Write) -> Result<()> {
    owl_extension(format)?;
    let mut serializer = RdfSerializer::from_format(format);
    if format != RdfFormat::NTriples {
        for (prefix, namespace) in OWL_PREFIXES {
            serializer = serializer
                .with_prefix(prefix, namespace)
                .map_err(|e| Error::Export(format!("prefix {prefix}: {e}")))?;
        }
    }
    let mut writer = serializer.for_writer(out);
    for triple in triples {
        writer
            .serialize_triple(triple)
            .map_err(|e| Error::Export(format!("writing RDF: {e}")))?;
    }
    writer
        .finish()
        .map_err(|e| Error::Export(format!("writing RDF: {e}")))?;
    Ok(())
}

/// The prefixes of the OWL view: only namespaces whose local names need no escapes, since the
/// Turtle parser of the OWL API 3 (Protégé 4, owlready2's HermiT) reads no `\%` or `\$`;
/// `prop:`, `attack:` ... terms are written as full IRIs.
const OWL_PREFIXES: [(&str, &str); 7] = [
    ("af", ns::AF),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("owl", OWL),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("dcterms", DCTERMS),
];

/// Writes the OWL view to `path` and, beside it, the documents it imports and a Protégé
/// catalog, so the file opens offline with its imports; returns the files written.
pub fn write_owl_files(triples: &[Triple], format: RdfFormat, path: &Path) -> Result<Vec<PathBuf>> {
    let extension = owl_extension(format)?;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut written = vec![path.to_owned()];
    write_file(path, |out| write_triples(triples, format, out))?;
    let mut entries = Vec::new();
    for (iri, stem, doc) in imported_documents()? {
        let file = format!("{stem}.{extension}");
        let target = dir.join(&file);
        if target == path {
            return Err(Error::Export(format!(
                "{}: the OWL view needs this name for an imported ontology",
                path.display()
            )));
        }
        write_file(&target, |out| write_triples(&doc, format, out))?;
        written.push(target);
        entries.push((iri, file));
    }
    let catalog_path = dir.join("catalog-v001.xml");
    write_file(&catalog_path, |out| {
        out.write_all(catalog(&entries).as_bytes())
            .map_err(|source| Error::Io {
                path: catalog_path.clone(),
                source,
            })
    })?;
    written.push(catalog_path);
    Ok(written)
}

fn write_file(path: &Path, body: impl FnOnce(&mut BufWriter<File>) -> Result<()>) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let mut out = BufWriter::new(File::create(path).map_err(io)?);
    body(&mut out)?;
    out.flush().map_err(io)
}

//! Writing quads in the six RDF syntaxes, with the vocabulary prefixes; [`stix`] writes flows
//! back as STIX 2.1 bundles.

pub mod stix;

pub mod owl;

use crate::vocab::PREFIXES;
use crate::{Error, Result};
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use oxigraph::model::Quad;
use std::io::Write;

/// The RDF syntaxes flowkg writes, by the names users type.
pub const FORMAT_NAMES: &[(&str, RdfFormat)] = &[
    ("turtle", RdfFormat::Turtle),
    ("ttl", RdfFormat::Turtle),
    ("trig", RdfFormat::TriG),
    ("ntriples", RdfFormat::NTriples),
    ("nt", RdfFormat::NTriples),
    ("nquads", RdfFormat::NQuads),
    ("nq", RdfFormat::NQuads),
    ("rdfxml", RdfFormat::RdfXml),
    ("rdf", RdfFormat::RdfXml),
    ("xml", RdfFormat::RdfXml),
    (
        "jsonld",
        RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        },
    ),
    (
        "json-ld",
        RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        },
    ),
];

/// The RDF syntax a name stands for.
pub fn parse_format(name: &str) -> Result<RdfFormat> {
    let lower = name.to_ascii_lowercase();
    FORMAT_NAMES
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, f)| *f)
        .ok_or_else(|| {
            Error::Export(format!(
                "unknown RDF format \"{name}\" (expected turtle, trig, ntriples, nquads, rdfxml or jsonld)"
            ))
        })
}

/// A serializer for a syntax, with the vocabulary prefixes where the syntax has prefixes.
pub fn serializer(format: RdfFormat) -> RdfSerializer {
    let mut serializer = RdfSerializer::from_format(format);
    if matches!(
        format,
        RdfFormat::Turtle | RdfFormat::TriG | RdfFormat::RdfXml | RdfFormat::JsonLd { .. }
    ) {
        for (prefix, namespace) in PREFIXES {
            serializer = serializer
                .with_prefix(prefix, namespace)
                .expect("vocabulary prefixes are valid IRIs");
        }
    }
    serializer
}

/// Whether a syntax carries named graphs; the others receive the union of all graphs.
#[must_use]
pub fn supports_datasets(format: RdfFormat) -> bool {
    format.supports_datasets()
}

/// Writes quads to `out`; triple-only syntaxes get the triples of all graphs.
pub struct QuadWriter<W: Write> {
    inner: oxigraph::io::WriterQuadSerializer<W>,
    datasets: bool,
}

impl<W: Write> QuadWriter<W> {
    #[must_use]
    pub fn new(format: RdfFormat, out: W) -> Self {
        Self {
            inner: serializer(format).for_writer(out),
            datasets: supports_datasets(format),
        }
    }

    /// Writes some quads.
    pub fn write_all<'a>(&mut self, quads: impl IntoIterator<Item = &'a Quad>) -> Result<()> {
        for quad in quads {
            let written = if self.datasets {
                self.inner.serialize_quad(quad)
            } else {
                self.inner.serialize_triple(quad.as_ref())
            };
            written.map_err(|e| Error::Export(format!("writing RDF: {e}")))?;
        }
        Ok(())
    }

    /// Ends the document.
    pub fn finish(self) -> Result<W> {
        self.inner
            .finish()
            .map_err(|e| Error::Export(format!("writing RDF: {e}")))
    }
}

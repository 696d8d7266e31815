//! Content negotiation for the published vocabularies, as the W3C "Best Practice Recipes for
//! Publishing RDF Vocabularies" configure it (recipe 3 for the hash namespace `af#`, recipe 5
//! for the slash namespaces `ns/attack/` ...): a request path and its `Accept` header give a
//! status, headers and a body or a 303 location. `flowkg publish` writes the same rules as
//! `.htaccess`; a server calls [`negotiate`] to answer them itself.

use super::{Site, Vocabulary};

/// The representations of a vocabulary, in the server's order of preference when the client
/// likes several equally (RDF/XML first: the recipes' default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    RdfXml,
    Turtle,
    JsonLd,
    NTriples,
    Html,
}

impl Representation {
    /// Every representation, in the server's order of preference.
    pub const ALL: [Self; 5] = [
        Self::RdfXml,
        Self::Turtle,
        Self::JsonLd,
        Self::NTriples,
        Self::Html,
    ];

    /// The media type it is served as.
    #[must_use]
    pub fn media_type(self) -> &'static str {
        match self {
            Self::RdfXml => "application/rdf+xml",
            Self::Turtle => "text/turtle",
            Self::JsonLd => "application/ld+json",
            Self::NTriples => "application/n-triples",
            Self::Html => "text/html",
        }
    }

    /// Other media types that ask for it.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Self::Html => &["application/xhtml+xml"],
            Self::Turtle => &["application/x-turtle"],
            _ => &[],
        }
    }

    /// The file extension of its published files.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::RdfXml => "rdf",
            Self::Turtle => "ttl",
            Self::JsonLd => "jsonld",
            Self::NTriples => "nt",
            Self::Html => "html",
        }
    }

    /// The representation a published file is, by its extension.
    #[must_use]
    pub fn of_file(path: &str) -> Option<Self> {
        let extension = path.rsplit_once('.')?.1;
        Self::ALL.into_iter().find(|r| r.extension() == extension)
    }
}

/// What to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// 200, 303, 404 or 406.
    pub status: u16,
    /// `Content-Type`, `Location`, `Vary`.
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

/// The body of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// No body (a 303).
    Empty,
    /// A short text (404, 406).
    Text(String),
    /// A published file, by its path relative to the site folder.
    File(String),
}

impl Response {
    /// The value of a header, if present.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn see_other(location: String) -> Self {
        Self {
            status: 303,
            headers: vec![
                ("Location".into(), location),
                ("Vary".into(), "Accept".into()),
            ],
            body: Body::Empty,
        }
    }

    fn text(status: u16, text: String) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
            body: Body::Text(text),
        }
    }
}

/// The representation an `Accept` header asks for: the highest q-value, the most specific
/// media range deciding each type's q-value, ties going to the server's order. No header means
/// RDF (RDF/XML, as the recipes do); `None` when nothing on offer is acceptable (406).
#[must_use]
pub fn choose(accept: Option<&str>) -> Option<Representation> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(Representation::RdfXml);
    };
    let ranges: Vec<(String, f32)> = accept.split(',').filter_map(media_range).collect();
    let mut best: Option<(Representation, f32)> = None;
    for representation in Representation::ALL {
        let q = quality(representation, &ranges);
        if q > 0.0 && best.is_none_or(|(_, b)| q > b) {
            best = Some((representation, q));
        }
    }
    best.map(|(r, _)| r)
}

fn media_range(item: &str) -> Option<(String, f32)> {
    let mut parts = item.split(';');
    let range = parts.next()?.trim().to_ascii_lowercase();
    if range.is_empty() {
        return None;
    }
    let q = parts
        .filter_map(|p| p.trim().strip_prefix("q="))
        .find_map(|q| q.trim().parse::<f32>().ok())
        .unwrap_or(1.0);
    Some((range, q))
}

/// The q-value of the most specific range matching a representation (exact, `type/*`, `*/*`).
fn quality(representation: Representation, ranges: &[(String, f32)]) -> f32 {
    let types: Vec<&str> = std::iter::once(representation.media_type())
        .chain(representation.aliases().iter().copied())
        .collect();
    let mut best: Option<(u8, f32)> = None;
    for (range, q) in ranges {
        for media_type in &types {
            let specificity = if range == media_type {
                3
            } else if range
                .strip_suffix("/*")
                .is_some_and(|t| media_type.split('/').next().is_some_and(|major| major == t))
            {
                2
            } else if range == "*/*" {
                1
            } else {
                continue;
            };
            if best.is_none_or(|(s, b)| specificity > s || (specificity == s && *q > b)) {
                best = Some((specificity, *q));
            }
        }
    }
    best.map_or(0.0, |(_, q)| q)
}

/// Answers a request for `path` (relative to the site root, the part after
/// `https://w3id.org/flowkg/`; a leading `/` is ignored) with an `Accept` header.
///
/// - A published file: 200 with its media type.
/// - A vocabulary or namespace IRI, or a term of a slash namespace: 303 to the negotiated
///   representation of the current version (HTML at the term's anchor), or 406.
/// - Anything else: 404.
#[must_use]
pub fn negotiate(site: &Site, path: &str, accept: Option<&str>) -> Response {
    let path = path.trim_start_matches('/');
    let path = path.split(['?', '#']).next().unwrap_or_default();
    if let Some(file) = site.file(path) {
        return served_file(file);
    }
    let Some((vocabulary, page, local)) = site.resolve(path) else {
        return Response::text(404, format!("no such term or document: /{path}\n"));
    };
    let Some(representation) = choose(accept) else {
        return not_acceptable(site, vocabulary);
    };
    let location = site.root_relative(&match representation {
        Representation::Html => {
            let page_file = vocabulary.html_path(page, &vocabulary.version);
            match local {
                Some(local) => format!("{page_file}#{local}"),
                None => page_file,
            }
        }
        other => vocabulary.document_path(&vocabulary.version, other),
    });
    Response::see_other(location)
}

fn served_file(path: &str) -> Response {
    let media_type = match Representation::of_file(path) {
        Some(Representation::Html) => "text/html; charset=utf-8".to_owned(),
        Some(Representation::Turtle) => "text/turtle; charset=utf-8".to_owned(),
        Some(other) => other.media_type().to_owned(),
        None if path.ends_with(".md") => "text/markdown; charset=utf-8".to_owned(),
        None => "application/octet-stream".to_owned(),
    };
    Response {
        status: 200,
        headers: vec![("Content-Type".into(), media_type)],
        body: Body::File(path.to_owned()),
    }
}

fn not_acceptable(site: &Site, vocabulary: &Vocabulary) -> Response {
    let mut text = String::from("406 Not Acceptable. Available representations:\n");
    for representation in Representation::ALL {
        text.push_str(&format!(
            "  {}  {}\n",
            representation.media_type(),
            site.root_relative(&vocabulary.document_path(&vocabulary.version, representation))
        ));
    }
    Response::text(406, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_accept_header_means_rdf_xml() {
        assert_eq!(choose(None), Some(Representation::RdfXml));
        assert_eq!(choose(Some("*/*")), Some(Representation::RdfXml));
    }

    #[test]
    fn a_browser_gets_html() {
        let firefox = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert_eq!(choose(Some(firefox)), Some(Representation::Html));
    }

    #[test]
    fn q_values_and_specificity_decide() {
        assert_eq!(
            choose(Some("text/turtle;q=0.5, application/ld+json")),
            Some(Representation::JsonLd)
        );
        assert_eq!(
            choose(Some("text/*;q=0.9, text/html;q=0.1")),
            Some(Representation::Turtle)
        );
        assert_eq!(
            choose(Some("text/turtle;q=0, */*;q=0.1")),
            Some(Representation::RdfXml)
        );
        assert_eq!(choose(Some("image/png, text/turtle;q=0")), None);
    }
}

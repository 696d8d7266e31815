//! Content negotiation: the `Accept` header against the formats a result can be written in.

use oxigraph::io::RdfFormat;
use oxigraph::sparql::results::QueryResultsFormat;

/// Formats for solutions and booleans, the first the default.
pub(super) const RESULTS: [QueryResultsFormat; 4] = [
    QueryResultsFormat::Json,
    QueryResultsFormat::Xml,
    QueryResultsFormat::Csv,
    QueryResultsFormat::Tsv,
];

/// Formats for graphs (CONSTRUCT, DESCRIBE, the service description), the first the default.
pub(super) const GRAPHS: [RdfFormat; 6] = [
    RdfFormat::Turtle,
    RdfFormat::NTriples,
    RdfFormat::RdfXml,
    RdfFormat::NQuads,
    RdfFormat::TriG,
    RdfFormat::N3,
];

/// The media ranges of an `Accept` header, most wanted first (`q=0` ranges dropped).
fn ranges(accept: &str) -> Vec<String> {
    let mut ranges: Vec<(f32, usize, String)> = accept
        .split(',')
        .enumerate()
        .filter_map(|(order, item)| {
            let mut parts = item.split(';');
            let range = parts.next()?.trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (!range.is_empty() && q > 0.0).then_some((q, order, range))
        })
        .collect();
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranges.into_iter().map(|(_, _, range)| range).collect()
}

/// The first of `offered` (by media type) that the header accepts; no header means the first.
pub(super) fn choose<T: Copy>(
    accept: Option<&str>,
    offered: &[T],
    media_type: impl Fn(T) -> &'static str,
) -> Option<T> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return offered.first().copied();
    };
    for range in ranges(accept) {
        if range == "*/*" {
            return offered.first().copied();
        }
        if let Some(kind) = range.strip_suffix("/*") {
            if let Some(found) = offered
                .iter()
                .find(|f| media_type(**f).starts_with(&format!("{kind}/")))
            {
                return Some(*found);
            }
            continue;
        }
        if let Some(found) = offered.iter().find(|f| {
            // Oxigraph's media types may carry parameters (`text/csv; charset=utf-8`).
            let own = media_type(**f).split(';').next().unwrap_or_default().trim();
            own == range || aliases(own).contains(&range.as_str())
        }) {
            return Some(*found);
        }
    }
    None
}

/// Other names clients use for the same formats.
fn aliases(media_type: &str) -> &'static [&'static str] {
    match media_type {
        "application/sparql-results+json" => &["application/json"],
        "application/sparql-results+xml" => &["application/xml", "text/xml"],
        "text/csv" => &["application/csv"],
        "text/tab-separated-values" => &["text/tsv"],
        "application/rdf+xml" => &["application/xml", "text/xml"],
        "application/n-triples" => &["text/plain"],
        "text/turtle" => &["application/x-turtle", "application/turtle"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results(accept: Option<&str>) -> Option<QueryResultsFormat> {
        choose(accept, &RESULTS, QueryResultsFormat::media_type)
    }

    #[test]
    fn picks_by_quality_then_order() {
        assert_eq!(results(None), Some(QueryResultsFormat::Json));
        assert_eq!(
            results(Some("text/csv;q=0.5, application/sparql-results+xml")),
            Some(QueryResultsFormat::Xml)
        );
        assert_eq!(
            results(Some("text/html, */*;q=0.1")),
            Some(QueryResultsFormat::Json)
        );
        assert_eq!(
            results(Some("text/tab-separated-values")),
            Some(QueryResultsFormat::Tsv)
        );
        assert_eq!(results(Some("image/png")), None);
        assert_eq!(results(Some("text/csv;q=0")), None);
        assert_eq!(
            choose(Some("application/rdf+xml"), &GRAPHS, RdfFormat::media_type),
            Some(RdfFormat::RdfXml)
        );
    }
}

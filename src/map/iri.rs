//! Minting IRIs for flows and their nodes, checked with iri-string.
//!
//! A flow's graph is `{base}flow/{key}`; the flow object is the graph IRI itself; every other
//! node is `{graph}/{escaped id}`. Relationships, whose STIX ids the Builder regenerates on
//! every export, get an IRI from what they connect. Free text never reaches an IRI unescaped.

use crate::Error;
use iri_string::types::IriStr;
use oxigraph::model::NamedNode;

/// Checks a string with iri-string and makes it a named node.
pub fn checked(iri: String) -> Result<NamedNode, Error> {
    IriStr::new(&iri).map_err(|e| Error::Iri(format!("minted an invalid IRI <{iri}>: {e}")))?;
    Ok(NamedNode::new_unchecked(iri))
}

/// Percent-encodes everything but unreserved characters and `:`, so any id, however hostile
/// (spaces, `<`, `"`, newlines, non-ASCII), becomes one safe path segment.
#[must_use]
pub fn escape_segment(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let safe =
        |byte: u8| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b':');
    if text.bytes().all(safe) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for byte in text.bytes() {
        if safe(byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xF)]));
        }
    }
    out
}

/// Undoes [`escape_segment`].
#[must_use]
pub fn unescape_segment(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(byte) =
                u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("-"), 16)
            {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_ids_become_valid_iris() {
        for id in [
            "tool--a b",
            "x<y>",
            "q\"uote",
            "new\nline",
            "ünïcödé--1",
            "a/b#c?d",
            "%41",
        ] {
            let segment = escape_segment(id);
            let iri = checked(format!("urn:flowkg:flow/k/{segment}")).unwrap();
            assert!(!iri.as_str().contains(['<', '>', '"', ' ', '\n']));
            assert_eq!(unescape_segment(&segment), id);
        }
    }
}

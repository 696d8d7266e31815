//! Technique and tactic ids, as written by people, to shared IRIs.
//!
//! Sources spell ids loosely: `"T1105 "`, `"T1218/011"`, `"[ATL] AML.T0095.000 Code
//! Repositories"`, `"T1072; T1505; T1203"`. Every well-formed id found in the text gets its
//! framework's IRI; text with no recognisable id gets none, and the caller reports it. What
//! ATT&CK says of an id (its replacements, whether it serves Impact) comes from the built-in
//! namespace.

use crate::namespaces;
use crate::vocab::{af, ns};
use oxigraph::model::{NamedNode, NamedOrBlankNode, Quad, Term};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The quads of the built-in ATT&CK namespace, parsed once.
static ATTACK: LazyLock<Vec<Quad>> = LazyLock::new(|| {
    namespaces::BUILT_IN
        .iter()
        .filter(|n| n.graph == ns::ATTACK)
        // The embedded namespace files are parsed by a test; they cannot fail here.
        .flat_map(|n| n.quads().expect("the built-in ATT&CK namespace parses"))
        .collect()
});

/// ATT&CK's replacements of its deprecated and revoked techniques (`dcterms:isReplacedBy` in
/// `namespaces/attack.ttl`), by technique id.
static REPLACED_BY: LazyLock<HashMap<String, Vec<String>>> = LazyLock::new(|| {
    const IS_REPLACED_BY: &str = "http://purl.org/dc/terms/isReplacedBy";
    let mut replaced_by: HashMap<String, Vec<String>> = HashMap::new();
    for quad in ATTACK
        .iter()
        .filter(|q| q.predicate.as_str() == IS_REPLACED_BY)
    {
        let (NamedOrBlankNode::NamedNode(technique), Term::NamedNode(by)) =
            (&quad.subject, &quad.object)
        else {
            continue;
        };
        if let (Some(id), Some(by)) = (
            technique.as_str().strip_prefix(ns::ATTACK),
            by.as_str().strip_prefix(ns::ATTACK),
        ) {
            replaced_by
                .entry(id.to_owned())
                .or_default()
                .push(by.to_owned());
        }
    }
    replaced_by
});

/// The IRIs of the Impact tactics (one per ATT&CK domain, short name `impact`) and of the
/// techniques that serve one.
static IMPACT: LazyLock<HashSet<String>> = LazyLock::new(|| {
    let subject = |quad: &Quad| match &quad.subject {
        NamedOrBlankNode::NamedNode(node) => Some(node.as_str().to_owned()),
        NamedOrBlankNode::BlankNode(_) => None,
    };
    let mut impact: HashSet<String> = ATTACK
        .iter()
        .filter(|q| {
            q.predicate == af::SHORT_NAME
                && matches!(&q.object, Term::Literal(name) if name.value() == "impact")
        })
        .filter_map(subject)
        .collect();
    let techniques: Vec<String> = ATTACK
        .iter()
        .filter(|q| {
            q.predicate == af::TACTIC_REF
                && matches!(&q.object, Term::NamedNode(tactic) if impact.contains(tactic.as_str()))
        })
        .filter_map(subject)
        .collect();
    impact.extend(techniques);
    impact
});

/// Whether an action that states this tactic or technique (`af:tactic`, `af:technique`) is an
/// impact action: the tactic is Impact, or the technique serves Impact in ATT&CK.
pub(super) fn serves_impact(tactic_or_technique: &NamedNode) -> bool {
    IMPACT.contains(tactic_or_technique.as_str())
}

/// A framework whose ids flowkg recognises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framework {
    Attack,
    Atlas,
    D3fend,
    F3,
    /// The Malware Behavior Catalog (`B0023`, `E1204`, `F0007` ...).
    Mbc,
}

impl Framework {
    fn base(self) -> String {
        match self {
            Self::Attack => ns::ATTACK.to_owned(),
            Self::Atlas => ns::ATLAS.to_owned(),
            Self::D3fend => ns::D3FEND.to_owned(),
            Self::F3 => ns::F3.to_owned(),
            Self::Mbc => format!("{}mbc/", ns::SHARED),
        }
    }
}

/// One id found in a text: its canonical spelling and framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TechniqueId {
    pub id: String,
    pub framework: Framework,
}

impl TechniqueId {
    /// This id and, for a sub-technique (`T1059.001`), its parent technique (`T1059`).
    #[must_use]
    pub fn with_parent(&self) -> Vec<TechniqueId> {
        let mut family = vec![self.clone()];
        if let Some((parent, sub)) = self.id.rsplit_once('.') {
            if sub.len() == 3 && sub.bytes().all(|b| b.is_ascii_digit()) && !parent.ends_with("AML")
            {
                family.push(TechniqueId {
                    id: parent.to_owned(),
                    framework: self.framework,
                });
            }
        }
        family
    }

    /// The shared IRIs of every technique this id counts as: itself, its parent, the techniques
    /// ATT&CK replaced either with, and theirs in turn (the closure of `skos:broader` and
    /// `dcterms:isReplacedBy`), so that a deprecated id in a flow matches its replacement.
    #[must_use]
    pub fn counts_as(&self) -> Vec<String> {
        let mut found: Vec<TechniqueId> = Vec::new();
        let mut pending = vec![self.clone()];
        while let Some(id) = pending.pop() {
            for member in id.with_parent() {
                if found.contains(&member) {
                    continue;
                }
                if member.framework == Framework::Attack {
                    for by in REPLACED_BY.get(&member.id).into_iter().flatten() {
                        pending.push(TechniqueId {
                            id: by.clone(),
                            framework: Framework::Attack,
                        });
                    }
                }
                found.push(member);
            }
        }
        found.iter().map(TechniqueId::iri).collect()
    }

    /// The shared IRI of this id.
    #[must_use]
    pub fn iri(&self) -> String {
        format!("{}{}", self.framework.base(), self.id)
    }
}

/// Every technique or tactic id in a text, in order, without repeats.
#[must_use]
pub fn find_ids(text: &str) -> Vec<TechniqueId> {
    let mut found: Vec<TechniqueId> = Vec::new();
    for token in text.split(|c: char| {
        c.is_whitespace() || matches!(c, ';' | ',' | '[' | ']' | '(' | ')' | ':' | '|')
    }) {
        if let Some(id) = parse_token(token) {
            if !found.contains(&id) {
                found.push(id);
            }
        }
    }
    found
}

fn parse_token(token: &str) -> Option<TechniqueId> {
    let token = token.trim_matches(|c: char| c == '.' || c == '"' || c == '\'');
    let upper = token.to_ascii_uppercase().replace('/', ".");
    if let Some(rest) = upper.strip_prefix("AML.") {
        return is_numbered(rest, &["TA", "T"]).then(|| TechniqueId {
            id: upper.clone(),
            framework: Framework::Atlas,
        });
    }
    if let Some(rest) = upper.strip_prefix("F3.") {
        return is_numbered(rest, &["FA", "TA", "F", "T"]).then(|| TechniqueId {
            id: upper.clone(),
            framework: Framework::F3,
        });
    }
    if let Some(rest) = upper.strip_prefix("D3-") {
        let ok = !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric());
        // D3FEND ids keep their published case (`D3-AA`, `D3-FCR`).
        return ok.then(|| TechniqueId {
            id: format!("D3-{rest}"),
            framework: Framework::D3fend,
        });
    }
    if is_numbered(&upper, &["TA", "T"]) {
        return Some(TechniqueId {
            id: upper,
            framework: Framework::Attack,
        });
    }
    if is_numbered(&upper, &["B", "C", "E", "F"]) {
        return Some(TechniqueId {
            id: upper,
            framework: Framework::Mbc,
        });
    }
    None
}

/// `PREFIX` + four digits, optionally `.` + three digits.
fn is_numbered(text: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|prefix| {
        text.strip_prefix(prefix).is_some_and(|digits| {
            let (main, sub) = digits.split_once('.').unwrap_or((digits, ""));
            main.len() == 4
                && main.bytes().all(|b| b.is_ascii_digit())
                && (sub.is_empty() && !digits.ends_with('.')
                    || sub.len() == 3 && sub.bytes().all(|b| b.is_ascii_digit()))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<String> {
        find_ids(text).into_iter().map(|t| t.iri()).collect()
    }

    #[test]
    fn repairs_loose_spellings() {
        assert_eq!(ids("T1105 "), ["https://w3id.org/flowkg/ns/attack/T1105"]);
        assert_eq!(
            ids("T1218/011"),
            ["https://w3id.org/flowkg/ns/attack/T1218.011"]
        );
        assert_eq!(
            ids("t1059.001"),
            ["https://w3id.org/flowkg/ns/attack/T1059.001"]
        );
        assert_eq!(
            ids("[ATL] AML.T0095.000 Code Repositories"),
            ["https://w3id.org/flowkg/ns/atlas/AML.T0095.000"]
        );
        assert_eq!(ids("T1072; T1505; T1203").len(), 3);
        assert_eq!(ids("D3-AA"), ["https://w3id.org/flowkg/ns/d3fend/D3-AA"]);
        assert_eq!(
            ids("F3.F1002.001"),
            ["https://w3id.org/flowkg/ns/f3/F3.F1002.001"]
        );
        assert_eq!(ids("TA0001"), ["https://w3id.org/flowkg/ns/attack/TA0001"]);
    }

    #[test]
    fn deprecated_ids_count_as_their_replacements() {
        let counts_as = |text: &str| find_ids(text)[0].counts_as();
        let attack = |id: &str| format!("https://w3id.org/flowkg/ns/attack/{id}");
        // PowerShell (T1086) was revoked in favour of the sub-technique T1059.001.
        assert_eq!(
            counts_as("T1086"),
            [attack("T1086"), attack("T1059.001"), attack("T1059")]
        );
        assert_eq!(
            counts_as("T1566.001"),
            [attack("T1566.001"), attack("T1566")]
        );
        assert_eq!(
            counts_as("AML.T0051"),
            ["https://w3id.org/flowkg/ns/atlas/AML.T0051"]
        );
    }

    #[test]
    fn leaves_what_it_cannot_read() {
        assert!(ids("T1078.00").is_empty());
        assert!(ids("unknown").is_empty());
        assert!(ids("N/A").is_empty());
        assert!(ids("de").is_empty());
    }

    #[test]
    fn reads_ids_in_legacy_action_names() {
        assert_eq!(
            ids("T1552.001: Unsecured Credentials: Credentials In Files"),
            ["https://w3id.org/flowkg/ns/attack/T1552.001"]
        );
    }
}

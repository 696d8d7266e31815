//! SKOS concept schemes read for matching: each concept with all its labels normalised.

use super::text::tokens;
use crate::{Error, Result};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{NamedNode, Term, Triple};
use std::collections::BTreeMap;

const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";

/// One concept and the token sequences of its labels.
#[derive(Debug, Clone)]
pub struct Concept {
    pub iri: NamedNode,
    /// Every prefLabel, altLabel and hiddenLabel, normalised with the given function.
    pub labels: Vec<Vec<String>>,
    /// `skos:notation` values (ATT&CK software ids ...).
    pub notations: Vec<String>,
    /// The scheme the concept is `skos:inScheme` of, if any.
    pub scheme: Option<NamedNode>,
}

/// The concepts of one or more schemes.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    pub concepts: Vec<Concept>,
}

impl Vocabulary {
    /// The concepts of a Turtle document, labels normalised by `normalise`.
    pub fn from_turtle(
        name: &str,
        turtle: &str,
        normalise: fn(&str) -> Vec<String>,
    ) -> Result<Self> {
        let triples: Vec<Triple> = RdfParser::from_format(RdfFormat::Turtle)
            .for_slice(turtle.as_bytes())
            .map(|q| q.map(Triple::from))
            .collect::<Result<_, _>>()
            .map_err(|e| Error::Store(format!("{name}: {e}")))?;
        let mut concepts: BTreeMap<String, Concept> = BTreeMap::new();
        for triple in &triples {
            let oxigraph::model::NamedOrBlankNode::NamedNode(subject) = &triple.subject else {
                continue;
            };
            let Some(local) = triple.predicate.as_str().strip_prefix(SKOS) else {
                continue;
            };
            let is_concept_type = local.is_empty();
            let entry = || Concept {
                iri: subject.clone(),
                labels: Vec::new(),
                notations: Vec::new(),
                scheme: None,
            };
            match (local, &triple.object) {
                ("prefLabel" | "altLabel" | "hiddenLabel", Term::Literal(label)) => {
                    let words = normalise(label.value());
                    if !words.is_empty() {
                        concepts
                            .entry(subject.as_str().to_owned())
                            .or_insert_with(entry)
                            .labels
                            .push(words);
                    }
                }
                ("notation", Term::Literal(notation)) => concepts
                    .entry(subject.as_str().to_owned())
                    .or_insert_with(entry)
                    .notations
                    .push(notation.value().to_owned()),
                ("inScheme", Term::NamedNode(scheme)) => {
                    concepts
                        .entry(subject.as_str().to_owned())
                        .or_insert_with(entry)
                        .scheme = Some(scheme.clone());
                }
                _ => {
                    let _ = is_concept_type;
                }
            }
        }
        Ok(Self {
            concepts: concepts
                .into_values()
                .filter(|c| !c.labels.is_empty())
                .collect(),
        })
    }

    /// Adds another vocabulary's concepts.
    pub fn extend(&mut self, other: Vocabulary) {
        self.concepts.extend(other.concepts);
    }

    /// The concept with a label equal to `words`.
    #[must_use]
    pub fn exact(&self, words: &[String]) -> Option<&Concept> {
        if words.is_empty() {
            return None;
        }
        self.concepts
            .iter()
            .find(|c| c.labels.iter().any(|l| l == words))
    }

    /// The concept whose label occurs in `words` as a run of tokens, the longest label winning
    /// (so "domain controller" beats "server" in "domain controller server").
    #[must_use]
    pub fn longest_in(&self, words: &[String]) -> Option<(&Concept, usize)> {
        self.concepts
            .iter()
            .flat_map(|c| c.labels.iter().map(move |l| (c, l)))
            .filter(|(_, label)| super::text::find_run(words, label).is_some())
            .max_by_key(|(_, label)| label.len())
            .map(|(c, label)| (c, label.len()))
    }

    /// The concept whose label occurs earliest in `words`, starting within the first `window`
    /// tokens (the main clause of a sentence), and where its label starts; the longest label
    /// wins at the same place, so "Attackers collect user credentials to access the network"
    /// states what it opens with.
    #[must_use]
    pub fn earliest_in(&self, words: &[String], window: usize) -> Option<(&Concept, usize)> {
        self.earliest_in_where(words, window, |_| true)
    }

    /// [`Self::earliest_in`] among the concepts `keep` accepts.
    pub fn earliest_in_where(
        &self,
        words: &[String],
        window: usize,
        keep: impl Fn(&Concept) -> bool,
    ) -> Option<(&Concept, usize)> {
        self.concepts
            .iter()
            .filter(|c| keep(c))
            .flat_map(|c| c.labels.iter().map(move |l| (c, l)))
            .filter_map(|(c, label)| {
                let at = super::text::find_runs(words, label)
                    .find(|&at| !modifies_a_noun(words, at, label.len()))?;
                (at < window).then_some((c, at, label.len()))
            })
            .min_by_key(|&(_, at, len)| (at, std::cmp::Reverse(len)))
            .map(|(c, at, _)| (c, at))
    }

    /// The concept whose label ends `words` (the head of a noun phrase), the longest winning.
    #[must_use]
    pub fn ending(&self, words: &[String]) -> Option<(&Concept, usize)> {
        self.concepts
            .iter()
            .flat_map(|c| c.labels.iter().map(move |l| (c, l)))
            .filter(|(_, label)| words.ends_with(label))
            .max_by_key(|(_, label)| label.len())
            .map(|(c, label)| (c, label.len()))
    }

    /// The concept with this IRI.
    #[must_use]
    pub fn by_iri(&self, iri: &str) -> Option<&Concept> {
        self.concepts.iter().find(|c| c.iri.as_str() == iri)
    }

    /// The concept with this notation (an ATT&CK software id ...).
    #[must_use]
    pub fn by_notation(&self, notation: &str) -> Option<&Concept> {
        self.concepts
            .iter()
            .find(|c| c.notations.iter().any(|n| n.eq_ignore_ascii_case(notation)))
    }
}

/// The default normalisation: word tokens with plurals folded.
#[must_use]
pub fn word_tokens(text: &str) -> Vec<String> {
    tokens(text)
}

/// A one-word participle right after an article or a number and before another word modifies
/// that word ("the downloaded scripts", "XOR 0x67 encrypted user names"): it describes a
/// thing, it states nothing.
fn modifies_a_noun(words: &[String], at: usize, len: usize) -> bool {
    let determiner =
        |word: &str| matches!(word, "the" | "a" | "an") || word.chars().any(|c| c.is_ascii_digit());
    len == 1
        && words[at].ends_with("ed")
        && at > 0
        && at + 1 < words.len()
        && determiner(&words[at - 1])
}

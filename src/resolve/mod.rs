//! Resolution: links a flow's nodes to shared IRIs, each decision with its rule and confidence.
//!
//! - the same software (tool or malware alike), vulnerability, threat actor, campaign or
//!   observable is one entity: `owl:sameAs` and the materialised join key `af:entity`;
//! - an asset or infrastructure node is an occurrence of an asset kind: `af:assetKind`;
//! - a condition or a legacy state expresses a state: `af:expressesState`.
//!
//! Decisions depend only on the flow itself and the namespaces (built-in and the user's), so
//! resolving a flow alone and loading it with others give the same answer.

mod observable;
pub mod report;
mod text;
mod vocabulary;

pub use observable::{canonical_json, deterministic_id};
pub use vocabulary::{Concept, Vocabulary};

use crate::model::{Flow, Object, ObjectKind, StatementKind};
use crate::vocab::ns;
use crate::{Error, Result};
use observable::is_identified;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock};
use text::{is_generic, main_clause, software_core, tokens};

/// How a node relates to the shared IRI it was resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// The identical thing (same software, CVE, actor, observable).
    SameAs,
    /// An occurrence of an asset kind.
    AssetKind,
    /// Expresses a state.
    ExpressesState,
}

impl Relation {
    /// The name used in reports: the property that states it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SameAs => "owl:sameAs",
            Self::AssetKind => "af:assetKind",
            Self::ExpressesState => "af:expressesState",
        }
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One resolution decision.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The node's id in the flow (its STIX id).
    pub node: String,
    pub shared_iri: String,
    pub relation: Relation,
    /// The rule that decided, e.g. `software-name`, `cve-id`, `stix-deterministic-id`.
    pub rule: &'static str,
    pub confidence: f32,
}

/// The namespaces resolution matches against.
#[derive(Debug, Clone)]
pub struct Resolver {
    kinds: Vocabulary,
    states: Vocabulary,
    software: Vocabulary,
}

/// Words that open a clause which is not a noun phrase naming what something is.
const NOT_A_NOUN_PHRASE: &[&str] = &[
    "the", "a", "an", "located", "hosted", "hosting", "used", "in", "on", "at", "by", "with",
    "for", "from", "to", "contain", "contains", "host", "hosts", "stores", "store", "runs", "run",
];

/// Words that call a node a copy of some software ("copy of PsExec", "a renamed version of
/// Mimikatz").
const COPY_WORDS: &[&str] = &["copy", "version", "variant"];

/// Prepositions that end the head of a name ("User of ...", "C2 for ...").
const HEAD_ENDS_BEFORE: &[&str] = &["of", "for"];

/// Longer conditions are stories: their state is less certain.
const MAX_CONDITION_WORDS: usize = 10;

/// How far into a condition its state may be stated (the main clause).
const STATE_WINDOW: usize = 8;

/// The state every other state implies: the adversary knows of the thing.
const WEAKEST_STATE: &str = "state/discovered";

/// A state that, said of credentials, is their being obtained.
const COMPROMISED_STATE: &str = "state/compromised";
const CREDENTIALS_OBTAINED_STATE: &str = "state/credentials-obtained";
const CREDENTIALS_KIND: &str = "asset-kind/credentials";

fn shared(path: &str) -> String {
    format!("{}{path}", ns::SHARED)
}

const KINDS_TTL: &str = include_str!("../../namespaces/asset-kinds.ttl");
const STATES_TTL: &str = include_str!("../../namespaces/states.ttl");
const SOFTWARE_TTL: &str = include_str!("../../namespaces/software.ttl");

static BUILT_IN: LazyLock<Arc<Resolver>> = LazyLock::new(|| {
    // The embedded namespace files are parsed by a test; they cannot fail here.
    Arc::new(Resolver::from_built_in().expect("the built-in namespaces parse"))
});

fn software_words(label: &str) -> Vec<String> {
    software_core(label)
}

impl Resolver {
    /// The resolver over the built-in namespaces, shared.
    #[must_use]
    pub fn built_in() -> Arc<Self> {
        Arc::clone(&BUILT_IN)
    }

    fn from_built_in() -> Result<Self> {
        Ok(Self {
            kinds: Vocabulary::from_turtle(
                "namespaces/asset-kinds.ttl",
                KINDS_TTL,
                vocabulary::word_tokens,
            )?,
            states: Vocabulary::from_turtle(
                "namespaces/states.ttl",
                STATES_TTL,
                vocabulary::word_tokens,
            )?,
            software: Vocabulary::from_turtle(
                "namespaces/software.ttl",
                SOFTWARE_TTL,
                software_words,
            )?,
        })
    }

    /// Adds a user's namespace (Turtle, SKOS): concepts `skos:inScheme` the built-in state or
    /// software scheme join those; every other concept is an asset kind.
    pub fn with_namespace(mut self, name: &str, turtle: &str) -> Result<Self> {
        let words = Vocabulary::from_turtle(name, turtle, vocabulary::word_tokens)?;
        let software = Vocabulary::from_turtle(name, turtle, software_words)?;
        if words.concepts.is_empty() {
            return Err(Error::Store(format!(
                "{name}: no skos:Concept with a label"
            )));
        }
        for (concept, software_concept) in words.concepts.into_iter().zip(software.concepts) {
            let scheme = concept
                .scheme
                .as_ref()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default();
            if scheme == shared("state/") {
                self.states.concepts.push(concept);
            } else if scheme == shared("software/") {
                self.software.concepts.push(software_concept);
            } else {
                self.kinds.concepts.push(concept);
            }
        }
        Ok(self)
    }

    /// Every decision for a flow's nodes.
    #[must_use]
    pub fn resolve(&self, flow: &Flow) -> Vec<Decision> {
        let mut decisions = Vec::new();
        let observables = observable_ids(flow);
        let local_software = self.local_software(flow);
        let legacy_descriptions = legacy_descriptions(flow);
        for object in &flow.objects {
            let mut decide =
                |shared_iri: String, relation: Relation, rule: &'static str, confidence: f32| {
                    decisions.push(Decision {
                        node: object.id.clone(),
                        shared_iri,
                        relation,
                        rule,
                        confidence,
                    });
                };
            if let Some(id) = observables
                .get(object.id.as_str())
                .filter(|_| is_identified(&object.stix_type, &object.properties))
            {
                decide(
                    shared(&format!("observable/{id}")),
                    Relation::SameAs,
                    "stix-deterministic-id",
                    1.0,
                );
            }
            match (object.kind, object.stix_type.as_str()) {
                (ObjectKind::Other, "tool" | "malware" | "software") => {
                    if let Some(own) = local_software.iter().find(|s| s.id == object.id) {
                        decide(
                            own.resolution.0.clone(),
                            Relation::SameAs,
                            own.resolution.1,
                            own.resolution.2,
                        );
                    }
                }
                (ObjectKind::Other, "file" | "process" | "artifact") => {
                    if let Some((iri, rule, confidence)) = self
                        .identified_in_description(object, &local_software)
                        .or_else(|| named_like_local_software(object, &local_software))
                    {
                        decide(iri, Relation::SameAs, rule, confidence);
                    }
                }
                (ObjectKind::Other, "vulnerability") => {
                    if let Some((iri, rule)) = vulnerability_of(object) {
                        decide(iri, Relation::SameAs, rule, 1.0);
                    }
                }
                (ObjectKind::Other, "threat-actor" | "intrusion-set" | "campaign") => {
                    if let Some(iri) = named_entity(object) {
                        decide(iri, Relation::SameAs, "normalised-name", 0.9);
                    }
                }
                (ObjectKind::Other, "infrastructure") => {
                    if let Some(iri) = infrastructure_address(object) {
                        decide(iri, Relation::SameAs, "address-name", 0.9);
                    }
                    if let Some((iri, rule, confidence)) = self
                        .kind_of(object.str("name"), object.str("description"))
                        .or_else(|| kind_of_role(object))
                    {
                        decide(iri, Relation::AssetKind, rule, confidence);
                    }
                }
                (ObjectKind::Asset, _) => {
                    let description = object
                        .str("description")
                        .or_else(|| legacy_descriptions.get(object.id.as_str()).copied());
                    let name = object
                        .str("name")
                        .or_else(|| legacy_descriptions.get(object.id.as_str()).copied());
                    if let Some((iri, rule, confidence)) = self.kind_of(name, description) {
                        decide(iri, Relation::AssetKind, rule, confidence);
                    }
                    if let Some(state) = object.str("state") {
                        if let Some(concept) = self.states.exact(&tokens(state)) {
                            decide(
                                concept.iri.as_str().to_owned(),
                                Relation::ExpressesState,
                                "state-label",
                                0.95,
                            );
                        }
                    }
                }
                // Conditions are narrative: the state is what the main clause opens with
                // ("Attacker obtained domain admin credentials for ..."). A condition is no
                // occurrence of the assets it names, so it gets no asset kind: "The backdoor
                // contacts the C2 server" is no C2 server.
                (ObjectKind::Condition, _) => {
                    let description = object.str("description").unwrap_or_default();
                    let text = tokens(description);
                    if let Some(concept) = self.condition_state(description) {
                        decide(
                            concept.iri.as_str().to_owned(),
                            Relation::ExpressesState,
                            "state-in-description",
                            if text.len() <= MAX_CONDITION_WORDS {
                                0.6
                            } else {
                                0.5
                            },
                        );
                    }
                }
                // A legacy `state` data property: the asset it is about expresses the state.
                (ObjectKind::Statement(StatementKind::DataProperty), _)
                    if legacy_local(object).as_deref() == Some("state") =>
                {
                    let state = object
                        .str("value")
                        .and_then(|v| self.states.exact(&tokens(v)));
                    if let (Some(concept), Some(asset)) = (state, object.str("source_ref")) {
                        decisions.push(Decision {
                            node: asset.to_owned(),
                            shared_iri: concept.iri.as_str().to_owned(),
                            relation: Relation::ExpressesState,
                            rule: "state-label",
                            confidence: 0.9,
                        });
                    }
                }
                _ => {}
            }
        }
        decisions
    }

    /// How every tool, malware and software node of the flow resolves, its description
    /// included ("mi.ps1": "a renamed version of Mimikatz"). A node's description may name
    /// another node of the flow, so the nodes are first known by their names alone.
    fn local_software<'f>(&self, flow: &'f Flow) -> Vec<LocalSoftware<'f>> {
        let software = || {
            flow.objects
                .iter()
                .filter(|o| matches!(o.stix_type.as_str(), "tool" | "malware" | "software"))
        };
        let by_name: Vec<LocalSoftware<'_>> = software()
            .filter_map(|o| {
                Some(LocalSoftware::new(
                    o,
                    self.software_by_name(o.str("name")?)?,
                ))
            })
            .collect();
        software()
            .filter_map(|o| Some(LocalSoftware::new(o, self.software_of(o, &by_name)?)))
            .collect()
    }

    fn software_by_name(&self, name: &str) -> Option<(String, &'static str, f32)> {
        // A name may list several spellings: "psexesvc.exe/PsExec64.exe", or give one in
        // parentheses: "Windows Management Instrumentation (WMI)".
        let (outside, inside) = match name.split_once('(') {
            Some((before, rest)) => (before, rest.split(')').next().unwrap_or_default()),
            None => (name, ""),
        };
        let spellings = [name, outside, inside]
            .into_iter()
            .chain(name.split(['/', ',']));
        for part in spellings.filter(|p| !p.trim().is_empty()) {
            if let Some(concept) = self.software.exact(&software_core(part)) {
                return Some((concept.iri.as_str().to_owned(), "software-name", 0.95));
            }
        }
        let core = software_core(name);
        if core.is_empty() || is_generic(&core) {
            return None;
        }
        Some((
            shared(&format!("software/{}", text::slug(&core))),
            "normalised-name",
            0.85,
        ))
    }

    fn software_of(
        &self,
        object: &Object,
        local: &[LocalSoftware<'_>],
    ) -> Option<(String, &'static str, f32)> {
        let by_name = object.str("name").and_then(|n| self.software_by_name(n));
        match by_name {
            Some(found) if found.1 == "software-name" => Some(found),
            other => self.identified_in_description(object, local).or(other),
        }
    }

    /// A node whose description says what software it is: the description's first clause is
    /// the software's name, maybe with a word for its packaging ("Mimikatz", "Mimikatz file;
    /// used to dump …", "Cobalt Strike DLL"), or it calls the node a copy of it ("copy of
    /// PsExec utility", "a renamed version of Mimikatz"). "PowerShell loader" or "XMRig Miner
    /// driver" describe something else that merely involves the software.
    fn identified_in_description(
        &self,
        object: &Object,
        local: &[LocalSoftware<'_>],
    ) -> Option<(String, &'static str, f32)> {
        let description = object.str("description")?;
        let words = tokens(description);
        let clause_end = description
            .find([';', ':', '('])
            .into_iter()
            .chain(description.find(" - "))
            .min()
            .unwrap_or(description.len());
        let clause = tokens(&description[..clause_end]);
        let own = object.str("name").map(software_core).unwrap_or_default();
        let known = self
            .software
            .concepts
            .iter()
            .flat_map(|c| c.labels.iter().map(move |l| (l.as_slice(), c.iri.as_str())))
            .chain(
                local
                    .iter()
                    .map(|s| (s.core.as_slice(), s.resolution.0.as_str())),
            )
            .filter(|(label, _)| {
                !label.is_empty() && *label != own.as_slice() && !is_generic(label)
            });
        let mut best: Option<(usize, &str)> = None;
        for (label, iri) in known {
            let names_it = clause.starts_with(label)
                && match &clause[label.len()..] {
                    [] => true,
                    [packaging] => matches!(
                        packaging.as_str(),
                        "file"
                            | "utility"
                            | "binary"
                            | "executable"
                            | "dll"
                            | "tool"
                            | "exe"
                            | "miner"
                    ),
                    _ => false,
                };
            let copy_of = text::find_runs(&words, label).any(|at| {
                at > 0
                    && matches!(words[at - 1].as_str(), "of" | "renamed")
                    && words[..at]
                        .iter()
                        .any(|w| w == "renamed" || COPY_WORDS.contains(&w.as_str()))
            });
            if (names_it || copy_of) && best.as_ref().is_none_or(|(len, _)| label.len() > *len) {
                best = Some((label.len(), iri));
            }
        }
        best.map(|(_, iri)| (iri.to_owned(), "description-identifies", 0.8))
            .or_else(|| self.renamed_in_description(description))
    }

    /// Software the flow does not otherwise know, named where a description opens by saying
    /// what the node is a renamed copy of ("renamed procdump", "Renamed copy of rclone"): one
    /// or two words, so that "renamed copy of a legitimate Windows binary" names nothing.
    fn renamed_in_description(&self, description: &str) -> Option<(String, &'static str, f32)> {
        let phrase = description
            .split([',', ';', ':', '(', '.'])
            .next()
            .unwrap_or_default();
        let words = tokens(phrase);
        let words = match words.first().map(String::as_str) {
            Some("a" | "an" | "the") => &words[1..],
            _ => &words[..],
        };
        let mut rest = words.strip_prefix(&["renamed".to_owned()])?;
        while let [first, tail @ ..] = rest {
            if !(first == "of" || COPY_WORDS.contains(&first.as_str())) {
                break;
            }
            rest = tail;
        }
        if !(1..=2).contains(&rest.len()) || is_generic(rest) {
            return None;
        }
        let (iri, _, _) = self.software_by_name(&rest.join(" "))?;
        Some((iri, "description-identifies", 0.75))
    }

    /// The state a condition's sentence states. Knowing of a thing is implied by every other
    /// state, so "Attacker discovers the password and NTLM hash" states credentials obtained.
    /// A leading subordinate clause is a circumstance, not the state: "When the task is
    /// executed, the attacker moves on" states no execution.
    fn condition_state(&self, description: &str) -> Option<&Concept> {
        let text = &tokens(main_clause(description));
        let weakest = shared(WEAKEST_STATE);
        let strong = self
            .states
            .earliest_in_where(text, STATE_WINDOW, |c| c.iri.as_str() != weakest);
        let (state, at) = strong.or_else(|| self.states.earliest_in(text, STATE_WINDOW))?;
        // "Admin hash is compromised": compromised credentials are credentials obtained. The
        // subject ends right before the state, or before its verb ("is", "were").
        if state.iri.as_str() == shared(COMPROMISED_STATE) {
            let subject_is_credentials = self
                .kinds
                .ending(&text[..at.saturating_sub(1)])
                .or_else(|| self.kinds.ending(&text[..at]))
                .is_some_and(|(kind, _)| kind.iri.as_str() == shared(CREDENTIALS_KIND));
            if subject_is_credentials {
                return self
                    .states
                    .by_iri(&shared(CREDENTIALS_OBTAINED_STATE))
                    .or(Some(state));
            }
        }
        Some(state)
    }

    /// The asset kind a name says a node is, by the kind label its name ends with (the head of
    /// the noun phrase: "Plaintext SSL VPN Credentials" are credentials, not a VPN). When the
    /// name names no kind, a short description ("Windows Workstation", "File Server; Windows
    /// Server 2019") may. The scheme has no bare "server" kind: it would join the adversary's
    /// exfiltration server with the victim's identity server.
    fn kind_of(
        &self,
        name: Option<&str>,
        description: Option<&str>,
    ) -> Option<(String, &'static str, f32)> {
        // "C$\WINDOWS": a path on a Windows share is named by its share.
        let name = name.map(|name| share_of(name).unwrap_or(name));
        let mut name_words = name.map(tokens).unwrap_or_default();
        // "User of Patient Zero workstation" is a user, "C2 for Cobalt Strike beacons" a C2
        // server: the head of a name comes before the preposition that opens its modifier.
        if let Some(of) = name_words
            .iter()
            .position(|w| HEAD_ENDS_BEFORE.contains(&w.as_str()))
            .filter(|&at| at > 0)
        {
            name_words.truncate(of);
        }
        // "C2 server 203.0.113.7", "Web server 2": an address or number after the name tells
        // which one, not what kind.
        while name_words.len() > 1
            && name_words
                .last()
                .is_some_and(|w| w.bytes().all(|b| b.is_ascii_digit()))
        {
            name_words.pop();
        }
        let by_name = self.kinds.ending(&name_words);
        let by_description = description.and_then(|d| {
            let clause = tokens(d.split(';').next().unwrap_or(d));
            // "Windows Workstation", "File Server": a description that is a noun phrase. Not
            // "located in the network share" or "hosted the malicious document".
            let noun_phrase = clause.len() <= 6
                && !clause
                    .first()
                    .is_some_and(|w| NOT_A_NOUN_PHRASE.contains(&w.as_str()));
            noun_phrase
                .then(|| self.kinds.longest_in(&clause))
                .flatten()
        });
        match (by_name, by_description) {
            (Some((concept, len)), _) => {
                let exact = len == name_words.len();
                let rule = if exact {
                    "asset-kind-label"
                } else {
                    "asset-kind-in-name"
                };
                Some((
                    concept.iri.as_str().to_owned(),
                    rule,
                    if exact { 0.95 } else { 0.85 },
                ))
            }
            (None, Some((concept, _))) => Some((
                concept.iri.as_str().to_owned(),
                "asset-kind-in-description",
                0.7,
            )),
            (None, None) => None,
        }
    }
}

/// A tool, malware or software node of a flow, and how it resolves.
struct LocalSoftware<'f> {
    id: &'f str,
    /// Its name as software is matched (`software_core`).
    core: Vec<String>,
    /// The shared software IRI, the rule and the confidence.
    resolution: (String, &'static str, f32),
}

impl<'f> LocalSoftware<'f> {
    fn new(object: &'f Object, resolution: (String, &'static str, f32)) -> Self {
        Self {
            id: &object.id,
            core: object.str("name").map(software_core).unwrap_or_default(),
            resolution,
        }
    }
}

/// A file or process named exactly as one of the flow's own tools or malware is that software:
/// Gootloader's file "mi.ps1" is its tool "mi.ps1", which the flow calls renamed Mimikatz.
fn named_like_local_software(
    object: &Object,
    local: &[LocalSoftware<'_>],
) -> Option<(String, &'static str, f32)> {
    let core = software_core(object.str("name")?);
    if core.is_empty() || is_generic(&core) {
        return None;
    }
    local
        .iter()
        .find(|s| s.core == core)
        .map(|s| (s.resolution.0.clone(), "named-like-flow-software", 0.8))
}

/// The share a Windows share path names: `C$` in `C$\WINDOWS`, `ADMIN$` in `\\host\ADMIN$\temp`.
fn share_of(path: &str) -> Option<&str> {
    if !path.contains('\\') {
        return None;
    }
    path.split('\\')
        .find(|segment| segment.len() > 1 && segment.ends_with('$'))
}

/// STIX infrastructure types that name an asset kind on their own. `command-and-control` is not
/// one: flows give it to any adversary address, the scanner's source as well as the C2 server.
const ROLE_KINDS: &[(&str, &str)] = &[
    ("hosting-malware", "asset-kind/malware-hosting"),
    ("exfiltration", "asset-kind/exfiltration-server"),
];

/// Infrastructure types that say nothing of the role (who runs it, or that nobody knows).
const ROLELESS_TYPES: &[&str] = &[
    "unknown",
    "red-team-infrastructure",
    "red-team-model-network",
];

/// The asset kind of an infrastructure node whose name and description name none, from its one
/// role-bearing `infrastructure_types` value ("hosting-malware" for a paste URL).
fn kind_of_role(object: &Object) -> Option<(String, &'static str, f32)> {
    let roles: Vec<String> = object
        .properties
        .get("infrastructure_types")?
        .as_array()?
        .iter()
        .filter_map(serde_json::Value::as_str)
        .map(str::to_ascii_lowercase)
        .filter(|role| !ROLELESS_TYPES.contains(&role.as_str()))
        .collect();
    let [role] = roles.as_slice() else {
        return None;
    };
    ROLE_KINDS
        .iter()
        .find(|(name, _)| name == role)
        .map(|(_, kind)| (shared(kind), "infrastructure-type", 0.8))
}

/// Deterministic ids of the flow's observables, references resolved in a second pass.
fn observable_ids(flow: &Flow) -> HashMap<&str, String> {
    let mut ids: HashMap<&str, String> = HashMap::new();
    for _ in 0..2 {
        for object in flow.objects.iter().filter(|o| o.kind == ObjectKind::Other) {
            if let Some(id) = deterministic_id(&object.stix_type, &object.properties, &ids) {
                ids.insert(&object.id, id);
            }
        }
    }
    ids
}

/// Legacy assets are named by `description` data properties.
fn legacy_descriptions(flow: &Flow) -> HashMap<&str, &str> {
    flow.objects
        .iter()
        .filter(|o| o.kind == ObjectKind::Statement(StatementKind::DataProperty))
        .filter(|o| legacy_local(o).as_deref() == Some("description"))
        .filter_map(|o| Some((o.str("source_ref")?, o.str("value")?)))
        .collect()
}

fn legacy_local(statement: &Object) -> Option<String> {
    let predicate = statement.str("predicate")?;
    Some(
        predicate
            .rsplit(['#', '/'])
            .next()?
            .trim_matches('-')
            .to_ascii_lowercase(),
    )
}

/// `CVE-2022-22960` in any spelling ("CVE 2022-22960", "cve_2022_22960"), or a CWE id.
fn vulnerability_of(object: &Object) -> Option<(String, &'static str)> {
    let mut texts: Vec<&str> = object.str("name").into_iter().collect();
    if let Some(serde_json::Value::Array(refs)) = object.properties.get("external_references") {
        texts.extend(
            refs.iter()
                .filter_map(|r| r.get("external_id").and_then(serde_json::Value::as_str)),
        );
    }
    for text in texts {
        let words: Vec<String> = text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_ascii_uppercase)
            .collect();
        for (i, word) in words.iter().enumerate() {
            let (year, number) = (words.get(i + 1), words.get(i + 2));
            if word == "CVE" {
                if let (Some(y), Some(n)) = (year, number) {
                    if y.len() == 4
                        && y.bytes().all(|b| b.is_ascii_digit())
                        && n.len() >= 4
                        && n.bytes().all(|b| b.is_ascii_digit())
                    {
                        return Some((shared(&format!("vulnerability/CVE-{y}-{n}")), "cve-id"));
                    }
                }
            }
            if word == "CWE" {
                if let Some(n) = year.filter(|n| n.bytes().all(|b| b.is_ascii_digit())) {
                    return Some((shared(&format!("weakness/CWE-{n}")), "cwe-id"));
                }
            }
        }
    }
    None
}

/// Threat actors, intrusion sets and campaigns by name, spaces and case folded
/// ("Ocean Lotus" = "OceanLotus").
fn named_entity(object: &Object) -> Option<String> {
    let words = tokens(object.str("name")?);
    if words.is_empty() {
        return None;
    }
    let folder = match object.stix_type.as_str() {
        "campaign" => "campaign",
        _ => "actor",
    };
    Some(shared(&format!(
        "{folder}/{}",
        text::slug(&[words.concat()])
    )))
}

/// Infrastructure named by an IP address or domain is that observable.
fn infrastructure_address(object: &Object) -> Option<String> {
    let name = object.str("name")?.trim();
    let host = name.split(':').next().unwrap_or(name);
    let stix_type = if host.parse::<std::net::Ipv4Addr>().is_ok() {
        "ipv4-addr"
    } else if is_domain(host) {
        "domain-name"
    } else {
        return None;
    };
    let mut properties = serde_json::Map::new();
    properties.insert(
        "value".into(),
        serde_json::Value::from(host.to_ascii_lowercase()),
    );
    let id = deterministic_id(stix_type, &properties, &HashMap::new())?;
    Some(shared(&format!("observable/{id}")))
}

fn is_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
        && !matches!(
            labels.last().map(|t| t.to_ascii_lowercase()).as_deref(),
            Some("exe" | "dll" | "sys" | "txt" | "bat" | "ps1" | "jsp" | "zip")
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_namespaces_parse() {
        let resolver = Resolver::from_built_in().unwrap();
        assert!(resolver.kinds.concepts.len() > 30);
        assert!(resolver.states.concepts.len() > 5);
        assert!(resolver.software.by_notation("S0002").is_some());
    }

    #[test]
    fn asset_kinds_come_from_the_head_of_the_name_and_never_from_a_bare_server() {
        let resolver = Resolver::from_built_in().unwrap();
        let kind = |name: &str, description: Option<&str>| {
            resolver
                .kind_of(Some(name), description)
                .map(|(iri, _, _)| iri.rsplit('/').next().unwrap().to_owned())
        };
        assert_eq!(
            kind("Patient Zero Workstation", None).as_deref(),
            Some("workstation")
        );
        // The head of "X of Y" and "X for Y" is X: a user, not a workstation; a C2 server.
        assert_eq!(kind("User of Patient Zero workstation", None), None);
        assert_eq!(
            kind("C2 for Cobalt Strike beacons", None).as_deref(),
            Some("c2-server")
        );
        // An address or number after the name says which one, not what kind.
        assert_eq!(
            kind("C2 server 203.0.113.7", None).as_deref(),
            Some("c2-server")
        );
        assert_eq!(kind("Web Server 2", None).as_deref(), Some("web-server"));
        assert_eq!(kind("Server 2019", None), None);
        // A server whose role nothing says is no kind: it would join unrelated servers.
        assert_eq!(
            kind("Servers", Some("Receive sensitive files from victim")),
            None
        );
        assert_eq!(kind("Remote Server", None), None);
        assert_eq!(
            kind("QTFILE01", Some("File Server; Windows Server 2019")).as_deref(),
            Some("file-server")
        );
        assert_eq!(
            kind("Server", Some("Domain Controller")).as_deref(),
            Some("domain-controller")
        );
        // A path on a Windows share is named by the share.
        assert_eq!(kind("D$\\WINDOWS", None).as_deref(), Some("admin-share"));
        assert_eq!(
            kind("\\\\fs01\\ADMIN$\\temp", None).as_deref(),
            Some("admin-share")
        );
    }

    #[test]
    fn an_infrastructure_type_names_a_kind_only_alone_and_only_for_a_role() {
        let infrastructure = |name: &str, types: &[&str]| Object {
            id: "infrastructure--1".into(),
            stix_type: "infrastructure".into(),
            kind: ObjectKind::Other,
            properties: serde_json::json!({ "name": name, "infrastructure_types": types })
                .as_object()
                .unwrap()
                .clone(),
            pointer: String::new(),
        };
        let kind = |object: &Object| {
            kind_of_role(object).map(|(iri, _, _)| iri.rsplit('/').next().unwrap().to_owned())
        };
        assert_eq!(
            kind(&infrastructure(
                "hxxps://paste.example/x",
                &["hosting-malware"]
            ))
            .as_deref(),
            Some("malware-hosting")
        );
        assert_eq!(
            kind(&infrastructure(
                "Remote Server",
                &["Exfiltration", "unknown"]
            ))
            .as_deref(),
            Some("exfiltration-server")
        );
        // Command and control is given to any adversary address; two roles name no one kind.
        assert_eq!(
            kind(&infrastructure("IP Address", &["command-and-control"])),
            None
        );
        assert_eq!(
            kind(&infrastructure(
                "Stager",
                &["hosting-malware", "exfiltration"]
            )),
            None
        );
    }

    #[test]
    fn cve_spellings_agree() {
        let object = |name: &str| Object {
            id: "vulnerability--1".into(),
            stix_type: "vulnerability".into(),
            kind: ObjectKind::Other,
            properties: serde_json::json!({ "name": name })
                .as_object()
                .cloned()
                .unwrap(),
            pointer: String::new(),
        };
        let expected = "https://w3id.org/flowkg/ns/vulnerability/CVE-2022-22960";
        for spelling in [
            "CVE-2022-22960",
            "CVE 2022-22960",
            "cve_2022_22960",
            "CVE-2022-22960\n",
        ] {
            assert_eq!(
                vulnerability_of(&object(spelling)).unwrap().0,
                expected,
                "{spelling}"
            );
        }
        assert!(vulnerability_of(&object("Zero-day vulnerabilities")).is_none());
    }

    #[test]
    fn software_spellings_agree() {
        let resolver = Resolver::from_built_in().unwrap();
        let iri = |name: &str| resolver.software_by_name(name).map(|(iri, _, _)| iri);
        let wmi = iri("WMI");
        assert!(wmi.as_deref().is_some_and(|i| i.ends_with("/software/wmi")));
        assert_eq!(iri("Windows Management Instrumentation (WMI) "), wmi);
        assert_eq!(iri("psexesvc.exe/PsExec64.exe"), iri("PsExec"));
        assert_eq!(iri("Cobalt Strike beacons"), iri("Cobalt Strike"));
        assert_eq!(iri("Batch Script"), None);
        // A description that opens by naming what the node is a renamed copy of.
        let renamed = |description: &str| {
            resolver
                .renamed_in_description(description)
                .map(|(iri, _, _)| iri)
        };
        assert_eq!(
            renamed("Renamed procdump, used to dump LSASS"),
            iri("procdump")
        );
        assert_eq!(renamed("a renamed copy of rclone"), iri("rclone"));
        assert_eq!(renamed("renamed copy of a legitimate Windows binary"), None);
        assert_eq!(renamed("the attacker renamed procdump"), None);
    }

    #[test]
    fn a_condition_states_what_its_sentence_opens_with() {
        let resolver = Resolver::from_built_in().unwrap();
        let state = |text: &str| {
            resolver.condition_state(text).map(|c| {
                c.iri
                    .as_str()
                    .rsplit('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            })
        };
        let cases = [
            ("The file server is compromised", Some("compromised")),
            (
                "Operators obtained VPN credentials from a broker",
                Some("credentials-obtained"),
            ),
            (
                "The intruder discovers the password of the backup admin",
                Some("credentials-obtained"),
            ),
            (
                "The intruder identifies the backup server",
                Some("discovered"),
            ),
            ("The dropped loader executes the payload", Some("executed")),
            ("The victim opens the attachment", None),
            ("A user opens the attachment", Some("user-executed")),
            (
                "The operators waited a week, then escalated",
                Some("dormant"),
            ),
            ("An antivirus product is running on the host", None),
            (
                "The admin hash is compromised",
                Some("credentials-obtained"),
            ),
            (
                "Service account passwords were compromised",
                Some("credentials-obtained"),
            ),
            ("The file server is compromised", Some("compromised")),
            (
                "When the loader is executed, the intruder moves to the file server",
                None,
            ),
            ("The implant holds 2 encrypted configuration blocks", None),
            (
                "Believing the invoice genuine, the clerk double-clicks the attachment",
                Some("user-executed"),
            ),
            (
                "User Action: interaction with a chatbot",
                Some("user-executed"),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(state(text).as_deref(), expected, "{text}");
        }
    }

    #[test]
    fn domains_and_file_names_differ() {
        assert!(is_domain("svobodaukrayin.ua"));
        assert!(!is_domain("iissrv.exe"));
        assert!(!is_domain("C2 server"));
    }
}

//! Synthetic Attack Flows shaped like the real corpus, deterministic by seed, as STIX or `.afb`.
//!
//! Each flow copies the node-kind mix of one real flow ([`shape::PROFILES`], scaled by ±25%),
//! draws technique ids by their frequency in the corpus ([`shape::TECHNIQUES`]) with a tail of
//! any ATT&CK technique (deprecated ones included), and names tools, vulnerabilities, actors,
//! observables and assets from pools with a heavy head, so flows share them as real ones do.
//! Flow `i` depends on the seed and `i` alone: any slice of a corpus can be regenerated.

pub mod shape;

use crate::{Error, Result};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// The two formats synthetic flows are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SynthFormat {
    /// A STIX 2.1 bundle with the Attack Flow extension (`.json`).
    Stix,
    /// An Attack Flow Builder save file (`.afb`).
    Afb,
}

impl SynthFormat {
    /// The file extension, without the dot.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::Stix => "json",
            Self::Afb => "afb",
        }
    }
}

const EXTENSION_ID: &str = "extension-definition--fb9c968a-745b-4ade-9b25-c324172197f4";
const MITRE_IDENTITY: &str = "identity--fb9c968a-745b-4ade-9b25-c324172197f4";
const SKOS_NOTATION: &str = "http://www.w3.org/2004/02/skos/core#notation";
const SKOS_PREF_LABEL: &str = "http://www.w3.org/2004/02/skos/core#prefLabel";
const OWL_DEPRECATED: &str = "http://www.w3.org/2002/07/owl#deprecated";
/// The share of actions whose technique is drawn from all of ATT&CK rather than the corpus.
const TAIL_TECHNIQUES: f64 = 0.15;
/// The share of those tail draws that pick a deprecated technique.
const DEPRECATED_SHARE: f64 = 0.1;
const SCOPES: [&str; 4] = ["incident", "campaign", "malware", "threat-actor"];
const CONFIDENCE: [(&str, u8); 5] = [
    ("doubtful", 30),
    ("even-odds", 50),
    ("probable", 70),
    ("very-probable", 90),
    ("certain", 100),
];

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Self {
        let mut rng = Self(seed ^ stream.wrapping_mul(0xA076_1D64_78BD_642F));
        rng.next();
        rng
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An index in `0..n` with a heavy head: log-uniform, so item 0 is far more common than
    /// item `n - 1`.
    fn heavy(&mut self, n: usize) -> usize {
        let x = (n as f64 + 1.0).powf(self.unit()) - 1.0;
        (x as usize).min(n.saturating_sub(1))
    }

    fn weighted<'a, T>(&mut self, table: &'a [(T, u16)], total: u64) -> &'a T {
        let mut pick = self.next() % total.max(1);
        for (item, weight) in table {
            if pick < u64::from(*weight) {
                return item;
            }
            pick -= u64::from(*weight);
        }
        &table[table.len() - 1].0
    }

    fn uuid(&mut self) -> String {
        let bytes = (u128::from(self.next()) << 64 | u128::from(self.next())).to_be_bytes();
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }
}

/// What a reference between two nodes means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Edge {
    /// `effect_refs` (from an action or operator).
    Effect,
    /// `asset_refs` (action → asset).
    Asset,
    /// `on_true_refs` (condition).
    OnTrue,
    /// `on_false_refs` (condition).
    OnFalse,
    /// `object_ref` (asset → observable).
    Object,
    /// `object_refs` (note → anything).
    Refers,
    /// A `related-to` relationship.
    Related,
}

/// One node of a synthetic flow: its Builder template, STIX type, UUID and properties (JSON
/// values as STIX writes them).
#[derive(Debug, Clone)]
struct Node {
    template: &'static str,
    stix_type: &'static str,
    uuid: String,
    properties: Vec<(&'static str, Value)>,
}

impl Node {
    fn id(&self) -> String {
        format!("{}--{}", self.stix_type, self.uuid)
    }
}

/// One synthetic flow, ready to be written in either format.
#[derive(Debug, Clone)]
pub struct SynthFlow {
    index: u64,
    nodes: Vec<Node>,
    edges: Vec<(usize, usize, Edge)>,
    relationship_ids: Vec<String>,
    created: String,
    author: String,
    author_id: String,
    bundle_id: String,
    /// Seeds the instance ids of the `.afb` structure (anchors, latches, lines).
    afb_seed: u64,
}

/// Technique ids and labels of the built-in ATT&CK namespace.
#[derive(Debug, Clone)]
struct Techniques {
    current: Vec<String>,
    deprecated: Vec<String>,
    labels: std::collections::HashMap<String, String>,
}

/// Makes synthetic flows for one seed.
#[derive(Debug, Clone)]
pub struct Synthesizer {
    seed: u64,
    techniques: Techniques,
    asset_kinds: Vec<String>,
    technique_total: u64,
    software_total: u64,
}

impl Synthesizer {
    /// A generator for `seed`, with technique ids and asset kinds from the built-in namespaces.
    pub fn new(seed: u64) -> Result<Self> {
        let mut techniques = Techniques {
            current: Vec::new(),
            deprecated: Vec::new(),
            labels: std::collections::HashMap::new(),
        };
        let mut asset_kinds = Vec::new();
        for namespace in crate::namespaces::BUILT_IN {
            if namespace.name != "attack" && namespace.name != "asset-kind" {
                continue;
            }
            let mut notation = std::collections::BTreeMap::new();
            let mut deprecated = std::collections::HashSet::new();
            for quad in namespace.quads()? {
                let subject = quad.subject.to_string();
                let oxigraph::model::Term::Literal(object) = &quad.object else {
                    continue;
                };
                match quad.predicate.as_str() {
                    SKOS_NOTATION => {
                        notation.insert(subject, object.value().to_owned());
                    }
                    SKOS_PREF_LABEL if namespace.name == "asset-kind" => {
                        asset_kinds.push(object.value().to_owned());
                    }
                    SKOS_PREF_LABEL => {
                        techniques.labels.insert(subject, object.value().to_owned());
                    }
                    OWL_DEPRECATED if object.value() == "true" => {
                        deprecated.insert(subject);
                    }
                    _ => {}
                }
            }
            for (subject, id) in notation {
                if !id.starts_with('T') || id.starts_with("TA") {
                    continue;
                }
                if let Some(label) = techniques.labels.remove(&subject) {
                    techniques.labels.insert(id.clone(), label);
                }
                if deprecated.contains(&subject) {
                    techniques.deprecated.push(id);
                } else {
                    techniques.current.push(id);
                }
            }
        }
        techniques.labels.retain(|k, _| k.starts_with('T'));
        asset_kinds.sort();
        if techniques.current.is_empty() || asset_kinds.is_empty() {
            return Err(Error::Export(
                "synth: the built-in namespaces hold no techniques or asset kinds".into(),
            ));
        }
        Ok(Self {
            seed,
            techniques,
            asset_kinds,
            technique_total: shape::TECHNIQUES.iter().map(|(_, n)| u64::from(*n)).sum(),
            software_total: shape::SOFTWARE.iter().map(|(_, n)| u64::from(*n)).sum(),
        })
    }

    /// Flow number `index` of this seed's corpus.
    #[must_use]
    pub fn flow(&self, index: u64) -> SynthFlow {
        let mut rng = Rng::new(self.seed, index);
        let profile = shape::PROFILES[rng.below(shape::PROFILES.len())];
        let scale = 0.75 + rng.unit() * 0.5;
        let count = |column: usize| (f64::from(profile[column]) * scale).round().max(0.0) as usize;
        let [
            actions,
            assets,
            conditions,
            operators,
            tools,
            malware,
            vulns,
            infra,
            observables,
            actors,
            notes,
        ] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(count);
        let actions = actions.max(2);
        let day = index % 1000;
        let created = format!(
            "2024-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            day / 28 % 12 + 1,
            day % 28 + 1,
            index % 24,
            index / 24 % 60,
            index % 60,
            index % 1000
        );
        let mut nodes = Vec::new();
        let mut edges = Vec::new();
        let name = format!(
            "Synthetic flow {index}: {}",
            self.techniques
                .labels
                .get(self.technique(&mut rng).as_str())
                .map_or("intrusion", String::as_str)
        );
        nodes.push(Node {
            template: "flow",
            stix_type: "attack-flow",
            uuid: rng.uuid(),
            properties: vec![
                ("name", Value::from(name)),
                (
                    "description",
                    Value::from(format!(
                        "A synthetic flow ({actions} actions) generated by flowkg synth with seed {}.",
                        self.seed
                    )),
                ),
                ("scope", Value::from(SCOPES[rng.below(SCOPES.len())])),
                (
                    "external_references",
                    json!([{"source_name": "flowkg synth", "description": "Synthetic report",
                            "url": format!("https://example.org/reports/{index}")}]),
                ),
                ("created", Value::from(created.clone())),
            ],
        });

        // The sequence: actions with conditions and operators among them, the first an action.
        let mut sequence = Vec::new();
        for k in 0..actions {
            let technique = self.technique(&mut rng);
            let label = self
                .techniques
                .labels
                .get(&technique)
                .cloned()
                .unwrap_or_else(|| technique.clone());
            let mut properties = vec![
                ("name", Value::from(label)),
                ("technique_id", Value::from(technique)),
                (
                    "description",
                    Value::from(format!("Step {} of synthetic flow {index}.", k + 1)),
                ),
            ];
            if rng.chance(0.85) {
                let (choice, _) = CONFIDENCE[rng.below(CONFIDENCE.len())];
                properties.push(("confidence", Value::from(choice)));
            }
            sequence.push(nodes.len());
            nodes.push(Node {
                template: "action",
                stix_type: "attack-action",
                uuid: rng.uuid(),
                properties,
            });
        }
        for _ in 0..conditions {
            let at = 1 + rng.below(sequence.len());
            sequence.insert(at, nodes.len());
            nodes.push(Node {
                template: "condition",
                stix_type: "attack-condition",
                uuid: rng.uuid(),
                properties: vec![(
                    "description",
                    Value::from(format!(
                        "The adversary holds a foothold on host {}",
                        rng.heavy(500)
                    )),
                )],
            });
        }
        for _ in 0..operators {
            let at = 1 + rng.below(sequence.len());
            sequence.insert(at, nodes.len());
            let operator = if rng.chance(0.6) { "AND" } else { "OR" };
            nodes.push(Node {
                template: if operator == "AND" {
                    "AND_operator"
                } else {
                    "OR_operator"
                },
                stix_type: "attack-operator",
                uuid: rng.uuid(),
                properties: vec![("operator", Value::from(operator))],
            });
        }
        for pair in sequence.windows(2) {
            let (from, to) = (pair[0], pair[1]);
            let edge = if nodes[from].template == "condition" {
                Edge::OnTrue
            } else {
                Edge::Effect
            };
            edges.push((from, to, edge));
        }
        for (position, &from) in sequence.iter().enumerate() {
            if position + 2 < sequence.len() && rng.chance(0.1) {
                let edge = if nodes[from].template == "condition" {
                    Edge::OnFalse
                } else {
                    Edge::Effect
                };
                edges.push((from, sequence[position + 2], edge));
            }
        }
        let action_nodes: Vec<usize> = sequence
            .iter()
            .copied()
            .filter(|&n| nodes[n].template == "action")
            .collect();

        let mut observable_nodes = Vec::new();
        for _ in 0..observables {
            let node = self.observable(&mut rng);
            observable_nodes.push(nodes.len());
            nodes.push(node);
        }
        let mut free_observables = observable_nodes.clone();
        for _ in 0..assets {
            let kind = &self.asset_kinds[rng.heavy(self.asset_kinds.len())];
            let mut name = kind.clone();
            if let Some(first) = name.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            let asset = nodes.len();
            nodes.push(Node {
                template: "asset",
                stix_type: "attack-asset",
                uuid: rng.uuid(),
                properties: vec![
                    ("name", Value::from(name)),
                    (
                        "description",
                        Value::from(format!("{kind} of victim {}", rng.heavy(10_000))),
                    ),
                ],
            });
            edges.push((
                action_nodes[rng.below(action_nodes.len())],
                asset,
                Edge::Asset,
            ));
            if !free_observables.is_empty() && rng.chance(0.3) {
                let observable = free_observables.remove(rng.below(free_observables.len()));
                edges.push((asset, observable, Edge::Object));
            }
        }
        let mut related = Vec::new();
        for _ in 0..tools {
            related.push(nodes.len());
            let name = self.software(&mut rng);
            nodes.push(Node {
                template: "tool",
                stix_type: "tool",
                uuid: rng.uuid(),
                properties: vec![
                    ("name", Value::from(name)),
                    ("tool_types", json!(["remote-access"])),
                ],
            });
        }
        for _ in 0..malware {
            related.push(nodes.len());
            let name = self.software(&mut rng);
            nodes.push(Node {
                template: "malware",
                stix_type: "malware",
                uuid: rng.uuid(),
                properties: vec![
                    ("name", Value::from(name)),
                    ("malware_types", json!(["remote-access-trojan"])),
                    ("is_family", Value::from(true)),
                ],
            });
        }
        for _ in 0..vulns {
            related.push(nodes.len());
            let n = rng.heavy(3000);
            nodes.push(Node {
                template: "vulnerability",
                stix_type: "vulnerability",
                uuid: rng.uuid(),
                properties: vec![(
                    "name",
                    Value::from(format!("CVE-{}-{}", 2014 + n % 11, 1000 + n * 7)),
                )],
            });
        }
        for _ in 0..infra {
            related.push(nodes.len());
            let n = rng.heavy(2000);
            nodes.push(Node {
                template: "infrastructure",
                stix_type: "infrastructure",
                uuid: rng.uuid(),
                properties: vec![
                    ("name", Value::from(format!("C2 server {}", ipv4(n)))),
                    ("infrastructure_types", json!(["command-and-control"])),
                ],
            });
        }
        for _ in 0..actors {
            related.push(nodes.len());
            nodes.push(Node {
                template: "threat_actor",
                stix_type: "threat-actor",
                uuid: rng.uuid(),
                properties: vec![(
                    "name",
                    Value::from(format!("Synthetic Group {}", rng.heavy(300))),
                )],
            });
        }
        related.extend(free_observables);
        for &node in &related {
            edges.push((
                action_nodes[rng.below(action_nodes.len())],
                node,
                Edge::Related,
            ));
        }
        for _ in 0..notes {
            let note = nodes.len();
            let target = 1 + rng.below(nodes.len() - 1);
            nodes.push(Node {
                template: "note",
                stix_type: "note",
                uuid: rng.uuid(),
                properties: vec![(
                    "content",
                    Value::from(format!(
                        "Analyst note {} on flow {index}.",
                        rng.next() % 1000
                    )),
                )],
            });
            edges.push((note, target, Edge::Refers));
        }
        let relationship_ids = edges
            .iter()
            .filter(|(_, _, e)| *e == Edge::Related)
            .map(|_| rng.uuid())
            .collect();
        SynthFlow {
            index,
            nodes,
            edges,
            relationship_ids,
            created,
            author: format!("Analyst {}", rng.heavy(200)),
            author_id: format!("identity--{}", rng.uuid()),
            bundle_id: format!("bundle--{}", rng.uuid()),
            afb_seed: rng.next(),
        }
    }

    fn technique(&self, rng: &mut Rng) -> String {
        if rng.chance(TAIL_TECHNIQUES) {
            let pool = if rng.chance(DEPRECATED_SHARE) && !self.techniques.deprecated.is_empty() {
                &self.techniques.deprecated
            } else {
                &self.techniques.current
            };
            pool[rng.below(pool.len())].clone()
        } else {
            (*rng.weighted(shape::TECHNIQUES, self.technique_total)).to_owned()
        }
    }

    fn software(&self, rng: &mut Rng) -> String {
        if rng.chance(0.6) {
            (*rng.weighted(shape::SOFTWARE, self.software_total)).to_owned()
        } else {
            format!("Synthkit{}", rng.heavy(3000))
        }
    }

    fn observable(&self, rng: &mut Rng) -> Node {
        let n = rng.heavy(5000);
        let (template, stix_type, key, value) = match rng.below(4) {
            0 => ("ipv4_addr", "ipv4-addr", "value", ipv4(n)),
            1 => (
                "domain_name",
                "domain-name",
                "value",
                format!("c2-{n}.example.net"),
            ),
            2 => (
                "url",
                "url",
                "value",
                format!("https://files-{n}.example.com/stage{}.bin", n % 7),
            ),
            _ => ("file", "file", "name", format!("payload{n}.exe")),
        };
        Node {
            template,
            stix_type,
            uuid: rng.uuid(),
            properties: vec![(key, Value::from(value))],
        }
    }
}

fn ipv4(n: usize) -> String {
    format!("198.51.{}.{}", n / 250 % 250, n % 250 + 1)
}

impl SynthFlow {
    /// The flow's number in its corpus.
    #[must_use]
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Its file name: `flow-{index}.json` or `.afb`, inside a folder of a thousand flows.
    #[must_use]
    pub fn relative_path(&self, format: SynthFormat) -> PathBuf {
        PathBuf::from(format!("{:04}", self.index / 1000)).join(format!(
            "flow-{:07}.{}",
            self.index,
            format.extension()
        ))
    }

    /// The flow as a STIX 2.1 bundle.
    #[must_use]
    pub fn to_stix(&self) -> Value {
        let mut refs: Vec<Map<String, Value>> = vec![Map::new(); self.nodes.len()];
        let mut objects = vec![
            json!({"type": "extension-definition", "id": EXTENSION_ID, "spec_version": "2.1",
                "created": "2022-08-02T19:34:35.143Z", "modified": "2022-08-02T19:34:35.143Z",
                "name": "Attack Flow", "description": "Extends STIX 2.1 with features to create Attack Flows.",
                "created_by_ref": MITRE_IDENTITY,
                "schema": "https://center-for-threat-informed-defense.github.io/attack-flow/stix/attack-flow-schema-2.0.0.json",
                "version": "2.0.0", "extension_types": ["new-sdo"]}),
            json!({"type": "identity", "id": MITRE_IDENTITY, "spec_version": "2.1",
                "created": "2022-08-02T19:34:35.143Z", "modified": "2022-08-02T19:34:35.143Z",
                "name": "MITRE Engenuity Center for Threat-Informed Defense", "identity_class": "organization"}),
        ];
        let author_id = &self.author_id;
        objects.push(
            json!({"type": "identity", "id": author_id, "spec_version": "2.1",
            "created": self.created, "modified": self.created, "name": self.author,
            "identity_class": "individual"}),
        );
        let mut relationships = Vec::new();
        let mut related = self.relationship_ids.iter();
        for &(from, to, edge) in &self.edges {
            let target = Value::from(self.nodes[to].id());
            let key = match edge {
                Edge::Effect => "effect_refs",
                Edge::Asset => "asset_refs",
                Edge::OnTrue => "on_true_refs",
                Edge::OnFalse => "on_false_refs",
                Edge::Refers => "object_refs",
                Edge::Object => {
                    refs[from].insert("object_ref".into(), target);
                    continue;
                }
                Edge::Related => {
                    let id = related.next().map_or("", String::as_str);
                    relationships.push(json!({"type": "relationship",
                        "id": format!("relationship--{id}"), "spec_version": "2.1",
                        "created": self.created, "modified": self.created,
                        "relationship_type": "related-to",
                        "source_ref": self.nodes[from].id(), "target_ref": target}));
                    continue;
                }
            };
            if let Value::Array(items) = refs[from]
                .entry(key)
                .or_insert_with(|| Value::Array(Vec::new()))
            {
                items.push(target);
            }
        }
        for (index, node) in self.nodes.iter().enumerate() {
            let mut object = Map::new();
            object.insert("type".into(), Value::from(node.stix_type));
            object.insert("id".into(), Value::from(node.id()));
            object.insert("spec_version".into(), Value::from("2.1"));
            object.insert("created".into(), Value::from(self.created.clone()));
            object.insert("modified".into(), Value::from(self.created.clone()));
            if node.stix_type.starts_with("attack-") {
                object.insert(
                    "extensions".into(),
                    json!({EXTENSION_ID: {"extension_type": "new-sdo"}}),
                );
            }
            if node.template == "flow" {
                object.insert("created_by_ref".into(), Value::from(author_id.as_str()));
                object.insert("start_refs".into(), Value::from(self.start_refs()));
            }
            for (key, value) in &node.properties {
                match (*key, value) {
                    ("created", _) => {}
                    ("confidence", Value::String(choice)) => {
                        let number = CONFIDENCE
                            .iter()
                            .find(|(name, _)| name == choice)
                            .map_or(50, |(_, n)| *n);
                        object.insert("confidence".into(), Value::from(number));
                    }
                    _ => {
                        object.insert((*key).into(), value.clone());
                    }
                }
            }
            object.extend(std::mem::take(&mut refs[index]));
            objects.push(Value::Object(object));
        }
        objects.extend(relationships);
        json!({"type": "bundle", "id": self.bundle_id,
            "spec_version": "2.1", "created": self.created, "modified": self.created,
            "objects": objects})
    }

    /// Actions and conditions nothing leads to, in node order.
    fn start_refs(&self) -> Vec<String> {
        let reached: std::collections::HashSet<usize> = self
            .edges
            .iter()
            .filter(|(_, _, e)| matches!(e, Edge::Effect | Edge::OnTrue | Edge::OnFalse))
            .map(|(_, to, _)| *to)
            .collect();
        self.nodes
            .iter()
            .enumerate()
            .filter(|(i, n)| matches!(n.template, "action" | "condition") && !reached.contains(i))
            .map(|(_, n)| n.id())
            .collect()
    }

    /// The flow as an Attack Flow Builder save file: every node with the twelve anchors the
    /// Builder gives it, and a line (two latches and a handle) per reference.
    #[must_use]
    pub fn to_afb(&self) -> Value {
        let mut ids = Rng::new(self.afb_seed, self.index);
        let mut next_id = || ids.uuid();
        let mut entries = Vec::new();
        let mut structure = Vec::new();
        let mut layout = Map::new();
        let mut flow_objects = Vec::new();
        // Per node: anchor key → (anchor instance, latches on it).
        let mut anchors: Vec<Vec<(String, String, Vec<String>)>> = self
            .nodes
            .iter()
            .map(|node| {
                let keys: Vec<String> = if node.template == "condition" {
                    (0..9)
                        .map(|k| (k * 30).to_string())
                        .chain(["branch:True".into(), "branch:False".into()])
                        .collect()
                } else {
                    (0..12).map(|k| (k * 30).to_string()).collect()
                };
                keys.into_iter()
                    .map(|key| (key, next_id(), Vec::new()))
                    .collect()
            })
            .collect();
        let mut lines = Vec::new();
        for &(from, to, edge) in &self.edges {
            let from_key = match edge {
                Edge::OnTrue => "branch:True",
                Edge::OnFalse => "branch:False",
                _ => "180",
            };
            let (source, target, handle, line) = (next_id(), next_id(), next_id(), next_id());
            for (node, key, latch) in [(from, from_key, &source), (to, "0", &target)] {
                if let Some(anchor) = anchors[node].iter_mut().find(|(k, _, _)| k == key) {
                    anchor.2.push(latch.clone());
                }
            }
            structure.push(json!({"id": "generic_latch", "instance": source}));
            structure.push(json!({"id": "generic_latch", "instance": target}));
            structure.push(json!({"id": "generic_handle", "instance": handle}));
            lines.push(json!({"id": "dynamic_line", "instance": line,
                "source": source, "target": target, "handles": [handle]}));
            flow_objects.push(Value::from(line));
        }
        for (index, node) in self.nodes.iter().enumerate() {
            let mut properties: Vec<Value> = Vec::new();
            for (key, value) in &node.properties {
                if node.template == "flow" && *key == "created" {
                    continue;
                }
                properties.push(json!([key, builder_value(value, &mut next_id)]));
            }
            match node.template {
                "flow" => {
                    properties.push(json!([
                        "author",
                        [
                            ["name", self.author],
                            ["identity_class", "individual"],
                            ["contact_information", null]
                        ]
                    ]));
                    properties.push(json!(["created", self.created]));
                }
                "action" => {
                    let technique = node
                        .properties
                        .iter()
                        .find(|(k, _)| *k == "technique_id")
                        .map_or(Value::Null, |(_, v)| v.clone());
                    properties.push(json!(["execution_start", null]));
                    properties.push(json!(["ttp", [["tactic", null], ["technique", technique]]]));
                }
                _ => {}
            }
            let mut entry = Map::new();
            entry.insert("id".into(), Value::from(node.template));
            entry.insert("instance".into(), Value::from(node.uuid.clone()));
            entry.insert("properties".into(), Value::Array(properties));
            if node.template == "flow" {
                entries.push(Value::Object(entry));
                continue;
            }
            let mut anchor_map = Map::new();
            for (k, (key, anchor, latches)) in
                std::mem::take(&mut anchors[index]).into_iter().enumerate()
            {
                anchor_map.insert(key, Value::from(anchor.clone()));
                let template = if k % 2 == 0 {
                    "vertical_anchor"
                } else {
                    "horizontal_anchor"
                };
                structure.push(json!({"id": template, "instance": anchor, "latches": latches}));
            }
            entry.insert("anchors".into(), Value::Object(anchor_map));
            layout.insert(
                node.uuid.clone(),
                json!([(index % 4) as i64 * 350 - 500, (index / 4) as i64 * 250]),
            );
            flow_objects.push(Value::from(node.uuid.clone()));
            entries.push(Value::Object(entry));
        }
        if let Some(Value::Object(flow)) = entries.first_mut() {
            flow.insert("objects".into(), Value::Array(flow_objects));
        }
        entries.extend(lines);
        entries.extend(structure);
        json!({"schema": "attack_flow_v2", "theme": "dark_theme", "objects": entries,
            "layout": layout, "camera": {"x": 0.0, "y": 0.0, "k": 0.5}})
    }

    /// The flow serialised in `format`.
    pub fn to_bytes(&self, format: SynthFormat) -> Result<Vec<u8>> {
        let value = match format {
            SynthFormat::Stix => self.to_stix(),
            SynthFormat::Afb => self.to_afb(),
        };
        serde_json::to_vec_pretty(&value).map_err(|e| Error::Export(format!("synth: {e}")))
    }
}

/// A STIX value as the Builder saves it: lists as `[item id, value]` pairs, dictionaries as
/// `[key, value]` pairs, yes/no choices as `"true"`/`"false"`.
fn builder_value(value: &Value, next_id: &mut impl FnMut() -> String) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| {
                    let id: String = next_id().chars().filter(|c| *c != '-').collect();
                    json!([id, builder_value(item, next_id)])
                })
                .collect(),
        ),
        Value::Object(map) => Value::Array(
            map.iter()
                .map(|(k, v)| json!([k, builder_value(v, next_id)]))
                .collect(),
        ),
        Value::Bool(b) => Value::from(b.to_string()),
        other => other.clone(),
    }
}

/// Writes flows `0..count` of `seed` in `format` below `dir` (a folder per thousand flows);
/// returns the bytes written. `progress` is called after each flow.
pub fn write_corpus(
    dir: &Path,
    count: u64,
    seed: u64,
    format: SynthFormat,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64> {
    let synthesizer = Synthesizer::new(seed)?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let written = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| -> Result<()> {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                let (synthesizer, written) = (&synthesizer, &written);
                scope.spawn(move || -> Result<()> {
                    let mut index = worker;
                    while index < count {
                        let flow = synthesizer.flow(index);
                        let path = dir.join(flow.relative_path(format));
                        let io = |source| Error::Io {
                            path: path.clone(),
                            source,
                        };
                        if let Some(parent) = path.parent() {
                            std::fs::create_dir_all(parent).map_err(io)?;
                        }
                        let bytes = flow.to_bytes(format)?;
                        std::fs::write(&path, &bytes).map_err(io)?;
                        written.fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
                        progress(1);
                        index += workers;
                    }
                    Ok(())
                })
            })
            .collect();
        for handle in handles {
            handle
                .join()
                .map_err(|_| Error::Export("synth: a writer thread panicked".into()))??;
        }
        Ok(())
    })?;
    Ok(written.into_inner())
}

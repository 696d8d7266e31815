//! Mapping: one [`Flow`] into quads in its own named graph.
//!
//! Every object becomes a node typed by its kind, with `af:stixId` and `af:stixType`; every
//! property becomes triples: `af:` terms for the properties the ontology names, `prop:` terms
//! (the source's own property name) for all others, so nothing is dropped. References become
//! IRIs of nodes of the same flow; nested dictionaries become `af:Structure` nodes with IRIs
//! derived from their place, never blank nodes. Relationships and legacy statements are kept as
//! nodes and also materialised as direct edges, each action is linked to the actions that come
//! right after it (`af:followedBy`), and each way from a start to an impact action is an
//! `af:ImpactPath` node, so queries are plain joins.

mod edges;
mod iri;
mod paths;
mod succession;
mod technique;

use edges::FlowEdges;
pub use iri::{escape_segment, unescape_segment};
use paths::{ImpactPath, impact_paths};
use succession::followed_by;
pub use technique::{Framework, TechniqueId, find_ids};

use crate::Error;
use crate::error::{Diagnostic, Location, Severity};
use crate::model::{Flow, Object, ObjectKind, StatementKind, is_ref_key, is_refs_key};
use crate::resolve::{Decision, Relation, Resolver};
use crate::vocab::{
    af, ns,
    std_terms::{rdf, xsd},
};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, Quad, Term};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

/// The version of what the mapping states, recorded on every flow's document node
/// (`af:mappingVersion`). It goes up by one with every change to the quads a flow maps to, so
/// that a store loaded by an older flowkg, which lacks facts the library queries need, can be
/// told apart (see [`crate::store::FlowStore::stale_flows`]). A test pins it to the N-Quads of
/// the examples, and fails until both are updated together.
pub const MAPPING_VERSION: u32 = 1;

/// How to map.
#[derive(Debug, Clone)]
pub struct MapOptions {
    base: String,
    resolver: Option<Arc<Resolver>>,
}

impl Default for MapOptions {
    fn default() -> Self {
        Self {
            base: ns::DEFAULT_INSTANCE_BASE.to_owned(),
            resolver: Some(Resolver::built_in()),
        }
    }
}

impl MapOptions {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the base IRI of instance data (flows and their nodes); it must be an absolute IRI.
    pub fn with_base(mut self, base: &str) -> Result<Self, Error> {
        iri::checked(format!("{base}flow/x"))?;
        self.base = base.to_owned();
        Ok(self)
    }

    /// Resolves nodes to shared IRIs with this resolver (by default the built-in namespaces).
    #[must_use]
    pub fn with_resolver(mut self, resolver: Arc<Resolver>) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// Maps without resolution: only flow-local nodes and technique IRIs.
    #[must_use]
    pub fn without_resolution(mut self) -> Self {
        self.resolver = None;
        self
    }

    /// The base IRI of instance data.
    #[must_use]
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The IRI of the named graph (and flow node) of a flow.
    pub fn graph_iri(&self, flow: &Flow) -> Result<NamedNode, Error> {
        iri::checked(format!("{}flow/{}", self.base, flow.key()))
    }
}

/// A flow's quads, with what the mapping noticed and the resolution decisions it applied.
#[derive(Debug, Clone)]
pub struct MappedFlow {
    pub graph: NamedNode,
    pub quads: Vec<Quad>,
    pub diagnostics: Vec<Diagnostic>,
    pub decisions: Vec<Decision>,
}

/// Maps one flow into quads of its own named graph.
pub fn map_flow(flow: &Flow, options: &MapOptions) -> Result<MappedFlow, Error> {
    let graph = options.graph_iri(flow)?;
    let mut mapper = Mapper {
        flow,
        graph_name: GraphName::NamedNode(graph.clone()),
        prefix: format!("{}/", graph.as_str()),
        iris: HashMap::new(),
        kinds: HashMap::new(),
        quads: Vec::with_capacity(flow.objects.len() * 8),
        diagnostics: Vec::new(),
    };
    mapper.assign_iris(&graph)?;
    for object in &flow.objects {
        mapper.map_object(object)?;
    }
    let (steps, paths) = {
        let edges = FlowEdges::of(&mapper.quads);
        (followed_by(&edges), impact_paths(&edges))
    };
    for (action, next) in steps {
        mapper.emit(&action, af::FOLLOWED_BY, next);
    }
    for path in paths {
        mapper.map_impact_path(path)?;
    }
    mapper.map_document(&graph)?;
    let decisions = options
        .resolver
        .as_ref()
        .map(|r| r.resolve(flow))
        .unwrap_or_default();
    for decision in &decisions {
        mapper.map_decision(decision)?;
    }
    Ok(MappedFlow {
        graph,
        quads: mapper.quads,
        diagnostics: mapper.diagnostics,
        decisions,
    })
}

/// The class of a STIX type.
#[must_use]
pub fn class_of(object: &Object) -> NamedNodeRef<'static> {
    match object.kind {
        ObjectKind::Flow => af::FLOW,
        ObjectKind::Action => af::ACTION,
        ObjectKind::Asset => af::ASSET,
        ObjectKind::Condition => af::CONDITION,
        ObjectKind::Operator => af::OPERATOR,
        ObjectKind::Relationship => af::RELATIONSHIP,
        ObjectKind::Statement(StatementKind::Relationship) => af::LEGACY_RELATIONSHIP,
        ObjectKind::Statement(StatementKind::DataProperty) => af::DATA_PROPERTY,
        ObjectKind::Statement(StatementKind::ObjectProperty) => af::OBJECT_PROPERTY,
        ObjectKind::Other => {
            crate::stix_types::class_of(&object.stix_type).unwrap_or(af::STIX_OBJECT)
        }
    }
}

/// The source properties the ontology names, with their `af:` terms; the mapping and the
/// reverse map both read this one table.
pub const PROPERTY_TERMS: &[(&str, NamedNodeRef<'static>)] = &[
    ("name", af::NAME),
    ("description", af::DESCRIPTION),
    ("operator", af::OPERATOR_KIND),
    ("scope", af::SCOPE),
    ("created", af::CREATED),
    ("modified", af::MODIFIED),
    ("confidence", af::CONFIDENCE),
    ("technique_id", af::TECHNIQUE_ID),
    ("tactic_id", af::TACTIC_ID),
    ("state", af::STATE),
    ("relationship_type", af::RELATIONSHIP_TYPE),
    ("predicate", af::PREDICATE),
    ("value", af::VALUE),
    ("start_refs", af::START),
    ("effect_refs", af::EFFECT),
    ("on_true_refs", af::ON_TRUE),
    ("on_false_refs", af::ON_FALSE),
    ("asset_refs", af::ASSET_REF),
    ("command_ref", af::COMMAND),
    ("object_ref", af::OBJECT),
    ("object_refs", af::REFERS_TO),
    ("source_ref", af::SOURCE),
    ("target_ref", af::TARGET),
    ("created_by_ref", af::CREATED_BY),
];

/// The `af:` term for a source property, if the ontology names one.
#[must_use]
pub fn term_for_key(key: &str) -> Option<NamedNodeRef<'static>> {
    PROPERTY_TERMS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, term)| *term)
}

/// The source property an `af:` or `prop:` predicate stands for; `None` for any other predicate.
#[must_use]
pub fn key_for_predicate(predicate: NamedNodeRef<'_>) -> Option<String> {
    if let Some((key, _)) = PROPERTY_TERMS.iter().find(|(_, t)| *t == predicate) {
        return Some((*key).to_owned());
    }
    predicate
        .as_str()
        .strip_prefix(ns::PROP)
        .map(unescape_segment)
}

/// The predicate for a source property: its `af:` term or `prop:` + its own name.
#[must_use]
pub fn predicate_for_key(key: &str) -> NamedNode {
    term_for_key(key).map_or_else(
        || NamedNode::new_unchecked(format!("{}{}", ns::PROP, escape_segment(key))),
        NamedNodeRef::into_owned,
    )
}

/// References that name objects outside any flow (ATT&CK's own STIX ids): kept as text.
#[must_use]
pub fn is_external_id_key(key: &str) -> bool {
    matches!(key, "technique_ref" | "tactic_ref")
}

/// Properties whose values are timestamps in STIX, the extension or the legacy format.
#[must_use]
pub fn is_timestamp_key(key: &str) -> bool {
    matches!(
        key,
        "created"
            | "modified"
            | "first_seen"
            | "last_seen"
            | "valid_from"
            | "valid_until"
            | "published"
            | "first_observed"
            | "last_observed"
            | "start"
            | "end"
            | "start_time"
            | "stop_time"
            | "ctime"
            | "mtime"
            | "atime"
            | "date"
            | "timestamp"
            | "execution_start"
            | "execution_end"
            | "submitted"
            | "analysis_started"
            | "analysis_ended"
            | "expiration"
            | "account_created"
            | "account_expires"
            | "credential_last_changed"
            | "account_first_login"
            | "account_last_login"
            | "modified_time"
            | "created_time"
            | "validity_not_before"
            | "validity_not_after"
            | "date_sent"
    )
}

struct Mapper<'f> {
    flow: &'f Flow,
    graph_name: GraphName,
    /// `{graph}/`: the prefix of every node IRI of this flow.
    prefix: String,
    iris: HashMap<&'f str, NamedNode>,
    kinds: HashMap<&'f str, ObjectKind>,
    quads: Vec<Quad>,
    diagnostics: Vec<Diagnostic>,
}

impl<'f> Mapper<'f> {
    fn assign_iris(&mut self, graph: &NamedNode) -> Result<(), Error> {
        let mut seen_relationships: HashMap<String, usize> = HashMap::new();
        for object in &self.flow.objects {
            let iri = match object.kind {
                ObjectKind::Flow => graph.clone(),
                ObjectKind::Relationship => {
                    let signature = format!(
                        "{}|{}|{}",
                        object.str("relationship_type").unwrap_or_default(),
                        object.str("source_ref").unwrap_or_default(),
                        object.str("target_ref").unwrap_or_default()
                    );
                    let ordinal = seen_relationships.entry(signature.clone()).or_insert(0);
                    *ordinal += 1;
                    let uuid = uuid::Uuid::new_v5(
                        &FLOWKG_UUID_NAMESPACE,
                        format!("{signature}|{ordinal}").as_bytes(),
                    );
                    iri::checked(format!("{}relationship--{uuid}", self.prefix))?
                }
                _ => self.node_iri_for(&object.id)?,
            };
            self.iris.insert(&object.id, iri);
            self.kinds.insert(&object.id, object.kind);
        }
        Ok(())
    }

    /// The kind of the object an id names in this flow.
    fn kind_of(&self, id: Option<&str>) -> Option<ObjectKind> {
        let id = id?;
        self.kinds.get(id).copied()
    }

    /// The IRI a (possibly dangling) id has in this flow.
    fn node_iri_for(&self, id: &str) -> Result<NamedNode, Error> {
        let flow_id = self.flow.flow_id();
        // Legacy ids are IRIs under the flow's own id (`http://flow-1/action-3`): keep the tail.
        let local = id
            .strip_prefix(flow_id)
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|rest| !rest.is_empty())
            .unwrap_or(id);
        iri::checked(format!("{}{}", self.prefix, escape_segment(local)))
    }

    /// The node a reference names; a dangling reference gets the IRI of its whole id, so that
    /// the id comes back from the IRI alone.
    fn reference(&self, id: &str) -> Result<NamedNode, Error> {
        match self.iris.get(id) {
            Some(iri) => Ok(iri.clone()),
            None => iri::checked(format!("{}{}", self.prefix, escape_segment(id))),
        }
    }

    /// An impact path as `{graph}/path/{start}/{end}`: named by its ends, so that the same
    /// flow always gives the same IRIs.
    fn map_impact_path(&mut self, path: ImpactPath) -> Result<(), Error> {
        let local = |node: &NamedNode| {
            node.as_str()
                .strip_prefix(&self.prefix)
                .map_or_else(|| escape_segment(node.as_str()), str::to_owned)
        };
        let iri = iri::checked(format!(
            "{}path/{}/{}",
            self.prefix,
            local(&path.start),
            local(&path.end)
        ))?;
        self.emit(&iri, rdf::TYPE, af::IMPACT_PATH);
        self.emit(&iri, af::STARTS_AT, path.start);
        self.emit(&iri, af::ENDS_AT, path.end);
        for node in path.through {
            self.emit(&iri, af::PASSES_THROUGH, node);
        }
        Ok(())
    }

    fn emit(
        &mut self,
        subject: &NamedNode,
        predicate: impl Into<NamedNode>,
        object: impl Into<Term>,
    ) {
        self.quads.push(Quad::new(
            subject.clone(),
            predicate.into(),
            object.into(),
            self.graph_name.clone(),
        ));
    }

    fn warn(&mut self, pointer: &str, message: String) {
        self.diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            source: self.flow.source.name.clone(),
            location: Location::Pointer(pointer.to_owned()),
            message,
        });
    }

    fn map_object(&mut self, object: &'f Object) -> Result<(), Error> {
        let node = self.iris[object.id.as_str()].clone();
        self.emit(&node, rdf::TYPE, class_of(object));
        self.emit(&node, af::STIX_ID, Literal::new_simple_literal(&object.id));
        self.emit(
            &node,
            af::STIX_TYPE,
            Literal::new_simple_literal(&object.stix_type),
        );
        for (key, value) in &object.properties {
            self.map_property(&node, key, value, &object.pointer)?;
        }
        match object.kind {
            ObjectKind::Flow => {
                self.emit(
                    &node,
                    af::FLOW_KEY,
                    Literal::new_simple_literal(self.flow.key()),
                );
            }
            ObjectKind::Action => self.map_techniques(&node, object),
            ObjectKind::Relationship => self.map_relationship_edge(object)?,
            ObjectKind::Statement(kind) => self.map_statement_edge(object, kind)?,
            _ => {}
        }
        Ok(())
    }

    fn map_property(
        &mut self,
        subject: &NamedNode,
        key: &str,
        value: &Value,
        pointer: &str,
    ) -> Result<(), Error> {
        let predicate = predicate_for_key(key);
        let is_reference = (is_ref_key(key) || is_refs_key(key)) && !is_external_id_key(key);
        match value {
            Value::String(id) if is_reference && is_ref_key(key) => {
                let target = self.reference(id)?;
                self.emit(subject, predicate, target);
            }
            Value::Array(items)
                if is_reference
                    && is_refs_key(key)
                    && !items.is_empty()
                    && items.iter().all(Value::is_string) =>
            {
                if needs_list_mark(items) && items.len() > 1 {
                    self.warn(
                        &crate::error::pointer_push(pointer, key),
                        format!("\"{key}\" repeats a reference; an RDF graph holds it once"),
                    );
                }
                for id in items.iter().filter_map(Value::as_str) {
                    let target = self.reference(id)?;
                    self.emit(subject, predicate.clone(), target);
                }
            }
            _ => self.map_value(
                subject,
                &predicate,
                key,
                value,
                &if becomes_node(value) {
                    format!("{}/{}", subject.as_str(), escape_segment(key))
                } else {
                    String::new()
                },
            )?,
        }
        Ok(())
    }

    /// Maps a JSON value under `predicate`; `path` names the structure node it would become.
    fn map_value(
        &mut self,
        subject: &NamedNode,
        predicate: &NamedNode,
        key: &str,
        value: &Value,
        path: &str,
    ) -> Result<(), Error> {
        match value {
            Value::Null => self.emit(subject, predicate.clone(), af::NULL),
            Value::Array(items) if items.is_empty() => {
                self.emit(subject, predicate.clone(), rdf::NIL)
            }
            Value::Array(items) => {
                if needs_list_mark(items) {
                    self.emit(subject, af::LIST_PROPERTY, predicate.clone());
                }
                let single = items
                    .iter()
                    .filter(|i| i.is_object() || i.is_array())
                    .count()
                    <= 1;
                for (index, item) in items.iter().enumerate() {
                    let item_path = if !becomes_node(item) {
                        String::new()
                    } else if single {
                        path.to_owned()
                    } else {
                        format!("{path}/{index}")
                    };
                    if let Value::Array(inner) = item {
                        let seq = iri::checked(item_path)?;
                        self.emit(subject, predicate.clone(), seq.clone());
                        self.emit(
                            &seq,
                            rdf::TYPE,
                            NamedNodeRef::new_unchecked(
                                "http://www.w3.org/1999/02/22-rdf-syntax-ns#Seq",
                            ),
                        );
                        for (position, member) in inner.iter().enumerate() {
                            let member_predicate = NamedNode::new_unchecked(format!(
                                "http://www.w3.org/1999/02/22-rdf-syntax-ns#_{}",
                                position + 1
                            ));
                            self.map_value(
                                &seq,
                                &member_predicate,
                                key,
                                member,
                                &format!("{}/{}", seq.as_str(), position + 1),
                            )?;
                        }
                    } else {
                        self.map_value(subject, predicate, key, item, &item_path)?;
                    }
                }
            }
            Value::Object(map) => {
                let structure = iri::checked(path.to_owned())?;
                self.emit(subject, predicate.clone(), structure.clone());
                self.emit(&structure, rdf::TYPE, af::STRUCTURE);
                self.map_structure(&structure, map)?;
            }
            scalar => {
                let literal = literal(key, scalar);
                self.emit(subject, predicate.clone(), literal);
            }
        }
        Ok(())
    }

    fn map_structure(
        &mut self,
        structure: &NamedNode,
        map: &Map<String, Value>,
    ) -> Result<(), Error> {
        for (key, value) in map {
            self.map_property(structure, key, value, "")?;
        }
        Ok(())
    }

    /// Action → shared technique and tactic IRIs, from the ids as written (or, where a source
    /// has no id field, from an id the action's name or ATT&CK link starts with).
    fn map_techniques(&mut self, node: &NamedNode, action: &Object) {
        for (key, predicate) in [
            ("technique_id", af::TECHNIQUE_REF),
            ("tactic_id", af::TACTIC_REF),
        ] {
            let ids = match action.str(key) {
                Some(text) => {
                    let ids = find_ids(text);
                    if ids.is_empty() {
                        self.warn(
                            &crate::error::pointer_push(&action.pointer, key),
                            format!(
                                "\"{text}\" holds no technique or tactic id; kept as text only"
                            ),
                        );
                    }
                    ids
                }
                None if key == "technique_id" => implied_technique(action),
                None => Vec::new(),
            };
            for id in ids {
                if key == "technique_id" {
                    for family in id.with_parent() {
                        self.emit(
                            node,
                            af::TECHNIQUE_OR_PARENT,
                            NamedNode::new_unchecked(family.iri()),
                        );
                    }
                    for counted in id.counts_as() {
                        self.emit(
                            node,
                            af::MATCHES_TECHNIQUE,
                            NamedNode::new_unchecked(counted),
                        );
                    }
                }
                self.emit(node, predicate, NamedNode::new_unchecked(id.iri()));
            }
        }
    }

    fn map_relationship_edge(&mut self, relationship: &Object) -> Result<(), Error> {
        let (Some(source), Some(target)) = (
            relationship.str("source_ref"),
            relationship.str("target_ref"),
        ) else {
            return Ok(());
        };
        let predicate = relationship_edge(relationship.str("relationship_type"));
        let (source, target) = (self.reference(source)?, self.reference(target)?);
        self.emit(&source, predicate, target);
        Ok(())
    }

    fn map_statement_edge(&mut self, statement: &Object, kind: StatementKind) -> Result<(), Error> {
        let (Some(subject), Some(predicate)) =
            (statement.str("source_ref"), statement.str("predicate"))
        else {
            return Ok(());
        };
        let subject = self.reference(subject)?;
        let local = legacy_local_name(predicate);
        match kind {
            StatementKind::Relationship => {
                let Some(target) = statement.str("target_ref") else {
                    return Ok(());
                };
                let kinds = (
                    self.kind_of(statement.str("source_ref")),
                    self.kind_of(Some(target)),
                );
                let edge = statement_edge(&local, kinds);
                let target = self.reference(target)?;
                self.emit(&subject, edge, target);
            }
            StatementKind::DataProperty | StatementKind::ObjectProperty => {
                let Some(value) = statement.str("value") else {
                    return Ok(());
                };
                let predicate = statement_value_predicate(&local);
                self.emit(&subject, predicate, Literal::new_simple_literal(value));
            }
        }
        Ok(())
    }

    /// States a resolution decision: the relation, and for the same entity also `af:entity`.
    fn map_decision(&mut self, decision: &Decision) -> Result<(), Error> {
        let node = self.reference(&decision.node)?;
        let shared = iri::checked(decision.shared_iri.clone())?;
        match decision.relation {
            Relation::SameAs => {
                self.emit(&node, af::ENTITY, shared.clone());
                self.emit(
                    &node,
                    NamedNodeRef::new_unchecked("http://www.w3.org/2002/07/owl#sameAs"),
                    shared,
                );
            }
            Relation::AssetKind => self.emit(&node, af::ASSET_KIND, shared),
            Relation::ExpressesState => self.emit(&node, af::EXPRESSES_STATE, shared),
        }
        Ok(())
    }

    /// The document node: where the flow came from, and the container's own properties.
    fn map_document(&mut self, graph: &NamedNode) -> Result<(), Error> {
        let document = iri::checked(format!("{}document", self.prefix))?;
        let source = &self.flow.source;
        self.emit(graph, af::DOCUMENT_REF, document.clone());
        self.emit(&document, rdf::TYPE, af::DOCUMENT);
        self.emit(
            &document,
            af::SOURCE_FORMAT,
            Literal::new_simple_literal(source.format.as_str()),
        );
        if !source.identity.starts_with("sha256:") {
            self.emit(
                &document,
                af::SOURCE_PATH,
                Literal::new_simple_literal(&source.identity),
            );
        }
        self.emit(
            &document,
            af::CONTENT_SHA256,
            Literal::new_simple_literal(&source.content_sha256),
        );
        self.emit(
            &document,
            af::MAPPING_VERSION,
            Literal::new_typed_literal(MAPPING_VERSION.to_string(), xsd::INTEGER),
        );
        for (key, value) in &self.flow.container {
            self.map_property(&document, key, value, "")?;
        }
        Ok(())
    }
}

/// Namespace of the deterministic relationship UUIDs (UUIDv5).
const FLOWKG_UUID_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x5f0e_9a8e_6c1b_4d8a_9f3e_2a7b_8c4d_1e60);

/// Legacy predicates that say an asset state is required by, or provided by, an action.
fn is_state_predicate(local: &str) -> bool {
    matches!(
        local,
        "state"
            | "required-by"
            | "state.compromised"
            | "state-change"
            | "state-changed"
            | "state-change.compromise"
            | "provides"
            | "compromises"
    )
}

/// The direct edge a relationship of this type is materialised as.
#[must_use]
pub fn relationship_edge(relationship_type: Option<&str>) -> NamedNode {
    match relationship_type {
        Some("related-to") | None => af::RELATED_TO.into_owned(),
        Some(other) => predicate_for_key(other),
    }
}

/// The direct edge a legacy relationship statement is materialised as, from its predicate's
/// local name and the kinds of its two ends.
#[must_use]
pub fn statement_edge(local: &str, kinds: (Option<ObjectKind>, Option<ObjectKind>)) -> NamedNode {
    match (local, kinds) {
        ("flow-edge", _) => af::FLOW_EDGE.into_owned(),
        // Real files point `state` and `state-change` either way: the kinds of the two ends,
        // not the spelling, say which way the requirement runs.
        (l, (Some(ObjectKind::Asset), Some(ObjectKind::Action))) if is_state_predicate(l) => {
            af::REQUIRED_BY.into_owned()
        }
        (l, (Some(ObjectKind::Action), Some(ObjectKind::Asset))) if is_state_predicate(l) => {
            af::PROVIDES.into_owned()
        }
        (other, _) => predicate_for_key(&format!("legacy_{other}")),
    }
}

/// The direct edge (to a literal) a legacy data or object property statement is materialised as.
#[must_use]
pub fn statement_value_predicate(local: &str) -> NamedNode {
    match local {
        "description" | "state" => predicate_for_key(local),
        other => predicate_for_key(&format!("legacy_{other}")),
    }
}

/// A list that gives the same triples as a single value: one item, or repeated items.
fn needs_list_mark(items: &[Value]) -> bool {
    items.len() == 1
        || items
            .iter()
            .enumerate()
            .any(|(i, item)| items[..i].contains(item))
}

/// `http://flow-1#State-Changed` → `state-changed`.
#[must_use]
pub fn legacy_local_name(predicate: &str) -> String {
    predicate
        .rsplit(['#', '/'])
        .next()
        .unwrap_or(predicate)
        .trim_matches('-')
        .to_ascii_lowercase()
}

/// A technique id that an action without a `technique_id` states in its name
/// (`T1133: External Remote Services`) or ATT&CK link (`…/techniques/T1566/002/`).
fn implied_technique(action: &Object) -> Vec<TechniqueId> {
    if let Some(name) = action.str("name") {
        let head = name.split(':').next().unwrap_or_default().trim();
        let ids = find_ids(head);
        if ids.len() == 1 && head.split_whitespace().count() == 1 {
            return ids;
        }
    }
    if let Some(link) = action.str("reference") {
        if let Some(path) = link.split("attack.mitre.org/techniques/").nth(1) {
            return find_ids(path.trim_end_matches('/').replace('/', ".").as_str());
        }
    }
    Vec::new()
}

/// A scalar JSON value as a typed literal: timestamps as `xsd:dateTime` when valid.
fn literal(key: &str, value: &Value) -> Literal {
    match value {
        Value::Bool(b) => Literal::from(*b),
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            Literal::new_typed_literal(n.to_string(), xsd::INTEGER)
        }
        Value::Number(n) => Literal::new_typed_literal(n.to_string(), xsd::DOUBLE),
        Value::String(s) if is_timestamp_key(key) && is_stix_timestamp(s) => {
            Literal::new_typed_literal(s, xsd::DATE_TIME)
        }
        Value::String(s) => Literal::new_simple_literal(s),
        other => Literal::new_simple_literal(other.to_string()),
    }
}

/// Whether a value becomes a node of its own (a structure or an RDF list), which needs an IRI
/// path; a scalar becomes a literal and needs none.
fn becomes_node(value: &Value) -> bool {
    value.is_object() || value.is_array()
}

/// Whether `text` is written exactly as [`stix_timestamp`] writes its value. The usual shape,
/// `YYYY-MM-DDThh:mm:ss.fffZ`, is checked digit by digit; anything else goes through the
/// `xsd:dateTime` parser.
fn is_stix_timestamp(text: &str) -> bool {
    plain_stix_timestamp(text.as_bytes())
        || stix_timestamp(text).is_some_and(|canonical| canonical == text)
}

/// `YYYY-MM-DDThh:mm:ss.fff[fff…]Z` with a real date and time, a year from 1000, three
/// fraction digits or more with no trailing zero past the third: the canonical STIX form.
fn plain_stix_timestamp(b: &[u8]) -> bool {
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        b.get(range)?.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let punctuated = b.len() >= 24
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && b[b.len() - 1] == b'Z';
    if !punctuated {
        return false;
    }
    let fraction = &b[20..b.len() - 1];
    let fraction_ok = fraction.iter().all(u8::is_ascii_digit)
        && (fraction.len() == 3 || fraction.last() != Some(&b'0'));
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    fraction_ok
        && year >= 1000
        && (1..=12).contains(&month)
        && (1..=month_days).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60
}

/// A valid `xsd:dateTime` written the way STIX writes timestamps: its canonical form, in UTC
/// (`Z`), with at least millisecond precision (`.520Z`, not `.52Z`). Stores keep a dateTime as
/// a value and give back its canonical form; a timestamp whose text this function writes again
/// from that value is typed `xsd:dateTime`, any other stays a plain literal, so the exact text
/// always comes back.
#[must_use]
pub fn stix_timestamp(lexical: &str) -> Option<String> {
    let canonical = oxsdatatypes::DateTime::from_str(lexical).ok()?.to_string();
    let body = canonical.strip_suffix('Z')?;
    let fraction = body.rsplit_once('.').map_or(0, |(_, f)| f.len());
    let padding = 3usize.saturating_sub(fraction);
    let dot = if fraction == 0 { "." } else { "" };
    Some(format!("{body}{dot}{}Z", "0".repeat(padding)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The digit-by-digit check never accepts what the `xsd:dateTime` parser would not write
    /// back the same way, and it accepts the usual STIX forms.
    #[test]
    fn the_quick_timestamp_check_agrees_with_the_parser() {
        let mut accepted = 0;
        for year in ["1000", "1900", "2000", "2023", "2024", "2100", "9999"] {
            for month in 0..=13 {
                for day in [0, 1, 28, 29, 30, 31, 32] {
                    for (hour, minute, second) in [
                        (0, 0, 0),
                        (23, 59, 59),
                        (24, 0, 0),
                        (12, 60, 1),
                        (12, 1, 60),
                    ] {
                        for fraction in [
                            "000", "120", "5", "50", "500", "5000", "1234", "1230", "000000",
                        ] {
                            let text = format!(
                                "{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}.{fraction}Z"
                            );
                            let parsed = stix_timestamp(&text).is_some_and(|c| c == text);
                            if plain_stix_timestamp(text.as_bytes()) {
                                assert!(parsed, "{text}");
                                accepted += 1;
                            }
                            assert_eq!(is_stix_timestamp(&text), parsed, "{text}");
                        }
                    }
                }
            }
        }
        assert!(accepted > 1000);
        assert!(is_stix_timestamp("2022-09-02T16:47:05.365Z"));
        assert!(!is_stix_timestamp("2022-09-02T16:47:05Z"));
        assert!(!is_stix_timestamp("2022-09-02T16:47:05.36Z"));
    }
}

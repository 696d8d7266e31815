//! Terms back into JSON values: literals by datatype, `af:Structure` nodes into dictionaries,
//! `rdf:Seq` nodes into ordered lists, several values (or an `af:listProperty` mark) into lists.

use super::{Nodes, ReverseError};
use crate::map::{is_external_id_key, key_for_predicate, stix_timestamp, unescape_segment};
use crate::model::{is_ref_key, is_refs_key};
use crate::vocab::{af, std_terms::rdf, std_terms::xsd};
use oxigraph::model::{Literal, NamedNode, NamedNodeRef, Term};
use serde_json::{Map, Number, Value};
use std::collections::{BTreeMap, HashSet};

/// Predicates that carry no source property: identity, typing, provenance, derived links and
/// resolution decisions (which the resolver recomputes from the flow).
const NOT_PROPERTIES: [NamedNodeRef<'static>; 18] = [
    rdf::TYPE,
    af::STIX_ID,
    af::STIX_TYPE,
    af::FLOW_KEY,
    af::DOCUMENT_REF,
    af::TECHNIQUE_REF,
    af::TACTIC_REF,
    af::SOURCE_FORMAT,
    af::SOURCE_PATH,
    af::CONTENT_SHA256,
    af::MAPPING_VERSION,
    af::TECHNIQUE_OR_PARENT,
    af::MATCHES_TECHNIQUE,
    af::FOLLOWED_BY,
    af::ENTITY,
    af::ASSET_KIND,
    af::EXPRESSES_STATE,
    NamedNodeRef::new_unchecked("http://www.w3.org/2002/07/owl#sameAs"),
];

const RDF_MEMBER: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#_";

impl Nodes {
    /// The source properties of a node (object, structure or document), keys in name order.
    pub(super) fn properties(&self, node: &NamedNode) -> Result<Map<String, Value>, ReverseError> {
        let (groups, marked) = self.groups(node);
        let mut properties = Map::new();
        for (predicate, terms) in groups {
            let key = key_for_predicate(predicate.as_ref()).ok_or_else(|| {
                self.error(node, format!("<{predicate}> is no af: or prop: property"))
            })?;
            let value = self.property_value(node, &key, &terms, marked.contains(&predicate))?;
            properties.insert(key, value);
        }
        properties.sort_keys();
        Ok(properties)
    }

    /// A node's property triples by predicate, and the predicates marked as lists.
    fn groups(&self, node: &NamedNode) -> (BTreeMap<NamedNode, Vec<&Term>>, HashSet<NamedNode>) {
        let mut groups: BTreeMap<NamedNode, Vec<&Term>> = BTreeMap::new();
        let mut marked = HashSet::new();
        for (predicate, object) in self.triples_of(node) {
            if *predicate == af::LIST_PROPERTY {
                if let Term::NamedNode(p) = object {
                    marked.insert(p.clone());
                }
                continue;
            }
            if NOT_PROPERTIES.contains(&predicate.as_ref())
                || self
                    .derived
                    .contains(&(node.clone(), predicate.clone(), object.clone()))
            {
                continue;
            }
            groups.entry(predicate.clone()).or_default().push(object);
        }
        (groups, marked)
    }

    /// The value of one property: a list when it holds references, several values or a mark.
    fn property_value(
        &self,
        node: &NamedNode,
        key: &str,
        terms: &[&Term],
        marked: bool,
    ) -> Result<Value, ReverseError> {
        let reference_key = (is_ref_key(key) || is_refs_key(key)) && !is_external_id_key(key);
        let references = reference_key && terms.iter().all(|t| self.is_reference(t));
        let mut values = Vec::with_capacity(terms.len());
        for term in terms {
            let order = self.structure_index(term);
            let value = self.value(node, term, references)?;
            values.push((order, value.to_string(), value));
        }
        // Several values come back in a fixed order: structures by their place in the source
        // list (their IRIs keep it), everything else by its JSON text.
        values.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        let mut values: Vec<Value> = values.into_iter().map(|(_, _, v)| v).collect();
        Ok(
            if (references && is_refs_key(key)) || marked || values.len() > 1 {
                Value::Array(values)
            } else {
                values.pop().unwrap_or(Value::Null)
            },
        )
    }

    /// Whether a term names a node of the flow (an object, or the IRI a dangling id got).
    fn is_reference(&self, term: &Term) -> bool {
        match term {
            Term::NamedNode(n) => {
                *n != af::NULL
                    && *n != rdf::NIL
                    && !self.has_type(n, af::STRUCTURE)
                    && !self.has_type(n, SEQ)
            }
            _ => false,
        }
    }

    /// The list position a structure's IRI records (`…/external_references/2`).
    fn structure_index(&self, term: &Term) -> Option<usize> {
        match term {
            Term::NamedNode(n) if self.has_type(n, af::STRUCTURE) || self.has_type(n, SEQ) => {
                n.as_str().rsplit('/').next()?.parse().ok()
            }
            _ => None,
        }
    }

    fn value(&self, node: &NamedNode, term: &Term, reference: bool) -> Result<Value, ReverseError> {
        match term {
            Term::Literal(literal) => literal_value(literal).ok_or_else(|| {
                self.error(node, format!("{literal} is not a value of its datatype"))
            }),
            Term::NamedNode(n) if *n == af::NULL => Ok(Value::Null),
            Term::NamedNode(n) if *n == rdf::NIL => Ok(Value::Array(Vec::new())),
            Term::NamedNode(n) if self.has_type(n, af::STRUCTURE) => {
                Ok(Value::Object(self.properties(n)?))
            }
            Term::NamedNode(n) if self.has_type(n, SEQ) => self.sequence(n),
            Term::NamedNode(n) if reference => self.reference(n),
            other => Err(self.error(node, format!("unexpected value {other}"))),
        }
    }

    /// The STIX id a reference names: the target's `af:stixId`, or for a dangling reference
    /// the id its IRI was minted from.
    fn reference(&self, target: &NamedNode) -> Result<Value, ReverseError> {
        if let Some(id) = self.ids.get(target) {
            return Ok(Value::String(id.clone()));
        }
        target
            .as_str()
            .strip_prefix(&self.prefix)
            .filter(|tail| !tail.contains('/'))
            .map(|tail| Value::String(unescape_segment(tail)))
            .ok_or_else(|| self.error(target, "a reference to a node outside this flow"))
    }

    /// An `rdf:Seq` node: its members in order.
    fn sequence(&self, seq: &NamedNode) -> Result<Value, ReverseError> {
        let (groups, marked) = self.groups(seq);
        let mut members = Vec::with_capacity(groups.len());
        for (predicate, terms) in groups {
            let position: usize = predicate
                .as_str()
                .strip_prefix(RDF_MEMBER)
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| self.error(seq, format!("<{predicate}> is no rdf:_n member")))?;
            let value = self.property_value(seq, "", &terms, marked.contains(&predicate))?;
            members.push((position, value));
        }
        members.sort_by_key(|(position, _)| *position);
        Ok(Value::Array(members.into_iter().map(|(_, v)| v).collect()))
    }
}

const SEQ: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("http://www.w3.org/1999/02/22-rdf-syntax-ns#Seq");

/// A literal as the JSON value it was mapped from.
fn literal_value(literal: &Literal) -> Option<Value> {
    let text = literal.value();
    let datatype = literal.datatype();
    if datatype == xsd::BOOLEAN {
        return match text {
            "true" | "1" => Some(Value::Bool(true)),
            "false" | "0" => Some(Value::Bool(false)),
            _ => None,
        };
    }
    if datatype == xsd::INTEGER {
        return text
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| text.parse::<u64>().map(Value::from))
            .ok();
    }
    if datatype == xsd::DOUBLE || datatype == xsd::DECIMAL || datatype == xsd::FLOAT {
        return text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number);
    }
    if datatype == xsd::DATE_TIME {
        return Some(Value::String(
            stix_timestamp(text).unwrap_or_else(|| text.to_owned()),
        ));
    }
    Some(Value::String(text.to_owned()))
}

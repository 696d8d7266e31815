//! The rules translated for legacy 2022 files, as the 2022 validator applied them: the format's
//! own JSON Schema with formats checked (`date-time`, `uri`), and relationships whose source and
//! target exist (an error there, as it was); then the graph rules of today's validator: every
//! node joined to the flow, a flow with a description.

use super::graph::{Graph, check_graph};
use super::schema::violations;
use super::schemas::legacy;
use super::{Report, Rule};
use crate::error::Severity;
use crate::model::{Flow, ObjectKind, StatementKind};
use crate::read::{ReadOptions, read_bytes};
use serde_json::Value;

pub(super) fn check(name: &str, bytes: &[u8], document: &Value, report: &mut Report) {
    match legacy() {
        Ok(validator) => {
            for violation in violations(validator, document) {
                report.push(
                    Severity::Error,
                    violation.pointer,
                    None,
                    Rule::Schema(violation.keyword),
                    violation.message,
                );
            }
        }
        Err(message) => report.push(
            Severity::Error,
            "",
            None,
            Rule::Schema("$schema".into()),
            format!("the embedded legacy schema does not compile: {message}"),
        ),
    }
    let flow = match read_bytes(name, None, bytes, &ReadOptions::new()) {
        Ok(flow) => flow,
        Err(error) => {
            report.push_read_error(&error);
            return;
        }
    };
    check_graph(&graph(&flow), report);
}

/// The flow, its actions and assets are nodes; relationship statements are the edges.
fn graph(flow: &Flow) -> Graph<'_> {
    let mut graph = Graph::default();
    graph.dangling = Some(Severity::Error);
    for object in flow.objects.iter().filter(|o| {
        matches!(
            o.kind,
            ObjectKind::Flow | ObjectKind::Action | ObjectKind::Asset
        )
    }) {
        graph.node(
            &object.id,
            &object.stix_type,
            object.pointer.clone(),
            object.properties.get("description"),
        );
    }
    for statement in flow
        .objects
        .iter()
        .filter(|o| o.kind == ObjectKind::Statement(StatementKind::Relationship))
    {
        if let (Some(source), Some(target)) =
            (statement.str("source_ref"), statement.str("target_ref"))
        {
            graph.edge(source, target, statement.pointer.clone(), "relationship");
        }
    }
    graph
}

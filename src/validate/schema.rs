//! Running a JSON Schema on one object and keeping the root causes: Draft 2020-12 reports a
//! failure several times over (a failed `anyOf` / `oneOf` / `not`, and `unevaluatedProperties`
//! listing every key of an object whose property subschema failed); a user needs the one that
//! says what to change, with its pointer.

use jsonschema::error::ValidationErrorKind;
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

/// One schema violation, at a JSON pointer relative to the validated instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SchemaViolation {
    pub pointer: String,
    pub keyword: String,
    pub message: String,
}

/// The root causes of everything wrong with the instance under the schema.
pub(super) fn violations(validator: &Validator, instance: &Value) -> Vec<SchemaViolation> {
    let errors: Vec<ValidationError<'_>> = validator.iter_errors(instance).collect();
    root_causes(&errors)
}

fn root_causes(errors: &[ValidationError<'_>]) -> Vec<SchemaViolation> {
    let mut found: Vec<SchemaViolation> = Vec::new();
    for error in errors {
        for violation in causes_of(error, errors) {
            if !found.contains(&violation) {
                found.push(violation);
            }
        }
    }
    found
}

/// What one error stands for; nothing when another error at or below it says it better.
fn causes_of(error: &ValidationError<'_>, all: &[ValidationError<'_>]) -> Vec<SchemaViolation> {
    match error.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            if explained_elsewhere(error, all, is_combinator) {
                return Vec::new();
            }
            vec![best_branch(context).unwrap_or_else(|| plain(error))]
        }
        // A property whose subschema failed leaves every key unevaluated: a follow-on.
        ValidationErrorKind::UnevaluatedProperties { .. } => {
            if explained_elsewhere(error, all, is_unevaluated) {
                return Vec::new();
            }
            vec![plain(error)]
        }
        // One finding per property, at the property.
        ValidationErrorKind::AdditionalProperties { unexpected } => unexpected
            .iter()
            .map(|name| SchemaViolation {
                pointer: crate::error::pointer_push(error.instance_path().as_str(), name),
                keyword: "additionalProperties".into(),
                message: format!("property \"{name}\" is not allowed here"),
            })
            .collect(),
        _ => vec![plain(error)],
    }
}

/// Whether another error, not of the kind `alike` picks, lies at or below this one.
fn explained_elsewhere(
    error: &ValidationError<'_>,
    all: &[ValidationError<'_>],
    alike: fn(&ValidationError<'_>) -> bool,
) -> bool {
    let at = error.instance_path().as_str();
    all.iter().any(|other| {
        !std::ptr::eq(other, error)
            && !alike(other)
            && is_within(other.instance_path().as_str(), at)
    })
}

fn is_unevaluated(error: &ValidationError<'_>) -> bool {
    matches!(
        error.kind(),
        ValidationErrorKind::UnevaluatedProperties { .. }
    )
}

fn is_combinator(error: &ValidationError<'_>) -> bool {
    matches!(
        error.kind(),
        ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::OneOfNotValid { .. }
    )
}

/// The branch of a failed `anyOf` / `oneOf` that came closest: the one with the fewest root
/// causes, deepest first; its first root cause stands for the whole. When every branch only
/// misses one required property (STIX's "at least one of"), the message names them all.
fn best_branch(context: &[Vec<ValidationError<'static>>]) -> Option<SchemaViolation> {
    let branches: Vec<Vec<SchemaViolation>> = context
        .iter()
        .map(|branch| root_causes(branch))
        .filter(|causes| !causes.is_empty())
        .collect();
    if let Some(either) = missing_any_of(&branches) {
        return Some(either);
    }
    branches
        .into_iter()
        .min_by_key(|causes| {
            let depth = causes
                .iter()
                .map(|c| c.pointer.matches('/').count())
                .max()
                .unwrap_or(0);
            (causes.len(), usize::MAX - depth)
        })
        .and_then(|causes| causes.into_iter().next())
}

fn missing_any_of(branches: &[Vec<SchemaViolation>]) -> Option<SchemaViolation> {
    let first = branches.first()?.first()?;
    let all_required = branches.len() > 1
        && branches.iter().all(|b| {
            matches!(b.as_slice(), [only] if only.keyword == "required" && only.pointer == first.pointer)
        });
    if !all_required {
        return None;
    }
    let names: Vec<&str> = branches
        .iter()
        .filter_map(|b| b[0].message.split('"').nth(1))
        .collect();
    Some(SchemaViolation {
        pointer: first.pointer.clone(),
        keyword: "required".into(),
        message: format!("one of \"{}\" is required", names.join("\", \"")),
    })
}

fn plain(error: &ValidationError<'_>) -> SchemaViolation {
    SchemaViolation {
        pointer: error.instance_path().as_str().to_owned(),
        keyword: error.kind().keyword().to_owned(),
        message: error.to_string(),
    }
}

/// Whether `pointer` is `base` or below it.
fn is_within(pointer: &str, base: &str) -> bool {
    pointer == base
        || pointer
            .strip_prefix(base)
            .is_some_and(|rest| rest.starts_with('/'))
}

//! Strict decoding checks: does a typed value keep *everything* the server sent?
//!
//! Decoding is liberal on purpose (unknown members are ignored, unknown enum values and union
//! tags land in fallback variants), so a successful decode does not prove that the bindings
//! describe the answer completely. [`check`] proves it for one answer: it decodes the raw JSON
//! into `T`, serialises the typed value back to JSON, and compares the two recursively. Every
//! difference is a [`Finding`] with its JSON path:
//!
//! - [`FindingKind::Dropped`]: a member present in the answer but absent from the type (the
//!   main purpose: bindings generated from the same server's schema must report none);
//! - [`FindingKind::NullAsAbsent`]: a member the answer sends as `null` that the typed value
//!   keeps as absent: the type has the member, but as an `Option` that cannot tell `null` from
//!   absence (an optional member of type `any`, such as `default` in `query-qmp-schema`);
//! - [`FindingKind::Added`]: a member the typed value has but the answer did not;
//! - [`FindingKind::Changed`]: a value that does not survive the round trip;
//! - [`FindingKind::Fallback`]: the value holds a fallback variant (`Unknown(..)`), i.e. an
//!   enum value, union tag or event the type does not know, or union members that did not
//!   decode, which a round trip alone cannot see because fallbacks keep the raw data.
//!
//! Fallbacks report themselves: the `Serialize` code that `#[derive(OpenEnum)]` generates for
//! an unknown enum value, and the one generated bindings use for a union's unknown tag, tell a
//! running check what they serialise, so the round trip that compares the JSON also lists the
//! fallbacks (in serialisation order; their path is `$`).
//!
//! The type needs `Serialize` as well as `Deserialize`: generated output types are decode-only
//! by default, so generate the bindings with `Config::both_directions(true)` (as the
//! workspace's `qmp-live` crate does in its build script). Numbers compare by value (`1`
//! equals `1.0`).
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use qmp_types::strict::{check, FindingKind};
//!
//! #[derive(Debug, Serialize, Deserialize)]
//! struct Status { running: bool }
//!
//! let raw = serde_json::json!({"running": true, "status": "running"});
//! let (status, findings) = check::<Status>(&raw)?;
//! assert!(status.running);
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].path, "$.status");
//! assert!(matches!(findings[0].kind, FindingKind::Dropped { .. }));
//! # Ok::<(), qmp_types::strict::StrictError>(())
//! ```

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// One difference between an answer and its typed decoding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Where: `$` for the root, `.member` and `[index]` steps below it. For
    /// [`FindingKind::Fallback`] the path is `$`.
    pub path: String,
    /// What differs.
    pub kind: FindingKind,
}

/// What a [`Finding`] is about.
#[derive(Debug, Clone, PartialEq)]
pub enum FindingKind {
    /// The answer has this member; the typed value does not keep it.
    Dropped {
        /// The member's value in the answer.
        value: Value,
    },
    /// The answer has this member with the value `null`; the typed value has the member but
    /// represents it as absent (`None`).
    NullAsAbsent,
    /// The typed value has this member; the answer did not.
    Added {
        /// The member's value after the round trip.
        value: Value,
    },
    /// The value differs after the round trip.
    Changed {
        /// As the server sent it.
        raw: Value,
        /// As the typed value serialises it.
        typed: Value,
    },
    /// The typed value holds a fallback variant.
    Fallback {
        /// The fallback variant with its value, shortened (`RunState::Unknown("colo")`, or
        /// `Unknown({"driver":"nbd",...})` for a union).
        variant: String,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            FindingKind::Dropped { value } => {
                write!(
                    f,
                    "{}: member dropped by the type: {}",
                    self.path,
                    short(value)
                )
            }
            FindingKind::NullAsAbsent => {
                write!(f, "{}: member sent as null, kept as absent", self.path)
            }
            FindingKind::Added { value } => {
                write!(
                    f,
                    "{}: member added by the type: {}",
                    self.path,
                    short(value)
                )
            }
            FindingKind::Changed { raw, typed } => write!(
                f,
                "{}: value changed: {} became {}",
                self.path,
                short(raw),
                short(typed)
            ),
            FindingKind::Fallback { variant } => {
                write!(f, "{}: decoded into a fallback: {variant}", self.path)
            }
        }
    }
}

/// Why a strict check could not compare at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StrictError {
    /// The answer does not decode into the type.
    #[error("the answer does not decode into `{type_name}`: {source}")]
    Decode {
        /// The Rust type.
        type_name: &'static str,
        /// The decoding error.
        #[source]
        source: serde_json::Error,
    },
    /// The decoded value does not serialise back to JSON.
    #[error("the decoded `{type_name}` does not serialise back to JSON: {source}")]
    Encode {
        /// The Rust type.
        type_name: &'static str,
        /// The serialisation error.
        #[source]
        source: serde_json::Error,
    },
}

/// Decodes `raw` into `T` and reports everything the typed value does not reproduce.
///
/// # Errors
/// [`StrictError::Decode`] when `raw` does not decode into `T`, [`StrictError::Encode`] when
/// the typed value does not serialise.
pub fn check<T>(raw: &Value) -> Result<(T, Vec<Finding>), StrictError>
where
    T: DeserializeOwned + Serialize,
{
    let type_name = std::any::type_name::<T>();
    let typed: T = serde_json::from_value(raw.clone())
        .map_err(|source| StrictError::Decode { type_name, source })?;
    let findings = check_value(raw, &typed)?;
    Ok((typed, findings))
}

/// Reports everything `typed` (already decoded from `raw`) does not reproduce of `raw`.
///
/// # Errors
/// [`StrictError::Encode`] when `typed` does not serialise.
pub fn check_value<T>(raw: &Value, typed: &T) -> Result<Vec<Finding>, StrictError>
where
    T: Serialize,
{
    let (again, fallbacks) = crate::fallback::collect(|| serde_json::to_value(typed));
    let again = again.map_err(|source| StrictError::Encode {
        type_name: std::any::type_name::<T>(),
        source,
    })?;
    let mut findings = compare(raw, &again);
    findings.extend(fallbacks.into_iter().map(|variant| Finding {
        path: "$".into(),
        kind: FindingKind::Fallback { variant },
    }));
    Ok(findings)
}

/// The recursive difference between the server's JSON and the typed value's JSON.
pub fn compare(raw: &Value, typed: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    walk("$", raw, typed, &mut findings);
    findings
}

fn walk(path: &str, raw: &Value, typed: &Value, findings: &mut Vec<Finding>) {
    match (raw, typed) {
        (Value::Object(raw), Value::Object(typed)) => {
            for (key, value) in raw {
                let path = format!("{path}.{key}");
                match typed.get(key) {
                    Some(again) => walk(&path, value, again, findings),
                    None if value.is_null() => findings.push(Finding {
                        path,
                        kind: FindingKind::NullAsAbsent,
                    }),
                    None => findings.push(Finding {
                        path,
                        kind: FindingKind::Dropped {
                            value: value.clone(),
                        },
                    }),
                }
            }
            for (key, value) in typed {
                if !raw.contains_key(key) {
                    findings.push(Finding {
                        path: format!("{path}.{key}"),
                        kind: FindingKind::Added {
                            value: value.clone(),
                        },
                    });
                }
            }
        }
        (Value::Array(raw_items), Value::Array(typed_items))
            if raw_items.len() == typed_items.len() =>
        {
            for (i, (value, again)) in raw_items.iter().zip(typed_items).enumerate() {
                walk(&format!("{path}[{i}]"), value, again, findings);
            }
        }
        (Value::Number(a), Value::Number(b)) if same_number(a, b) => {}
        _ if raw == typed => {}
        _ => findings.push(Finding {
            path: path.to_owned(),
            kind: FindingKind::Changed {
                raw: raw.clone(),
                typed: typed.clone(),
            },
        }),
    }
}

/// Numbers are equal by value: exactly for integers, as `f64` when either is a float.
fn same_number(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
        (Some(x), Some(y), _, _) => x == y,
        (_, _, Some(x), Some(y)) => x == y,
        _ => a.as_f64() == b.as_f64(),
    }
}

/// A value rendered on one line, shortened to 120 characters.
fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 120 {
        text
    } else {
        let mut cut: String = text.chars().take(117).collect();
        cut.push_str("...");
        cut
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::*;
    use crate::wire::Capability;
    use crate::OpenEnum;

    /// A deliberately incomplete type for an answer of `query-status`: it lacks `status`.
    #[derive(Debug, Serialize, Deserialize)]
    struct IncompleteStatus {
        running: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        singlestep: Option<bool>,
    }

    /// A complete type for a greeting-like answer, with an open enum.
    #[derive(Debug, Serialize, Deserialize)]
    struct Offer {
        running: bool,
        capabilities: Vec<Capability>,
    }

    #[test]
    fn an_incomplete_type_is_reported_with_the_member_path() {
        let raw = json!({"running": true, "status": "running"});
        let (typed, findings) = check::<IncompleteStatus>(&raw).unwrap();
        assert!(typed.running);
        assert_eq!(
            findings,
            [Finding {
                path: "$.status".into(),
                kind: FindingKind::Dropped {
                    value: json!("running")
                },
            }]
        );
        assert_eq!(
            findings[0].to_string(),
            "$.status: member dropped by the type: \"running\""
        );
    }

    #[test]
    fn a_complete_type_reports_nothing() {
        let raw = json!({"running": true, "capabilities": ["oob"]});
        let (typed, findings) = check::<Offer>(&raw).unwrap();
        assert_eq!(typed.capabilities, [Capability::Oob]);
        assert_eq!(findings, []);
    }

    #[test]
    fn an_unknown_enum_value_is_a_fallback() {
        let raw = json!({"running": false, "capabilities": ["oob", "frozen \"Unknown(\""]});
        let (typed, findings) = check::<Offer>(&raw).unwrap();
        assert_eq!(typed.capabilities[1].as_str(), "frozen \"Unknown(\"");
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            matches!(&findings[0].kind, FindingKind::Fallback { variant }
                if variant == r#"Capability::Unknown("frozen \"Unknown(\"")"#),
            "{findings:?}"
        );
    }

    #[test]
    fn nested_arrays_and_numbers() {
        let raw = json!({"a": [{"x": 1, "y": 2}, {"x": 3, "d": null}], "f": 1, "big": u64::MAX});
        let typed = json!({"a": [{"x": 1}, {"x": 3, "z": null}], "f": 1.0, "big": u64::MAX});
        let findings = compare(&raw, &typed);
        let paths: Vec<&str> = findings.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["$.a[0].y", "$.a[1].d", "$.a[1].z"]);
        assert!(matches!(findings[0].kind, FindingKind::Dropped { .. }));
        assert_eq!(findings[1].kind, FindingKind::NullAsAbsent);
        assert!(matches!(findings[2].kind, FindingKind::Added { .. }));
        let changed = compare(&json!([1, 2]), &json!([1]));
        assert!(matches!(changed[0].kind, FindingKind::Changed { .. }));
        assert_eq!(compare(&json!(-1), &json!(-1.0)), []);
        assert_eq!(compare(&json!("a"), &json!("b")).len(), 1);
    }
}

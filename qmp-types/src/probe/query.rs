//! The probe query language: parsing a query string such as
//! `blockdev-add/arg-type/+file/*aio/^io_uring` into a [`Query`], with errors that name the
//! byte position of the offending component.

use std::fmt;
use std::str::FromStr;

use crate::introspection::JsonType;

/// A parsed probe query: a root entry name and the steps walked from it.
///
/// See the [module documentation](super) for the syntax.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    /// The entry the walk starts at (usually a command or event name).
    pub root: String,
    /// The steps walked from the root, in order.
    pub steps: Vec<Step>,
}

/// One `/`-separated component of a [`Query`] after the root.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// `name` (or `*name` when `optional`): an object member, or `arg-type` / `ret-type` of a
    /// command or event.
    Member {
        /// The member's wire name.
        name: String,
        /// Whether the member must be optional (`*name`).
        optional: bool,
    },
    /// `+case`: the variant of a flat union selected by tag value `case`.
    Variant(String),
    /// `^value` (optionally followed by `/$feature`): an enum value, and a feature it must carry.
    EnumValue {
        /// The enum value.
        value: String,
        /// The feature the value must carry (`^value/$feature`).
        feature: Option<String>,
    },
    /// `!type`: the current type is a builtin of this JSON type.
    JsonType(JsonType),
    /// `$feature`: the current entry (or the member or value just selected) carries `feature`.
    Feature(String),
}

/// A query string that does not parse; every variant names the query and the byte position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The query string is empty.
    #[error("empty probe query: expected `command/...` or `EVENT/...`")]
    Empty,
    /// Two `/` in a row, or a `/` at the start or end.
    #[error("empty component at byte {position} of probe query {query:?}")]
    EmptyComponent {
        /// The whole query.
        query: String,
        /// Byte offset where the empty component starts.
        position: usize,
    },
    /// A modifier (`*`, `+`, `^`, `!`, `$`) with no name after it.
    #[error("`{modifier}` without a name at byte {position} of probe query {query:?}")]
    MissingName {
        /// The whole query.
        query: String,
        /// Byte offset of the modifier.
        position: usize,
        /// The modifier character.
        modifier: char,
    },
    /// A character that cannot appear in a QAPI name.
    #[error(
        "invalid character {found:?} at byte {position} of probe query {query:?}: names consist \
         of ASCII letters, digits, `-`, `_` and `.`, optionally after one of `*+^!$`"
    )]
    InvalidCharacter {
        /// The whole query.
        query: String,
        /// Byte offset of the character.
        position: usize,
        /// The character found.
        found: char,
    },
    /// The root carries a modifier; it must be a plain entry name.
    #[error(
        "the root of probe query {query:?} must be a plain command or event name, found \
         modifier `{modifier}` at byte 0"
    )]
    RootModifier {
        /// The whole query.
        query: String,
        /// The modifier character.
        modifier: char,
    },
    /// A component follows `!type`, `$feature` or `^value` (other than `^value/$feature`).
    #[error(
        "component at byte {position} of probe query {query:?} follows the terminal component \
         {terminal:?}: `!type` and `$feature` must come last, `^value` may only be followed by \
         `$feature`"
    )]
    AfterTerminal {
        /// The whole query.
        query: String,
        /// Byte offset of the component that follows the terminal one.
        position: usize,
        /// The terminal component.
        terminal: String,
    },
    /// `!name` where `name` is not a JSON type.
    #[error(
        "unknown JSON type {found:?} at byte {position} of probe query {query:?}: expected one \
         of string, number, int, boolean, null, object, array, value"
    )]
    UnknownJsonType {
        /// The whole query.
        query: String,
        /// Byte offset of the name after `!`.
        position: usize,
        /// The name found.
        found: String,
    },
}

/// One raw component: its modifier (if any), name and byte offsets.
struct Component<'a> {
    /// Byte offset of the component (of its modifier, if any).
    start: usize,
    modifier: Option<char>,
    name: &'a str,
    /// Byte offset of the name.
    name_start: usize,
}

const MODIFIERS: [char; 5] = ['*', '+', '^', '!', '$'];

impl Query {
    /// Parses a query string; see the [module documentation](super) for the syntax.
    ///
    /// # Errors
    /// A [`QueryError`] naming the byte position of the first malformed component.
    pub fn parse(query: &str) -> Result<Query, QueryError> {
        if query.is_empty() {
            return Err(QueryError::Empty);
        }
        let components = split(query)?;
        let mut components = components.into_iter();
        let Some(root) = components.next() else {
            return Err(QueryError::Empty);
        };
        if let Some(modifier) = root.modifier {
            return Err(QueryError::RootModifier {
                query: query.to_owned(),
                modifier,
            });
        }
        let mut steps: Vec<Step> = Vec::new();
        let mut terminal: Option<(String, bool)> = None;
        for component in components {
            if let Some((text, allows_feature)) = &terminal {
                let feature_after_value = *allows_feature && component.modifier == Some('$');
                if !feature_after_value {
                    return Err(QueryError::AfterTerminal {
                        query: query.to_owned(),
                        position: component.start,
                        terminal: text.clone(),
                    });
                }
                if let Some(Step::EnumValue { feature, .. }) = steps.last_mut() {
                    *feature = Some(component.name.to_owned());
                }
                terminal = Some((format!("{text}/${}", component.name), false));
                continue;
            }
            let name = component.name.to_owned();
            let step = match component.modifier {
                None => Step::Member {
                    name,
                    optional: false,
                },
                Some('*') => Step::Member {
                    name,
                    optional: true,
                },
                Some('+') => Step::Variant(name),
                Some('^') => Step::EnumValue {
                    value: name,
                    feature: None,
                },
                Some('!') => Step::JsonType(json_type(query, &component)?),
                _ => Step::Feature(name),
            };
            if matches!(
                step,
                Step::EnumValue { .. } | Step::JsonType(_) | Step::Feature(_)
            ) {
                let text = &query[component.start..component.name_start + component.name.len()];
                terminal = Some((text.to_owned(), matches!(step, Step::EnumValue { .. })));
            }
            steps.push(step);
        }
        Ok(Query {
            root: root.name.to_owned(),
            steps,
        })
    }
}

/// Splits `query` at `/` into components, checking modifiers and name characters.
fn split(query: &str) -> Result<Vec<Component<'_>>, QueryError> {
    let mut components = Vec::new();
    let mut start = 0;
    for text in query.split('/') {
        let mut chars = text.chars();
        let (modifier, name_start) = match chars.next() {
            None => {
                return Err(QueryError::EmptyComponent {
                    query: query.to_owned(),
                    position: start,
                })
            }
            Some(c) if MODIFIERS.contains(&c) => (Some(c), start + c.len_utf8()),
            Some(_) => (None, start),
        };
        let name = &query[name_start..start + text.len()];
        if let (Some(modifier), true) = (modifier, name.is_empty()) {
            return Err(QueryError::MissingName {
                query: query.to_owned(),
                position: start,
                modifier,
            });
        }
        if let Some((offset, found)) = name
            .char_indices()
            .find(|&(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(QueryError::InvalidCharacter {
                query: query.to_owned(),
                position: name_start + offset,
                found,
            });
        }
        components.push(Component {
            start,
            modifier,
            name,
            name_start,
        });
        start += text.len() + 1;
    }
    Ok(components)
}

/// The JSON type named by a `!type` component.
fn json_type(query: &str, component: &Component<'_>) -> Result<JsonType, QueryError> {
    Ok(match component.name {
        "string" => JsonType::String,
        "number" => JsonType::Number,
        "int" => JsonType::Int,
        "boolean" => JsonType::Boolean,
        "null" => JsonType::Null,
        "object" => JsonType::Object,
        "array" => JsonType::Array,
        "value" => JsonType::Value,
        other => {
            return Err(QueryError::UnknownJsonType {
                query: query.to_owned(),
                position: component.name_start,
                found: other.to_owned(),
            })
        }
    })
}

impl FromStr for Query {
    type Err = QueryError;

    fn from_str(query: &str) -> Result<Query, QueryError> {
        Query::parse(query)
    }
}

/// Writes the query back in its string syntax; parsing the output yields the same query.
impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.root)?;
        for step in &self.steps {
            match step {
                Step::Member { name, optional } => {
                    write!(f, "/{}{name}", if *optional { "*" } else { "" })?
                }
                Step::Variant(case) => write!(f, "/+{case}")?,
                Step::EnumValue { value, feature } => {
                    write!(f, "/^{value}")?;
                    if let Some(feature) = feature {
                        write!(f, "/${feature}")?;
                    }
                }
                Step::JsonType(json_type) => write!(f, "/!{}", json_type.as_str())?,
                Step::Feature(feature) => write!(f, "/${feature}")?,
            }
        }
        Ok(())
    }
}

//! `help` text from the live schema (and QEMU's doc text when the manual is loaded): a
//! command's arguments with types and optionality, its return type, features and
//! `allow-oob`; an event's data; a type by its schema name (masked types are numbers, which
//! the other pages print, so `help 17` follows a reference).

use std::fmt::Write;

use qmp_types::introspection::{EnumMember, ObjectMember, SchemaInfo, SchemaInfoKind};

use crate::docs::{DocEntry, Docs};
use crate::schema::{Schema, Variants};

/// Enum values shown inline in a type label before eliding the rest.
const INLINE_ENUM_VALUES: usize = 6;

/// The shell's own usage text (`help` without a topic).
pub const USAGE: &str = "\
Commands:  COMMAND [key=value ...]   nested keys: a.b=1; values: JSON, or bare text for strings
           -o COMMAND ...            execute out of band (exec-oob)
           {\"execute\": ...}          a raw JSON request
           help COMMAND|EVENT|TYPE   arguments, return type, features, docs (TYPE: a name shown by help)
           exit                      leave (also Ctrl-D; `quit` is QEMU's command: it stops QEMU)
TAB completes command names, argument names (following the union variant already chosen),
enum values and booleans. Events are printed as they arrive.";

/// Why `help` has nothing to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no command, event or type `{0}` in the server's schema")]
pub struct UnknownTopic(pub String);

/// The help page of `topic`: a command, an event, or a type by its schema name.
///
/// # Errors
/// [`UnknownTopic`] when the schema has no entry of that name.
pub fn help(schema: &Schema, docs: &Docs, topic: &str) -> Result<String, UnknownTopic> {
    let entry = schema
        .entry(topic)
        .ok_or_else(|| UnknownTopic(topic.to_owned()))?;
    let doc = docs.get(topic);
    let mut page = String::new();
    match &entry.kind {
        SchemaInfoKind::Command {
            arg_type,
            ret_type,
            allow_oob,
        } => {
            let mut traits = vec!["command".to_owned()];
            if *allow_oob {
                traits.push("allow-oob".into());
            }
            heading(&mut page, entry, &traits, doc);
            page.push_str("Arguments:");
            members_section(&mut page, schema, arg_type, doc);
            if is_empty_object(schema, ret_type) {
                page.push_str("Returns: nothing ({})\n");
            } else {
                let _ = writeln!(page, "Returns: {}", type_label(schema, ret_type));
            }
            if let Some(returns) = doc.and_then(|doc| doc.returns.as_deref()) {
                indented(&mut page, returns, "  ");
            }
            let returned = schema.element_type(ret_type).unwrap_or(ret_type.as_str());
            match schema.object_type(returned) {
                Some(object) if !is_empty_object(schema, object) => {
                    let _ = write!(page, "Members of {}:", type_label(schema, object));
                    members_section(&mut page, schema, object, None);
                }
                _ => {}
            }
        }
        SchemaInfoKind::Event { arg_type } => {
            heading(&mut page, entry, &["event".to_owned()], doc);
            page.push_str("Data:");
            members_section(&mut page, schema, arg_type, doc);
        }
        _ => type_page(&mut page, schema, entry),
    }
    if let Some(doc) = doc {
        for (feature, text) in &doc.features {
            let _ = writeln!(page, "Feature {feature}: {}", first_line(text));
        }
    }
    Ok(page.trim_end().to_owned())
}

/// `NAME (command, allow-oob, deprecated)`, then the doc text and `Since:`.
fn heading(page: &mut String, entry: &SchemaInfo, traits: &[String], doc: Option<&DocEntry>) {
    let traits: Vec<&str> = traits
        .iter()
        .map(String::as_str)
        .chain(entry.features.iter().map(String::as_str))
        .collect();
    let _ = writeln!(page, "{} ({})", entry.name, traits.join(", "));
    if let Some(doc) = doc {
        if !doc.text.is_empty() {
            indented(page, &doc.text, "  ");
        }
        if let Some(since) = &doc.since {
            let _ = writeln!(page, "  Since: {since}");
        }
    }
}

/// The members of an object type, one per line, then its union variants; ` none` when empty.
fn members_section(page: &mut String, schema: &Schema, type_name: &str, doc: Option<&DocEntry>) {
    let empty = serde_json::Map::new();
    let members = schema.members(type_name, Variants::SelectedBy(&empty));
    if members.is_empty() && variants_of(schema, type_name).is_none() {
        page.push_str(" none\n");
        return;
    }
    page.push('\n');
    for member in members {
        member_line(page, schema, member, doc);
    }
    if let Some((tag, cases)) = variants_of(schema, type_name) {
        let _ = writeln!(
            page,
            "  Variants by `{tag}` (each adds members; `{tag}=VALUE` then TAB lists them):"
        );
        let (empty, adding): (Vec<_>, Vec<_>) = cases
            .into_iter()
            .partition(|(_, variant)| is_empty_object(schema, variant));
        for (case, variant) in adding {
            let _ = writeln!(page, "    {tag}={case}: {}", type_label(schema, variant));
        }
        if !empty.is_empty() {
            let cases: Vec<&str> = empty.iter().map(|(case, _)| *case).collect();
            let _ = writeln!(page, "    no members added for {tag}={}", cases.join("|"));
        }
    }
}

/// `  name  type  optional  [features]` and the member's doc text.
fn member_line(page: &mut String, schema: &Schema, member: &ObjectMember, doc: Option<&DocEntry>) {
    let mut line = format!(
        "  {:<22} {}",
        member.name,
        type_label(schema, &member.type_)
    );
    if member.is_optional() {
        line.push_str("  (optional)");
    }
    for feature in &member.features {
        let _ = write!(line, "  [{feature}]");
    }
    let _ = writeln!(page, "{line}");
    if let Some(text) = doc.and_then(|doc| doc.members.get(&member.name)) {
        indented(page, text, "      ");
    }
}

/// Whether `type_name` is an object without members or variants (QEMU's `{}`).
fn is_empty_object(schema: &Schema, type_name: &str) -> bool {
    matches!(
        schema.entry(type_name).map(|entry| &entry.kind),
        Some(SchemaInfoKind::Object { members, variants, .. })
            if members.is_empty() && variants.is_empty()
    )
}

/// The tag and `(case, variant type)` pairs of a flat union.
fn variants_of<'s>(
    schema: &'s Schema,
    type_name: &str,
) -> Option<(&'s str, Vec<(&'s str, &'s str)>)> {
    match &schema.entry(type_name)?.kind {
        SchemaInfoKind::Object {
            tag: Some(tag),
            variants,
            ..
        } => Some((
            tag.as_str(),
            variants
                .iter()
                .map(|variant| (variant.case.as_str(), variant.type_.as_str()))
                .collect(),
        )),
        _ => None,
    }
}

/// The page of a type by its schema name.
fn type_page(page: &mut String, schema: &Schema, entry: &SchemaInfo) {
    let _ = writeln!(page, "{}", type_label(schema, &entry.name));
    match &entry.kind {
        SchemaInfoKind::Object { .. } => {
            page.push_str("Members:");
            members_section(page, schema, &entry.name, None);
        }
        SchemaInfoKind::Enum { members, values } => {
            for value in EnumMember::of(members, values) {
                let features: String = value
                    .features
                    .iter()
                    .map(|feature| format!("  [{feature}]"))
                    .collect();
                let _ = writeln!(page, "  {}{features}", value.name);
            }
        }
        SchemaInfoKind::Alternate { members } => {
            for branch in members {
                let _ = writeln!(page, "  {}", type_label(schema, &branch.type_));
            }
        }
        SchemaInfoKind::Array { element_type } => {
            let _ = writeln!(page, "Elements: {}", type_label(schema, element_type));
        }
        SchemaInfoKind::Builtin { json_type } => {
            let _ = writeln!(page, "JSON type: {}", json_type.as_str());
        }
        SchemaInfoKind::Command { .. } | SchemaInfoKind::Event { .. } => {}
    }
    if !entry.features.is_empty() {
        let _ = writeln!(page, "Features: {}", entry.features.join(", "));
    }
}

/// A type as the pages show it: builtins by name, `[T]` for arrays, and for masked types
/// their kind and schema name (`object 17`, so that `help 17` shows it), enums with their
/// first values.
pub fn type_label(schema: &Schema, type_name: &str) -> String {
    let Some(entry) = schema.entry(type_name) else {
        return type_name.to_owned();
    };
    match &entry.kind {
        SchemaInfoKind::Builtin { .. } => type_name.to_owned(),
        SchemaInfoKind::Array { element_type } => format!("[{}]", type_label(schema, element_type)),
        SchemaInfoKind::Object { .. } => format!("object {type_name}"),
        SchemaInfoKind::Enum { members, values } => {
            let values = EnumMember::of(members, values);
            let shown: Vec<&str> = values
                .iter()
                .take(INLINE_ENUM_VALUES)
                .map(|value| value.name.as_str())
                .collect();
            let more = if values.len() > INLINE_ENUM_VALUES {
                format!("|… {} values", values.len())
            } else {
                String::new()
            };
            format!("enum {type_name} ({}{more})", shown.join("|"))
        }
        SchemaInfoKind::Alternate { members } => {
            let branches: Vec<String> = members
                .iter()
                .map(
                    |branch| match schema.entry(&branch.type_).map(|e| &e.kind) {
                        Some(SchemaInfoKind::Enum { .. }) => format!("enum {}", branch.type_),
                        _ => type_label(schema, &branch.type_),
                    },
                )
                .collect();
            format!("alternate {type_name} ({})", branches.join(" | "))
        }
        SchemaInfoKind::Command { .. } => format!("command {type_name}"),
        SchemaInfoKind::Event { .. } => format!("event {type_name}"),
    }
}

/// Appends `text` with every line indented by `indent`.
fn indented(page: &mut String, text: &str, indent: &str) {
    for line in text.trim_end().lines() {
        let _ = writeln!(page, "{indent}{line}");
    }
}

/// The first line of a text.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_schema::schema_10_0;

    #[test]
    fn command_page_lists_arguments_returns_and_features() {
        let page = help(schema_10_0(), &Docs::default(), "query-block").unwrap();
        assert!(
            page.starts_with("query-block (command)\nArguments: none\nReturns: [object "),
            "{page}"
        );
        assert!(page.contains("\n  device                 str\n"), "{page}");
        assert!(
            page.contains("  qdev                   str  (optional)"),
            "{page}"
        );

        let page = help(schema_10_0(), &Docs::default(), "blockdev-add").unwrap();
        assert!(
            page.contains("  node-name              str  (optional)"),
            "{page}"
        );
        assert!(page.contains("Variants by `driver`"), "{page}");
        assert!(page.contains("    driver=qcow2: object "), "{page}");

        let page = help(schema_10_0(), &Docs::default(), "migrate-pause").unwrap();
        assert_eq!(
            page,
            "migrate-pause (command, allow-oob)\nArguments: none\nReturns: nothing ({})"
        );
        let page = help(schema_10_0(), &Docs::default(), "query-cpus-fast").unwrap();
        assert!(page.contains("\n    target=s390x: object "), "{page}");
        assert!(
            page.contains("\n    no members added for target=aarch64|alpha|"),
            "{page}"
        );
        let page = help(schema_10_0(), &Docs::default(), "x-exit-preconfig").unwrap();
        assert!(
            page.starts_with("x-exit-preconfig (command, unstable)"),
            "{page}"
        );
    }

    #[test]
    fn event_and_type_pages() {
        let page = help(schema_10_0(), &Docs::default(), "STOP").unwrap();
        assert_eq!(page, "STOP (event)\nData: none");
        let page = help(schema_10_0(), &Docs::default(), "int").unwrap();
        assert_eq!(page, "int\nJSON type: int");
        assert_eq!(
            help(schema_10_0(), &Docs::default(), "nope"),
            Err(UnknownTopic("nope".into()))
        );
    }

    #[test]
    fn doc_text_appears_where_loaded() {
        let mut docs = Docs::default();
        let mut entry = DocEntry {
            since: Some("0.14".into()),
            text: "Get a list of BlockInfo for all virtual block devices.".into(),
            returns: Some("a list of BlockInfo".into()),
            ..DocEntry::default()
        };
        entry
            .features
            .insert("unstable".into(), "Not stable.".into());
        docs.insert("query-block", entry);
        let page = help(schema_10_0(), &docs, "query-block").unwrap();
        assert!(page.starts_with(
            "query-block (command)\n  Get a list of BlockInfo for all virtual block devices.\n  Since: 0.14\n"
        ), "{page}");
        assert!(page.contains("\n  a list of BlockInfo\n"), "{page}");
        assert!(page.ends_with("Feature unstable: Not stable."), "{page}");
    }
}

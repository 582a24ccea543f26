//! `help` text from the live schema (and QEMU's names and doc text when the manual is
//! loaded): a command's arguments with types and optionality, its return type, features and
//! `allow-oob`; an event's data; a type by its schema name (masked types are numbers, which
//! the other pages print, so `help 17` follows a reference) or by QEMU's name.

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

/// The help page of `topic`: a command, an event, or a type by its schema name or (with the
/// manual loaded) by QEMU's name.
///
/// # Errors
/// [`UnknownTopic`] when neither the schema nor the manual knows the name.
pub fn help(schema: &Schema, docs: &Docs, topic: &str) -> Result<String, UnknownTopic> {
    let entry = schema
        .entry(topic)
        .or_else(|| docs.schema_type(topic).and_then(|name| schema.entry(name)))
        .ok_or_else(|| UnknownTopic(topic.to_owned()))?;
    let pages = Pages { schema, docs };
    let mut page = String::new();
    match &entry.kind {
        SchemaInfoKind::Command {
            arg_type,
            ret_type,
            allow_oob,
        } => pages.command(&mut page, entry, arg_type, ret_type, *allow_oob),
        SchemaInfoKind::Event { arg_type } => {
            let doc = docs.get(&entry.name);
            pages.heading(&mut page, &entry.name, &entry.features, &["event"], doc);
            page.push_str("Data:");
            pages.members(&mut page, arg_type, doc);
            features(&mut page, doc);
        }
        _ => pages.type_page(&mut page, entry),
    }
    Ok(page.trim_end().to_owned())
}

/// Renders pages from the schema and the docs.
struct Pages<'a> {
    schema: &'a Schema,
    docs: &'a Docs,
}

impl Pages<'_> {
    fn command(
        &self,
        page: &mut String,
        entry: &SchemaInfo,
        arg_type: &str,
        ret_type: &str,
        allow_oob: bool,
    ) {
        let doc = self.docs.get(&entry.name);
        let traits: &[&str] = if allow_oob {
            &["command", "allow-oob"]
        } else {
            &["command"]
        };
        self.heading(page, &entry.name, &entry.features, traits, doc);
        page.push_str("Arguments:");
        self.members(page, arg_type, doc);
        if self.is_empty_object(ret_type) {
            page.push_str("Returns: nothing ({})\n");
        } else {
            let _ = writeln!(page, "Returns: {}", self.label(ret_type));
        }
        if let Some(returns) = doc.and_then(|doc| doc.returns.as_deref()) {
            indented(page, returns, "  ");
        }
        let returned = self.schema.element_type(ret_type).unwrap_or(ret_type);
        match self.schema.object_type(returned) {
            Some(object) if !self.is_empty_object(object) => {
                let _ = write!(page, "Members of {}:", self.label(object));
                self.members(page, object, self.docs.type_doc(object));
            }
            _ => {}
        }
        features(page, doc);
    }

    /// `NAME (command, allow-oob, deprecated)`, then the doc text and `Since:`.
    fn heading(
        &self,
        page: &mut String,
        name: &str,
        schema_features: &[String],
        traits: &[&str],
        doc: Option<&DocEntry>,
    ) {
        let traits: Vec<&str> = traits
            .iter()
            .copied()
            .chain(schema_features.iter().map(String::as_str))
            .collect();
        let _ = writeln!(page, "{name} ({})", traits.join(", "));
        if let Some(doc) = doc {
            if !doc.text.is_empty() {
                indented(page, &doc.text, "  ");
            }
            if let Some(since) = &doc.since {
                let _ = writeln!(page, "  Since: {since}");
            }
        }
    }

    /// The members of an object type, one per line, then its union variants; ` none` when
    /// it has neither.
    fn members(&self, page: &mut String, type_name: &str, doc: Option<&DocEntry>) {
        let empty = serde_json::Map::new();
        let members = self.schema.members(type_name, Variants::SelectedBy(&empty));
        let variants = self.variants(type_name);
        if members.is_empty() && variants.is_none() {
            page.push_str(" none\n");
            return;
        }
        page.push('\n');
        for member in members {
            self.member_line(page, member, doc);
        }
        if let Some((tag, cases)) = variants {
            let _ = writeln!(
                page,
                "  Variants by `{tag}` (each adds members; `{tag}=VALUE` then TAB lists them):"
            );
            let (empty, adding): (Vec<_>, Vec<_>) = cases
                .into_iter()
                .partition(|(_, variant)| self.is_empty_object(variant));
            for (case, variant) in adding {
                let _ = writeln!(page, "    {tag}={case}: {}", self.label(variant));
            }
            if !empty.is_empty() {
                let cases: Vec<&str> = empty.iter().map(|(case, _)| *case).collect();
                let _ = writeln!(page, "    no members added for {tag}={}", cases.join("|"));
            }
        }
    }

    /// `  name  type  (optional)  [features]` and the member's doc text.
    fn member_line(&self, page: &mut String, member: &ObjectMember, doc: Option<&DocEntry>) {
        let mut line = format!("  {:<22} {}", member.name, self.label(&member.type_));
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
    fn is_empty_object(&self, type_name: &str) -> bool {
        matches!(
            self.schema.entry(type_name).map(|entry| &entry.kind),
            Some(SchemaInfoKind::Object { members, variants, .. })
                if members.is_empty() && variants.is_empty()
        )
    }

    /// The tag and `(case, variant type)` pairs of a flat union.
    fn variants(&self, type_name: &str) -> Option<(&str, Vec<(&str, &str)>)> {
        match &self.schema.entry(type_name)?.kind {
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

    /// The page of a type.
    fn type_page(&self, page: &mut String, entry: &SchemaInfo) {
        let doc = self.docs.type_doc(&entry.name);
        let _ = writeln!(page, "{}", self.label(&entry.name));
        if let Some(name) = self.docs.qemu_name(&entry.name) {
            let _ = writeln!(page, "  (schema type {}, QEMU's {name})", entry.name);
        }
        if let Some(doc) = doc.filter(|doc| !doc.text.is_empty()) {
            indented(page, &doc.text, "  ");
        }
        match &entry.kind {
            SchemaInfoKind::Object { .. } => {
                page.push_str("Members:");
                self.members(page, &entry.name, doc);
            }
            SchemaInfoKind::Enum { members, values } => {
                for value in EnumMember::of(members, values) {
                    let features: String = value
                        .features
                        .iter()
                        .map(|feature| format!("  [{feature}]"))
                        .collect();
                    let _ = writeln!(page, "  {}{features}", value.name);
                    if let Some(text) = doc.and_then(|doc| doc.members.get(&value.name)) {
                        indented(page, text, "      ");
                    }
                }
            }
            SchemaInfoKind::Alternate { members } => {
                for branch in members {
                    let _ = writeln!(page, "  {}", self.label(&branch.type_));
                }
            }
            SchemaInfoKind::Array { element_type } => {
                let _ = writeln!(page, "Elements: {}", self.label(element_type));
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

    /// A type as the pages show it: builtins by name, `[T]` for arrays, masked types by
    /// QEMU's name when the manual gives it, otherwise by kind and schema name (`object 17`,
    /// so that `help 17` shows it); enums with their first values.
    fn label(&self, type_name: &str) -> String {
        let Some(entry) = self.schema.entry(type_name) else {
            return type_name.to_owned();
        };
        let named = |kind: &str| match self.docs.qemu_name(type_name) {
            Some(name) => name.to_owned(),
            None => format!("{kind} {type_name}"),
        };
        match &entry.kind {
            SchemaInfoKind::Builtin { .. } => type_name.to_owned(),
            SchemaInfoKind::Array { element_type } => format!("[{}]", self.label(element_type)),
            SchemaInfoKind::Object { .. } => named("object"),
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
                let name = match self.docs.qemu_name(type_name) {
                    Some(name) => format!("enum {name}"),
                    None => format!("enum {type_name}"),
                };
                format!("{name} ({}{more})", shown.join("|"))
            }
            SchemaInfoKind::Alternate { members } => {
                let branches: Vec<String> = members
                    .iter()
                    .map(
                        |branch| match self.schema.entry(&branch.type_).map(|entry| &entry.kind) {
                            Some(SchemaInfoKind::Enum { .. }) => {
                                format!(
                                    "enum {}",
                                    self.docs.qemu_name(&branch.type_).unwrap_or(&branch.type_)
                                )
                            }
                            _ => self.label(&branch.type_),
                        },
                    )
                    .collect();
                format!("{} ({})", named("alternate"), branches.join(" | "))
            }
            SchemaInfoKind::Command { .. } | SchemaInfoKind::Event { .. } => type_name.to_owned(),
        }
    }
}

/// `Feature NAME: first line of its explanation`, for each documented feature.
fn features(page: &mut String, doc: Option<&DocEntry>) {
    for (feature, text) in doc.map(|doc| &doc.features).into_iter().flatten() {
        let _ = writeln!(page, "Feature {feature}: {}", first_line(text));
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

    #[test]
    fn qemu_names_replace_masked_ones_where_known() {
        let schema = schema_10_0();
        let Some(SchemaInfoKind::Command { ret_type, .. }) =
            schema.entry("query-block").map(|entry| &entry.kind)
        else {
            panic!("query-block is a command");
        };
        let block_info = schema.element_type(ret_type).unwrap().to_owned();
        let mut docs = Docs::default();
        docs.name_type(&block_info, "BlockInfo");
        let mut entry = DocEntry {
            text: "Block device information.".into(),
            ..DocEntry::default()
        };
        entry
            .members
            .insert("device".into(), "The device name.".into());
        docs.insert("BlockInfo", entry);

        let page = help(schema, &docs, "query-block").unwrap();
        assert!(
            page.contains("\nReturns: [BlockInfo]\nMembers of BlockInfo:\n"),
            "{page}"
        );
        assert!(
            page.contains("\n  device                 str\n      The device name.\n"),
            "{page}"
        );

        let page = help(schema, &docs, "BlockInfo").unwrap();
        assert!(
            page.starts_with(&format!(
                "BlockInfo\n  (schema type {block_info}, QEMU's BlockInfo)\n  Block device information.\nMembers:\n"
            )),
            "{page}"
        );
        assert_eq!(help(schema, &docs, &block_info).unwrap(), page);
    }
}

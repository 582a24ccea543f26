//! QEMU's own documentation on generated items: the reference manual's text for each
//! command, event, type, member and enum value, with the names of generated types turned
//! into intra-doc links.

use std::collections::HashMap;

use qmp_types::introspection::SchemaInfoKind;

use crate::model::Model;
use crate::naming::TypeNames;
use crate::reference::{Definition, Manual, Member};

/// The manual seen through the names of one set of bindings.
#[derive(Debug)]
pub struct QemuDocs<'a> {
    manual: &'a Manual,
    /// QEMU name → Rust name of every generated command, event and type, for links.
    links: HashMap<&'a str, String>,
}

impl<'a> QemuDocs<'a> {
    /// Indexes `manual` for the items `model` generates under `names`.
    pub fn new(manual: &'a Manual, model: &Model, names: &TypeNames) -> QemuDocs<'a> {
        let mut links = HashMap::new();
        for (i, entry) in model.entries.iter().enumerate() {
            if !model.is_generated(i) {
                continue;
            }
            let named = matches!(
                entry.kind,
                SchemaInfoKind::Command { .. }
                    | SchemaInfoKind::Event { .. }
                    | SchemaInfoKind::Object { .. }
                    | SchemaInfoKind::Enum { .. }
                    | SchemaInfoKind::Alternate { .. }
            );
            let qemu = names.qemu_name(&entry.name);
            let rust = names.type_name(&entry.name);
            if let (true, Some(qemu), Some(rust)) = (named, qemu, rust) {
                if let Some((key, _)) = manual.definitions.get_key_value(qemu) {
                    links.insert(key.as_str(), rust.to_owned());
                }
            }
        }
        QemuDocs { manual, links }
    }

    /// The definition QEMU calls `qemu_name`.
    pub fn definition(&self, qemu_name: &str) -> Option<&'a Definition> {
        self.manual.definitions.get(qemu_name)
    }

    /// The documented member `wire` of `def`, looked up through its bases.
    pub fn member(&self, def: &'a Definition, wire: &str) -> Option<&'a Member> {
        self.manual.member_of(def, wire)
    }

    /// The doc lines of an item documented by `def`, in two parts: first QEMU's
    /// description, what it returns (commands), what its features mean and since when it
    /// exists; then QEMU's headed sections (examples, notes, errors), which go last, after
    /// what the generator adds. Paragraphs are separated by empty lines; a part ends with
    /// an empty line when not empty.
    pub fn item_lines(&self, def: &Definition) -> (Vec<String>, Vec<String>) {
        let all = self.text_lines(&def.doc);
        // Rustdoc's convention: `# Examples` and the like after the summary.
        let split = all
            .iter()
            .position(|line| line.starts_with("# "))
            .unwrap_or(all.len());
        let mut head = all[..split].to_vec();
        while head.last().is_some_and(String::is_empty) {
            head.pop();
        }
        let mut tail = all[split..].to_vec();
        if let Some(returns) = &def.returns {
            if !returns.doc.is_empty() {
                push_paragraph(
                    &mut head,
                    self.text_lines(&format!("Returns: {}", returns.doc)),
                );
            }
        }
        for feature in &def.features {
            let text = if feature.doc.is_empty() {
                format!("Feature `{}`.", feature.name)
            } else {
                format!("Feature `{}`: {}", feature.name, feature.doc)
            };
            push_paragraph(&mut head, self.text_lines(&text));
        }
        if let Some(since) = &def.since {
            push_paragraph(&mut head, vec![format!("Since QEMU {since}.")]);
        }
        for part in [&mut head, &mut tail] {
            if !part.is_empty() {
                part.push(String::new());
            }
        }
        (head, tail)
    }

    /// The doc lines of a member or enum value: QEMU's text, then an empty line; nothing
    /// when QEMU has no text for it.
    pub fn member_lines(&self, member: &Member) -> Vec<String> {
        let mut lines = self.text_lines(&member.doc);
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines
    }

    /// Markdown `text` as doc lines, with code spans that name a generated item made links.
    pub fn text_lines(&self, text: &str) -> Vec<String> {
        let mut fenced = false;
        let mut lines = Vec::new();
        for line in text.trim_matches('\n').lines() {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                lines.push(line.to_owned());
            } else if fenced {
                lines.push(line.to_owned());
            } else {
                lines.push(self.link_code_spans(line));
            }
        }
        lines
    }

    /// Rewrites `` `X` `` into a link to X's Rust item where X is a generated item's QEMU
    /// name: `` [`X`] `` when the Rust name is X, `` [`X`](Rust) `` otherwise.
    fn link_code_spans(&self, line: &str) -> String {
        let mut out = String::with_capacity(line.len());
        let mut rest = line;
        while let Some(start) = rest.find('`') {
            let after = &rest[start + 1..];
            let Some(len) = after.find('`') else {
                break;
            };
            let name = &after[..len];
            let linked = !rest[..start].ends_with('[');
            out.push_str(&rest[..start]);
            match self.links.get(name).filter(|_| linked) {
                Some(rust) if rust == name => out.push_str(&format!("[`{name}`]")),
                Some(rust) => out.push_str(&format!("[`{name}`]({rust})")),
                None => out.push_str(&rest[start..start + len + 2]),
            }
            rest = &after[len + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// Appends `paragraph` to `lines`, separated by an empty line.
fn push_paragraph(lines: &mut Vec<String>, paragraph: Vec<String>) {
    if paragraph.is_empty() {
        return;
    }
    if !lines.is_empty() {
        lines.push(String::new());
    }
    lines.extend(paragraph);
}

//! QEMU 10's layout (its own QAPI Sphinx domain): every definition is a tagged paragraph
//! `.B Object  BlockInfo  (Since: 0.14)` whose body holds the description, then tagged
//! lists — `Members` / `Arguments` / `Alternatives` / `Values` / `Features` of
//! `\fBname\fP (\fItype\fP, \fIoptional\fP) \-\- doc` items, `Return` (`type \-\- doc`),
//! `Errors` — and examples.

use super::blocks::{Block, BlockKind};
use super::markdown;
use super::members::{self, Inclusion};
use super::model::{Definition, DefinitionKind, Member, Returns, Warning};
use super::roff;

/// The kind word of a definition header.
fn kind(word: &str) -> Option<DefinitionKind> {
    Some(match word {
        "Command" => DefinitionKind::Command,
        "Event" => DefinitionKind::Event,
        "Enum" => DefinitionKind::Enum,
        "Object" => DefinitionKind::Object,
        "Alternate" => DefinitionKind::Alternate,
        _ => return None,
    })
}

/// Whether `blocks` (the whole page) contain a definition header of this layout.
pub(super) fn recognises(blocks: &[Block], warnings: &mut Vec<Warning>) -> bool {
    blocks.iter().any(|block| match &block.kind {
        BlockKind::Tagged { tag, .. } => header(tag, block.line, warnings).is_some(),
        BlockKind::Indent(body) => recognises(body, warnings),
        _ => false,
    })
}

/// Every definition of the page, in order.
pub(super) fn definitions(blocks: &[Block], warnings: &mut Vec<Warning>) -> Vec<Definition> {
    let mut definitions = Vec::new();
    collect(blocks, &mut definitions, warnings);
    definitions
}

fn collect(blocks: &[Block], definitions: &mut Vec<Definition>, warnings: &mut Vec<Warning>) {
    for block in blocks {
        match &block.kind {
            BlockKind::Tagged { tag, body } => match header(tag, block.line, warnings) {
                Some(header) => definitions.push(definition(header, block.line, body, warnings)),
                None => collect(body, definitions, warnings),
            },
            BlockKind::Indent(body) | BlockKind::Item { body, .. } => {
                collect(body, definitions, warnings)
            }
            _ => {}
        }
    }
}

/// A definition header: kind, name, since.
struct Header {
    kind: DefinitionKind,
    name: String,
    since: Option<String>,
}

/// Reads `Object  BlockInfo  (Since: 0.14)`.
fn header(tag: &str, line: usize, warnings: &mut Vec<Warning>) -> Option<Header> {
    // Cheap test first: this runs on every tag of the page.
    if !tag.starts_with("\\fB") || !tag[3..].starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    let text = roff::plain(tag, line, warnings);
    let mut words = text.split_whitespace();
    let kind = kind(words.next()?)?;
    let name = members::word(words.next()?)?;
    let rest = words.collect::<Vec<_>>().join(" ");
    let since = if rest.is_empty() {
        None
    } else {
        let version = rest.strip_prefix("(Since: ")?.strip_suffix(')')?;
        Some(version.trim().to_owned())
    };
    Some(Header { kind, name, since })
}

/// The sections a definition's body may hold.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Members,
    Values,
    Features,
    Return,
    Errors,
}

fn section(tag: &str) -> Option<Section> {
    Some(match tag {
        "\\fBMembers\\fP" | "\\fBArguments\\fP" | "\\fBAlternatives\\fP" => Section::Members,
        "\\fBValues\\fP" => Section::Values,
        "\\fBFeatures\\fP" => Section::Features,
        "\\fBReturn\\fP" | "\\fBReturns\\fP" => Section::Return,
        "\\fBErrors\\fP" => Section::Errors,
        _ => return None,
    })
}

fn definition(
    header: Header,
    line: usize,
    body: &[Block],
    warnings: &mut Vec<Warning>,
) -> Definition {
    let mut definition = Definition {
        name: header.name,
        kind: header.kind,
        line,
        since: header.since,
        doc: String::new(),
        members: Vec::new(),
        bases: Vec::new(),
        branches: Vec::new(),
        returns: None,
        features: Vec::new(),
    };
    let mut doc = Vec::new();
    read_body(body, &mut definition, &mut doc, warnings);
    definition.doc = markdown::join(doc);
    definition
}

/// Reads a definition's body: sections into their fields, everything else into `doc`.
fn read_body(
    blocks: &[Block],
    definition: &mut Definition,
    doc: &mut Vec<String>,
    warnings: &mut Vec<Warning>,
) {
    let mut text: Vec<&Block> = Vec::new();
    for block in blocks {
        let found = match &block.kind {
            BlockKind::Tagged { tag, body } => section(tag).map(|section| (section, body)),
            _ => None,
        };
        let holds_sections = match &block.kind {
            BlockKind::Indent(body) => body.iter().any(|inner| {
                matches!(&inner.kind, BlockKind::Tagged { tag, .. } if section(tag).is_some())
            }),
            _ => false,
        };
        if found.is_none() && !holds_sections {
            text.push(block);
            continue;
        }
        doc.push(markdown::blocks(text.drain(..), warnings));
        match (found, &block.kind) {
            (Some((section, body)), _) => {
                read_section(section, block.line, body, definition, doc, warnings)
            }
            (None, BlockKind::Indent(body)) => read_body(body, definition, doc, warnings),
            (None, _) => {}
        }
    }
    doc.push(markdown::blocks(text, warnings));
}

fn read_section(
    section: Section,
    line: usize,
    body: &[Block],
    definition: &mut Definition,
    doc: &mut Vec<String>,
    warnings: &mut Vec<Warning>,
) {
    match section {
        Section::Errors => {
            doc.push("# Errors".to_owned());
            doc.push(markdown::blocks(body, warnings));
        }
        Section::Return => definition.returns = Some(returns(body, line, warnings)),
        Section::Members | Section::Values | Section::Features => {
            for item in items(body) {
                read_item(section, item, definition, warnings);
            }
        }
    }
}

/// The list items of a section body (inside its `.INDENT`).
fn items(body: &[Block]) -> Vec<&Block> {
    let mut items = Vec::new();
    for block in body {
        match &block.kind {
            BlockKind::Indent(inner) => items.extend(self::items(inner)),
            _ => items.push(block),
        }
    }
    items
}

/// One item of a member, value or feature list.
fn read_item(
    section: Section,
    item: &Block,
    definition: &mut Definition,
    warnings: &mut Vec<Warning>,
) {
    let body = match &item.kind {
        BlockKind::Item { body, .. } => body.as_slice(),
        _ => std::slice::from_ref(item),
    };
    let Some((first, rest)) = body.split_first() else {
        return;
    };
    let BlockKind::Paragraph(raw) = &first.kind else {
        warnings.push(Warning {
            line: item.line,
            message: format!(
                "`{}` list item does not start with a name; ignored",
                definition.name
            ),
        });
        return;
    };
    let (head, text) = split_at_dashes(raw);
    let head_plain = roff::plain(head, first.line, warnings);
    if text.is_none() {
        match members::inclusion(&head_plain) {
            Some(Inclusion::Base(base)) => return definition.bases.push(base),
            Some(Inclusion::Branch(branch)) => return definition.branches.push(branch),
            None => {}
        }
    }
    let Some((name, ty, optional)) = member_head(&head_plain) else {
        warnings.push(Warning {
            line: first.line,
            message: format!(
                "cannot read `{}` as a member of `{}`; ignored",
                head_plain.trim(),
                definition.name
            ),
        });
        return;
    };
    let mut doc = vec![text
        .map(|text| markdown::paragraph(text, first.line, warnings))
        .unwrap_or_default()];
    doc.push(markdown::blocks(rest, warnings));
    let member = Member {
        name,
        ty: if section == Section::Members {
            ty
        } else {
            None
        },
        optional,
        doc: members::documented(markdown::join(doc)),
    };
    match section {
        Section::Features => definition.features.push(member),
        _ => definition.members.push(member),
    }
}

/// Reads `name`, `name (type)`, `name (type, optional)`.
fn member_head(text: &str) -> Option<(String, Option<super::model::TypeExpr>, bool)> {
    let text = text.trim();
    let (name, rest) = text.split_once(' ').unwrap_or((text, ""));
    let name = members::word(name)?;
    let rest = rest.trim();
    if rest.is_empty() {
        return Some((name, None, false));
    }
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    let mut parts = inner.split(',').map(str::trim);
    let ty = members::type_expr(parts.next()?)?;
    let mut optional = false;
    for flag in parts {
        match flag {
            "optional" => optional = true,
            _ => return None,
        }
    }
    Some((name, Some(ty), optional))
}

/// `Return` section: `type \-\- doc`, or the type alone.
fn returns(body: &[Block], line: usize, warnings: &mut Vec<Warning>) -> Returns {
    let Some((
        Block {
            kind: BlockKind::Paragraph(raw),
            line: first_line,
        },
        rest,
    )) = body.split_first()
    else {
        return Returns {
            ty: None,
            doc: markdown::blocks(body, warnings),
        };
    };
    let (head, text) = split_at_dashes(raw);
    let ty = members::type_expr(&roff::plain(head, *first_line, warnings));
    if ty.is_none() {
        warnings.push(Warning {
            line,
            message: "`Return` section does not start with a type; kept as text".to_owned(),
        });
        return Returns {
            ty: None,
            doc: markdown::blocks(body, warnings),
        };
    }
    let first = text
        .map(|text| markdown::paragraph(text, *first_line, warnings))
        .unwrap_or_default();
    Returns {
        ty,
        doc: markdown::join([first, markdown::blocks(rest, warnings)]),
    }
}

/// Splits an item at its first ` \-\- `: the head (name and type) and the description.
fn split_at_dashes(raw: &str) -> (&str, Option<&str>) {
    match raw.find("\\-\\-") {
        Some(at) => (&raw[..at], Some(raw[at + 4..].trim_start())),
        None => (raw, None),
    }
}

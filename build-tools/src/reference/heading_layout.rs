//! QEMU 7's layout (the Sphinx `qapidoc` of QEMU 4.0 to 8.x): every definition is a
//! subsection heading `.SS \fBBlockInfo\fP (Object)` followed by the description and
//! subsections `Members` / `Arguments` / `Values` / `Features` (tagged paragraphs
//! `.B \fBname\fP: \fBtype\fP (optional)` with the description as body), `Returns` (prose),
//! `Since`, `Example`, `Note`, `If`, `TODO`.

use super::blocks::{Block, BlockKind};
use super::markdown;
use super::members::{self, Inclusion};
use super::model::{Definition, DefinitionKind, Member, Returns, Warning};
use super::roff;

/// Whether `blocks` (the whole page) contain a definition heading of this layout.
pub(super) fn recognises(blocks: &[Block], warnings: &mut Vec<Warning>) -> bool {
    blocks.iter().any(|block| match &block.kind {
        BlockKind::Heading { level: 2, text } => header(text, block.line, warnings).is_some(),
        _ => false,
    })
}

/// Reads `\fBquery\-block\fP (Command)`.
fn header(
    text: &str,
    line: usize,
    warnings: &mut Vec<Warning>,
) -> Option<(String, DefinitionKind)> {
    if !text.starts_with("\\fB") {
        return None;
    }
    let plain = roff::plain(text, line, warnings);
    let (name, kind) = plain.trim().split_once(' ')?;
    let kind = match kind.trim() {
        "(Command)" => DefinitionKind::Command,
        "(Event)" => DefinitionKind::Event,
        "(Enum)" => DefinitionKind::Enum,
        "(Object)" => DefinitionKind::Object,
        "(Alternate)" => DefinitionKind::Alternate,
        _ => return None,
    };
    Some((members::word(name)?, kind))
}

/// The subsection a block belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Section {
    /// Text before the first subsection, notes, examples, and unknown subsections.
    Text,
    Members,
    Values,
    Features,
    Returns,
    Since,
    /// `If`: the build condition.
    Condition,
}

/// Every definition of the page, in order.
pub(super) fn definitions(blocks: &[Block], warnings: &mut Vec<Warning>) -> Vec<Definition> {
    let mut definitions = Vec::new();
    let mut current: Option<Reader> = None;
    for block in blocks {
        if let BlockKind::Heading { level, text } = &block.kind {
            if *level == 2 {
                if let Some((name, kind)) = header(text, block.line, warnings) {
                    definitions.extend(current.take().map(|reader| reader.finish(warnings)));
                    current = Some(Reader::new(name, kind, block.line));
                    continue;
                }
                if let Some(reader) = &mut current {
                    reader.subsection(text, block.line, warnings);
                    continue;
                }
            }
            definitions.extend(current.take().map(|reader| reader.finish(warnings)));
            continue;
        }
        if let Some(reader) = &mut current {
            reader.block(block, warnings);
        }
    }
    definitions.extend(current.map(|reader| reader.finish(warnings)));
    definitions
}

/// One definition being read.
struct Reader {
    definition: Definition,
    section: Section,
    doc: Vec<String>,
    /// A subsection title waiting for content (a title with none is a chapter heading).
    pending_title: Option<String>,
    returns: Vec<String>,
}

impl Reader {
    fn new(name: String, kind: DefinitionKind, line: usize) -> Self {
        Reader {
            definition: Definition {
                name,
                kind,
                line,
                since: None,
                doc: String::new(),
                members: Vec::new(),
                bases: Vec::new(),
                branches: Vec::new(),
                returns: None,
                features: Vec::new(),
            },
            section: Section::Text,
            doc: Vec::new(),
            pending_title: None,
            returns: Vec::new(),
        }
    }

    fn subsection(&mut self, text: &str, line: usize, warnings: &mut Vec<Warning>) {
        let title = roff::plain(text, line, warnings);
        let title = title.trim();
        self.pending_title = None;
        self.section = match title {
            "Members" | "Arguments" => Section::Members,
            "Values" => Section::Values,
            "Features" => Section::Features,
            "Returns" => Section::Returns,
            "Since" => Section::Since,
            "If" => Section::Condition,
            _ => {
                self.pending_title = Some(format!("# {}", markdown::escape(title)));
                Section::Text
            }
        };
    }

    fn block(&mut self, block: &Block, warnings: &mut Vec<Warning>) {
        match self.section {
            Section::Text => {
                self.doc.extend(self.pending_title.take());
                self.doc.push(markdown::blocks([block], warnings));
            }
            Section::Returns => self.returns.push(markdown::blocks([block], warnings)),
            Section::Since => match &block.kind {
                BlockKind::Paragraph(raw) => {
                    let since = roff::plain(raw, block.line, warnings);
                    self.definition.since =
                        Some(since.split_whitespace().collect::<Vec<_>>().join(" "));
                }
                _ => self.doc.push(markdown::blocks([block], warnings)),
            },
            Section::Condition => {
                let condition = markdown::blocks([block], warnings);
                self.doc.push(format!("*Availability*: {condition}"));
            }
            Section::Members | Section::Values | Section::Features => self.list(block, warnings),
        }
    }

    /// A block of a member, value or feature subsection.
    fn list(&mut self, block: &Block, warnings: &mut Vec<Warning>) {
        match &block.kind {
            BlockKind::Indent(body) => {
                for inner in body {
                    self.list(inner, warnings);
                }
            }
            BlockKind::Tagged { tag, body } => self.entry(tag, block.line, body, warnings),
            _ => {
                let text = markdown::blocks([block], warnings);
                self.doc.push(text);
            }
        }
    }

    /// One tagged entry: `name: type (optional) (If: COND)`, `name`, or an inclusion.
    fn entry(&mut self, tag: &str, line: usize, body: &[Block], warnings: &mut Vec<Warning>) {
        let plain = roff::plain(tag, line, warnings);
        let (head, condition) = match plain.trim().strip_suffix(')') {
            Some(rest) if rest.contains("(If: ") => {
                let (head, condition) = rest.rsplit_once("(If: ").unwrap_or((rest, ""));
                (head.trim().to_owned(), Some(condition.trim().to_owned()))
            }
            _ => (plain.trim().to_owned(), None),
        };
        if self.section == Section::Members {
            match members::inclusion(&head) {
                Some(Inclusion::Base(base)) => return self.definition.bases.push(base),
                Some(Inclusion::Branch(branch)) => return self.definition.branches.push(branch),
                None => {}
            }
        }
        let Some((name, ty, optional)) = self.member_head(&head) else {
            warnings.push(Warning {
                line,
                message: format!(
                    "cannot read `{head}` as a member of `{}`; ignored",
                    self.definition.name
                ),
            });
            return;
        };
        let mut doc = vec![members::documented(markdown::blocks(body, warnings))];
        if let Some(condition) = condition {
            doc.push(format!("*Availability*: `{condition}`"));
        }
        let member = Member {
            name,
            ty,
            optional,
            doc: markdown::join(doc),
        };
        match self.section {
            Section::Features => self.definition.features.push(member),
            _ => self.definition.members.push(member),
        }
    }

    /// `name: type`, `name: type (optional)` in member lists, `name` in the others.
    fn member_head(&self, head: &str) -> Option<(String, Option<super::model::TypeExpr>, bool)> {
        if self.section != Section::Members {
            return Some((members::word(head)?, None, false));
        }
        let (name, ty) = head.split_once(':')?;
        let (ty, optional) = match ty.trim().strip_suffix("(optional)") {
            Some(ty) => (ty, true),
            None => (ty, false),
        };
        Some((
            members::word(name)?,
            Some(members::type_expr(ty)?),
            optional,
        ))
    }

    fn finish(mut self, warnings: &mut Vec<Warning>) -> Definition {
        let definition = &mut self.definition;
        definition.doc = markdown::join(self.doc);
        if !self.returns.is_empty() {
            definition.returns = Some(Returns {
                ty: None,
                doc: markdown::join(self.returns),
            });
        }
        if definition.kind == DefinitionKind::Command
            && definition.members.is_empty()
            && definition.bases.is_empty()
        {
            definition
                .bases
                .extend(documented_arguments(&definition.doc));
        }
        if definition.kind == DefinitionKind::Alternate && definition.members.is_empty() {
            warnings.push(Warning {
                line: definition.line,
                message: format!("alternate `{}` lists no branches", definition.name),
            });
        }
        self.definition
    }
}

/// "For the arguments, see the documentation of BlockdevSnapshotSync.": the type a 7.2
/// command takes its arguments from.
fn documented_arguments(doc: &str) -> Option<String> {
    let (_, rest) = doc.split_once("see the documentation of ")?;
    let name: String = rest
        .chars()
        .filter(|&c| c != '`' && c != '\\')
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    members::word(&name)
}

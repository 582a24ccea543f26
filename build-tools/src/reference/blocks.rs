//! The block structure of a man page: nests the lexed lines into paragraphs, preformatted
//! blocks, tables, tagged paragraphs (`.TP`), list items (`.IP`), indented blocks
//! (`.INDENT` … `.UNINDENT`) and headings (`.SH`, `.SS`), the way a man-page viewer lays
//! them out. Both manual layouts are read from this tree.

use super::model::Warning;
use super::roff::{Line, LineKind};

/// Deeper `.INDENT` nesting than this is not a QEMU manual; it is read flat.
const MAX_DEPTH: usize = 64;

/// One block of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Block {
    /// 1-based line where it starts.
    pub line: usize,
    /// What it is.
    pub kind: BlockKind,
}

/// The kinds of [`Block`]. Text stays roff-encoded; [`super::roff::spans`] decodes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum BlockKind {
    /// Running text: the paragraph's lines, joined by `\n`.
    Paragraph(String),
    /// `.nf` … `.fi`: lines kept as they are.
    Preformatted(Vec<String>),
    /// `.TS` … `.TE`: rows of cells.
    Table(Vec<Vec<String>>),
    /// `.TP`: a tag line and the indented body under it.
    Tagged {
        /// The tag (`\fBname\fP: \fBtype\fP`), from a `.B` request or a text line.
        tag: String,
        /// What follows up to the next entry or the end of the enclosing block.
        body: Vec<Block>,
    },
    /// `.IP label`: a list item.
    Item {
        /// Its label.
        label: Label,
        /// Its content.
        body: Vec<Block>,
    },
    /// `.INDENT` … `.UNINDENT`.
    Indent(Vec<Block>),
    /// `.SH` (level 1) or `.SS` (level 2).
    Heading {
        /// 1 or 2.
        level: u8,
        /// The heading text.
        text: String,
    },
}

/// The label of an `.IP` list item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Label {
    /// `\(bu`: a bullet.
    Bullet,
    /// `1.`: a numbered item, with its number.
    Number(String),
    /// `"Example:"`: a text label (roff-encoded).
    Text(String),
    /// No label: an indented paragraph.
    None,
}

/// Builds the block tree of `lines`; problems (unbalanced indentation, unknown requests, a
/// file that ends inside a block) are appended to `warnings`.
pub(super) fn build(lines: &[Line<'_>], warnings: &mut Vec<Warning>) -> Vec<Block> {
    let mut builder = Builder {
        lines,
        position: 0,
        warnings,
    };
    builder.container(0, 0)
}

struct Builder<'l, 'a, 'w> {
    lines: &'l [Line<'a>],
    position: usize,
    warnings: &'w mut Vec<Warning>,
}

/// The blocks of one indentation level being collected.
#[derive(Default)]
struct Container {
    blocks: Vec<Block>,
    /// The open `.TP` / `.IP` entry, which receives content until the next one.
    entry: Option<Block>,
    /// The paragraph being collected: its first line and its text.
    paragraph: Option<(usize, String)>,
}

impl Container {
    fn target(&mut self) -> &mut Vec<Block> {
        match &mut self.entry {
            Some(Block {
                kind: BlockKind::Tagged { body, .. } | BlockKind::Item { body, .. },
                ..
            }) => body,
            _ => &mut self.blocks,
        }
    }

    fn text(&mut self, line: usize, text: &str) {
        match &mut self.paragraph {
            Some((_, paragraph)) => {
                paragraph.push('\n');
                paragraph.push_str(text);
            }
            None => self.paragraph = Some((line, text.to_owned())),
        }
    }

    fn end_paragraph(&mut self) {
        if let Some((line, text)) = self.paragraph.take() {
            self.target().push(Block {
                line,
                kind: BlockKind::Paragraph(text),
            });
        }
    }

    fn push(&mut self, block: Block) {
        self.end_paragraph();
        self.target().push(block);
    }

    fn end_entry(&mut self) {
        self.end_paragraph();
        if let Some(entry) = self.entry.take() {
            self.blocks.push(entry);
        }
    }

    fn open_entry(&mut self, entry: Block) {
        self.end_entry();
        self.entry = Some(entry);
    }

    fn finish(mut self) -> Vec<Block> {
        self.end_entry();
        self.blocks
    }
}

impl Builder<'_, '_, '_> {
    fn warn(&mut self, line: usize, message: String) {
        self.warnings.push(Warning { line, message });
    }

    /// Collects blocks up to the `.UNINDENT` closing an `.INDENT` at `opened_at` (depth > 0)
    /// or to the end of the file (depth 0).
    fn container(&mut self, depth: usize, opened_at: usize) -> Vec<Block> {
        let mut container = Container::default();
        while let Some(&line) = self.lines.get(self.position) {
            self.position += 1;
            let (name, args) = match line.kind {
                LineKind::Text(text) if text.trim().is_empty() => {
                    container.end_paragraph();
                    continue;
                }
                LineKind::Text(text) => {
                    container.text(line.number, text);
                    continue;
                }
                LineKind::Request { name, args } => (name, args),
            };
            match name {
                "INDENT" | "RS" if depth < MAX_DEPTH => {
                    let body = self.container(depth + 1, line.number);
                    container.push(Block {
                        line: line.number,
                        kind: BlockKind::Indent(body),
                    });
                }
                "INDENT" | "RS" => {
                    self.warn(
                        line.number,
                        format!("indentation nested deeper than {MAX_DEPTH} levels read flat"),
                    );
                }
                "UNINDENT" | "RE" if depth > 0 => return container.finish(),
                "UNINDENT" | "RE" => {
                    self.warn(
                        line.number,
                        "`.UNINDENT` without a matching `.INDENT` ignored".to_owned(),
                    );
                }
                "TP" => {
                    container.end_entry();
                    let tag = self.tag(line.number);
                    container.open_entry(Block {
                        line: line.number,
                        kind: BlockKind::Tagged {
                            tag,
                            body: Vec::new(),
                        },
                    });
                }
                "IP" => container.open_entry(Block {
                    line: line.number,
                    kind: BlockKind::Item {
                        label: label(args),
                        body: Vec::new(),
                    },
                }),
                "SH" | "SS" => {
                    container.end_entry();
                    container.push(Block {
                        line: line.number,
                        kind: BlockKind::Heading {
                            level: if name == "SH" { 1 } else { 2 },
                            text: unquote(args).to_owned(),
                        },
                    });
                }
                "PP" | "LP" | "P" => container.end_entry(),
                "sp" | "br" => container.end_paragraph(),
                "nf" => {
                    let lines = self.preformatted(line.number);
                    container.push(Block {
                        line: line.number,
                        kind: BlockKind::Preformatted(lines),
                    });
                }
                "TS" => {
                    let rows = self.table(line.number);
                    container.push(Block {
                        line: line.number,
                        kind: BlockKind::Table(rows),
                    });
                }
                "B" => container.text(line.number, &format!("\\fB{}\\fP", unquote(args))),
                "I" => container.text(line.number, &format!("\\fI{}\\fP", unquote(args))),
                "TH" | "ft" | "fi" | "in" | "nr" | "ad" | "na" | "hy" | "nh" | "ne" | "ce"
                | "ti" | "ll" | "rstReportMargin" => {}
                other => self.warn(
                    line.number,
                    format!("unknown roff request `.{other}` ignored"),
                ),
            }
        }
        if depth > 0 {
            self.warn(
                opened_at,
                "the manual ends inside the indented block opened here (is the file truncated?)"
                    .to_owned(),
            );
        }
        container.finish()
    }

    /// The tag line of a `.TP`: the next line, a `.B` request or text.
    fn tag(&mut self, tp_line: usize) -> String {
        match self.lines.get(self.position).map(|line| line.kind) {
            Some(LineKind::Request { name: "B", args }) => {
                self.position += 1;
                format!("\\fB{}\\fP", unquote(args))
            }
            Some(LineKind::Request { name: "I", args }) => {
                self.position += 1;
                format!("\\fI{}\\fP", unquote(args))
            }
            Some(LineKind::Text(text)) => {
                self.position += 1;
                text.to_owned()
            }
            _ => {
                self.warn(tp_line, "`.TP` without a tag line".to_owned());
                String::new()
            }
        }
    }

    /// Lines up to `.fi`, fonts requests dropped.
    fn preformatted(&mut self, opened_at: usize) -> Vec<String> {
        let mut lines = Vec::new();
        while let Some(&line) = self.lines.get(self.position) {
            self.position += 1;
            match line.kind {
                LineKind::Request { name: "fi", .. } => return lines,
                LineKind::Request { name: "ft", .. } => {}
                LineKind::Request { name, args } => {
                    lines.push(format!(".{name} {args}").trim_end().to_owned())
                }
                LineKind::Text(text) => lines.push(text.to_owned()),
            }
        }
        self.warn(
            opened_at,
            "the manual ends inside the `.nf` block opened here (is the file truncated?)"
                .to_owned(),
        );
        lines
    }

    /// A `tbl` table up to `.TE`: options and format lines skipped, `_` rules dropped,
    /// `T{` … `T}` cells joined.
    fn table(&mut self, opened_at: usize) -> Vec<Vec<String>> {
        let mut rows = Vec::new();
        let mut in_format = true;
        let mut row: Vec<String> = Vec::new();
        let mut block_cell: Option<String> = None;
        while let Some(&line) = self.lines.get(self.position) {
            self.position += 1;
            let text = match line.kind {
                LineKind::Request { name: "TE", .. } => return rows,
                LineKind::Request { name, args } => {
                    self.warn(
                        line.number,
                        format!("roff request `.{name} {args}` inside a table ignored"),
                    );
                    continue;
                }
                LineKind::Text(text) => text,
            };
            if in_format {
                in_format = !text.trim_end().ends_with('.');
                continue;
            }
            let mut rest = text;
            if let Some(cell) = &mut block_cell {
                match rest.strip_prefix("T}") {
                    Some(after) => {
                        row.push(std::mem::take(cell));
                        block_cell = None;
                        rest = after.strip_prefix('\t').unwrap_or(after);
                        if rest.is_empty() {
                            rows.push(std::mem::take(&mut row));
                            continue;
                        }
                    }
                    None => {
                        if !cell.is_empty() {
                            cell.push('\n');
                        }
                        cell.push_str(rest);
                        continue;
                    }
                }
            } else if rest.trim() == "_" || rest.trim() == "=" {
                continue;
            }
            for cell in rest.split('\t') {
                if cell == "T{" {
                    block_cell = Some(String::new());
                } else {
                    row.push(cell.to_owned());
                }
            }
            if block_cell.is_none() {
                rows.push(std::mem::take(&mut row));
            }
        }
        self.warn(
            opened_at,
            "the manual ends inside the table opened here (is the file truncated?)".to_owned(),
        );
        rows
    }
}

/// The label of `.IP args`: the first argument, quoted or not.
fn label(args: &str) -> Label {
    let first = match args.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next().unwrap_or_default(),
        None => args.split_whitespace().next().unwrap_or_default(),
    };
    match first {
        "" => Label::None,
        "\\(bu" | "\\(em" | "\\-" | "-" | "*" => Label::Bullet,
        number
            if number.len() > 1
                && number.ends_with(['.', ')'])
                && number[..number.len() - 1]
                    .bytes()
                    .all(|b| b.is_ascii_digit()) =>
        {
            Label::Number(number[..number.len() - 1].to_owned())
        }
        text => Label::Text(text.to_owned()),
    }
}

/// Strips the quotes around a macro argument.
fn unquote(args: &str) -> &str {
    args.strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(args)
}

#[cfg(test)]
mod tests {
    use super::super::roff::lex;
    use super::*;

    fn tree(text: &str) -> (Vec<Block>, Vec<Warning>) {
        let mut warnings = Vec::new();
        let blocks = build(&lex(text), &mut warnings);
        (blocks, warnings)
    }

    #[test]
    fn tagged_body_runs_to_the_next_entry_and_nested_lists_stay_inside() {
        let (blocks, warnings) = tree(
            ".INDENT 7.0\n.IP \\(bu 2\nfirst \\-\\- .INDENT 2.0\n.IP \\(bu 2\ninner\n.UNINDENT\n\n\
             .IP \\(bu 2\nsecond\n.UNINDENT\n",
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        let [Block {
            kind: BlockKind::Indent(items),
            ..
        }] = blocks.as_slice()
        else {
            panic!("{blocks:?}")
        };
        assert_eq!(items.len(), 2, "{items:?}");
        let BlockKind::Item { body, .. } = &items[0].kind else {
            panic!("{items:?}")
        };
        assert_eq!(body.len(), 2, "paragraph and nested list: {body:?}");
    }

    #[test]
    fn truncated_input_warns_at_the_open_block() {
        let (_, warnings) = tree("x\n.INDENT 0.0\n.nf\ncode\n");
        let lines: Vec<_> = warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, vec![3, 2], "{warnings:?}");
    }

    #[test]
    fn table_rows_and_block_cells() {
        let (blocks, _) = tree(".TS\ncenter;\n|l|l|.\n_\nT{\na\nT}\tT{\nb\nT}\n_\nc\td\n.TE\n");
        assert_eq!(
            blocks[0].kind,
            BlockKind::Table(vec![
                vec!["a".to_owned(), "b".to_owned()],
                vec!["c".to_owned(), "d".to_owned()]
            ])
        );
    }
}

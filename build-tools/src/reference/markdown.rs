//! Roff text to Markdown that rustdoc renders as QEMU meant it: `\fB..\fP` literals and
//! `\fI\%Type\fP` cross-references become code spans (adjacent ones merged, so `[BlockInfo]`
//! is one span), other italics `*emphasis*`, URLs autolinks, and everything rustdoc would
//! misread (`[x]`, `<foo>`, stray `*` or `_`) is escaped. Blocks become paragraphs, bullet
//! and numbered lists, headings for labelled items (`# Example`), fenced `text` blocks and
//! tables.

use super::blocks::{Block, BlockKind, Label};
use super::model::Warning;
use super::roff::{self, Font, Span};

/// Renders `blocks` as Markdown.
pub(super) fn blocks<'b>(
    blocks: impl IntoIterator<Item = &'b Block>,
    warnings: &mut Vec<Warning>,
) -> String {
    chunks(blocks, warnings).join("\n\n")
}

/// Renders one roff text (lines joined by `\n`) as one Markdown paragraph.
pub(super) fn paragraph(raw: &str, line: usize, warnings: &mut Vec<Warning>) -> String {
    let spans = roff::spans(raw, line, warnings);
    if let [Span {
        font: Font::Bold,
        text,
        ..
    }] = spans.as_slice()
    {
        // An admonition title on its own (`\fBNOTE:\fP`).
        if let Some(title) = text.strip_suffix(':').filter(|t| is_admonition(t)) {
            return format!("**{}:**", capitalize(title));
        }
    }
    inline(&spans)
}

/// Joins Markdown chunks (paragraphs, lists, …) with blank lines, skipping empty ones.
pub(super) fn join(chunks: impl IntoIterator<Item = String>) -> String {
    chunks
        .into_iter()
        .filter(|chunk| !chunk.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The blocks as separate Markdown chunks, consecutive list items joined into one list.
fn chunks<'b>(
    blocks: impl IntoIterator<Item = &'b Block>,
    warnings: &mut Vec<Warning>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut list: Option<String> = None;
    for block in blocks {
        if let BlockKind::Item {
            label: label @ (Label::Bullet | Label::Number(_)),
            body,
        } = &block.kind
        {
            let marker = match label {
                Label::Number(number) => format!("{number}. "),
                _ => "- ".to_owned(),
            };
            let item = list_item(&marker, &chunks(body, warnings));
            match &mut list {
                Some(list) => {
                    list.push('\n');
                    list.push_str(&item);
                }
                None => list = Some(item),
            }
            continue;
        }
        out.extend(list.take());
        match &block.kind {
            BlockKind::Paragraph(raw) => out.push(paragraph(raw, block.line, warnings)),
            BlockKind::Preformatted(lines) => out.push(fenced(lines, block.line, warnings)),
            BlockKind::Table(rows) => out.push(table(rows, block.line, warnings)),
            BlockKind::Tagged { tag, body } => {
                let mut body = chunks(body, warnings);
                let tag = tag_text(tag, block.line, warnings);
                // A tag continued by its body's first paragraph is one sentence in QEMU's
                // source (`@bps_max: total throughput limit during bursts,` / `in bytes`).
                match body.first_mut() {
                    Some(first) if starts_as_text(first) => {
                        *first = format!("{tag} {first}");
                    }
                    _ => body.insert(0, tag),
                }
                out.extend(body);
            }
            BlockKind::Item { label, body } => {
                if let Label::Text(text) = label {
                    let title = roff::plain(text, block.line, warnings);
                    let title = title.trim().trim_end_matches(':');
                    out.push(format!("# {}", escape(title)));
                }
                out.extend(chunks(body, warnings));
            }
            BlockKind::Indent(body) => out.extend(chunks(body, warnings)),
            BlockKind::Heading { text, .. } => {
                let title = roff::plain(text, block.line, warnings);
                out.push(format!("# {}", escape(title.trim())));
            }
        }
    }
    out.extend(list);
    out.retain(|chunk| !chunk.is_empty());
    out
}

/// A `.TP` tag outside the member lists: a bold phrase (`Currently implemented yank
/// instances:`) is a caption, read as running text; a bold word stays a literal.
fn tag_text(raw: &str, line: usize, warnings: &mut Vec<Warning>) -> String {
    let mut spans = roff::spans(raw, line, warnings);
    if let [span @ Span {
        font: Font::Bold, ..
    }] = spans.as_mut_slice()
    {
        if span.text.trim().contains(' ') {
            span.font = Font::Roman;
        }
    }
    inline(&spans)
}

/// Whether a rendered chunk is running text (not a list, fence, table or heading).
fn starts_as_text(chunk: &str) -> bool {
    !(chunk.starts_with("- ")
        || chunk.starts_with("```")
        || chunk.starts_with('|')
        || chunk.starts_with('#')
        || chunk.split_once(". ").is_some_and(|(number, _)| {
            !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())
        }))
}

/// One list item: the first chunk after the marker, the others indented under it.
fn list_item(marker: &str, chunks: &[String]) -> String {
    let indent = " ".repeat(marker.len());
    let mut item = marker.trim_end().to_owned();
    for (index, chunk) in chunks.iter().enumerate() {
        if index > 0 {
            item.push('\n');
        }
        for (line_index, line) in chunk.lines().enumerate() {
            if index == 0 && line_index == 0 {
                item.push(' ');
            } else {
                item.push('\n');
                if !line.is_empty() {
                    item.push_str(&indent);
                }
            }
            item.push_str(line);
        }
    }
    item
}

/// A fenced `text` block of preformatted lines, fonts dropped.
fn fenced(lines: &[String], line: usize, warnings: &mut Vec<Warning>) -> String {
    let text: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(offset, raw)| roff::plain(raw, line + 1 + offset, warnings))
        .collect();
    let text = text.join("\n");
    let text = text.trim_matches('\n');
    let fence = "`".repeat(longest_run(text, '`').max(2) + 1);
    format!("{fence}text\n{text}\n{fence}")
}

/// A Markdown table, the first row as header.
fn table(rows: &[Vec<String>], line: usize, warnings: &mut Vec<Warning>) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    if columns == 0 {
        return String::new();
    }
    let mut out = String::new();
    for (index, row) in rows.iter().enumerate() {
        out.push('|');
        for column in 0..columns {
            let cell = row
                .get(column)
                .map(|raw| paragraph(raw, line, warnings))
                .unwrap_or_default();
            out.push(' ');
            out.push_str(&cell.replace('|', "\\|").replace('\n', " "));
            out.push_str(" |");
        }
        out.push('\n');
        if index == 0 {
            out.push('|');
            out.push_str(&"---|".repeat(columns));
            out.push('\n');
        }
    }
    out.truncate(out.trim_end().len());
    out
}

/// Inline Markdown of spans.
pub(super) fn inline(spans: &[Span]) -> String {
    let mut out = String::new();
    let mut code = String::new();
    for span in spans {
        let text = if span.text.contains('\n') {
            std::borrow::Cow::Owned(span.text.replace('\n', " "))
        } else {
            std::borrow::Cow::Borrowed(span.text.as_str())
        };
        if span.font == Font::Italic && span.reference && is_url(&text) {
            flush_code(&mut out, &mut code);
            out.push('<');
            out.push_str(text.trim());
            out.push('>');
        } else if span.font == Font::Bold || span.reference {
            code.push_str(&text);
        } else if span.font == Font::Italic {
            flush_code(&mut out, &mut code);
            emphasis(&mut out, &text);
        } else {
            flush_code(&mut out, &mut code);
            out.push_str(&escape(&text));
        }
    }
    flush_code(&mut out, &mut code);
    let out = out.trim();
    if out.contains("  ") {
        escape_block_start(&collapse_spaces(out))
    } else {
        escape_block_start(out)
    }
}

/// Writes the pending code span.
fn flush_code(out: &mut String, code: &mut String) {
    let text = std::mem::take(code);
    let leading = text.len() - text.trim_start().len();
    let trailing = text.len() - text.trim_end().len();
    let trimmed = text.trim();
    out.push_str(&text[..leading]);
    if !trimmed.is_empty() {
        let fence = "`".repeat(longest_run(trimmed, '`') + 1);
        let pad = if trimmed.starts_with('`') || trimmed.ends_with('`') {
            " "
        } else {
            ""
        };
        out.push_str(&fence);
        out.push_str(pad);
        out.push_str(trimmed);
        out.push_str(pad);
        out.push_str(&fence);
    }
    out.push_str(&text[text.len() - trailing..]);
}

/// `*text*`, spaces kept outside the markers.
fn emphasis(out: &mut String, text: &str) {
    let trimmed = text.trim();
    let leading = text.len() - text.trim_start().len();
    out.push_str(&text[..leading]);
    if !trimmed.is_empty() {
        out.push('*');
        out.push_str(&escape(trimmed));
        out.push('*');
    }
    out.push_str(&text[leading + trimmed.len()..]);
}

/// Escapes running text: Markdown punctuation rustdoc would read as syntax, and bare URLs
/// turned into autolinks.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut rest = text;
    while let Some((start, end)) = find_url(rest) {
        escape_plain(&rest[..start], &mut out);
        out.push('<');
        out.push_str(&rest[start..end]);
        out.push('>');
        rest = &rest[end..];
    }
    escape_plain(rest, &mut out);
    out
}

fn escape_plain(text: &str, out: &mut String) {
    // Every character escaped is ASCII, so scanning bytes is enough; a non-ASCII neighbour
    // counts as part of a word.
    let bytes = text.as_bytes();
    let in_word = |index: Option<usize>| {
        index
            .and_then(|i| bytes.get(i))
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b >= 0x80)
    };
    let mut copied = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        let needs_escape = match byte {
            b'\\' | b'`' | b'*' | b'[' | b']' | b'<' | b'>' | b'~' => true,
            // Underscores inside a word never emphasise; at a word's edge they may.
            b'_' => !(in_word(index.checked_sub(1)) && in_word(Some(index + 1))),
            b'&' => bytes
                .get(index + 1)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'#'),
            _ => false,
        };
        if needs_escape {
            out.push_str(&text[copied..index]);
            out.push('\\');
            copied = index;
        }
    }
    out.push_str(&text[copied..]);
}

/// The byte range of the first `http://` / `https://` URL in `text`, trailing punctuation
/// excluded.
fn find_url(text: &str) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(found) = text[from..].find("http") {
        let start = from + found;
        let rest = &text[start..];
        let scheme = ["https://", "http://"]
            .into_iter()
            .find(|scheme| rest.starts_with(scheme));
        let at_word_start = !text[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric());
        if let (Some(scheme), true) = (scheme, at_word_start) {
            let length = rest
                .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`'))
                .unwrap_or(rest.len());
            let url = rest[..length].trim_end_matches(['.', ',', ';', ':', ')', '(']);
            if url.len() > scheme.len() {
                return Some((start, start + url.len()));
            }
        }
        from = start + 4;
    }
    None
}

/// Whether a cross-reference's text is a complete URL.
fn is_url(text: &str) -> bool {
    find_url(text.trim()).is_some_and(|(start, end)| start == 0 && end == text.trim().len())
}

/// Escapes what would start a heading, list, quote or rule at the start of a paragraph.
fn escape_block_start(text: &str) -> String {
    let first = text.chars().next();
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let ordered = digits > 0
        && matches!(text.as_bytes().get(digits), Some(b'.' | b')'))
        && matches!(text.as_bytes().get(digits + 1), None | Some(b' '));
    if ordered {
        return format!("{}\\{}", &text[..digits], &text[digits..]);
    }
    match first {
        Some('#' | '-' | '+' | '=') => format!("\\{text}"),
        _ => text.to_owned(),
    }
}

/// Runs of spaces collapsed to one (roff fills text; QEMU puts two after a full stop).
fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous_space = false;
    for c in text.chars() {
        let space = c == ' ';
        if !(space && previous_space) {
            out.push(c);
        }
        previous_space = space;
    }
    out
}

fn longest_run(text: &str, wanted: char) -> usize {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == wanted { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

fn is_admonition(title: &str) -> bool {
    !title.is_empty() && title.chars().all(|c| c.is_ascii_uppercase() || c == ' ')
}

fn capitalize(title: &str) -> String {
    let lower = title.to_ascii_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::{blocks::build, roff::lex};
    use super::*;

    fn markdown(roff: &str) -> String {
        let mut warnings = Vec::new();
        let tree = build(&lex(roff), &mut warnings);
        let out = blocks(&tree, &mut warnings);
        assert!(warnings.is_empty(), "{warnings:?}");
        out
    }

    #[test]
    fn literals_and_cross_references_become_code_spans() {
        assert_eq!(
            markdown("a list of \\fB[\\fP\\fI\\%BlockInfo\\fP\\fB]\\fP and \\fBnode\\-name\\fP\n"),
            "a list of `[BlockInfo]` and `node-name`"
        );
    }

    #[test]
    fn rustdoc_syntax_in_text_is_escaped() {
        assert_eq!(
            markdown("see [1] <foo> a*b _x_ see https://qemu.org/x.html.\n"),
            "see \\[1\\] \\<foo\\> a\\*b \\_x\\_ see <https://qemu.org/x.html>."
        );
        assert_eq!(markdown("1. not a list\n"), "1\\. not a list");
        assert_eq!(
            markdown("\\fIemphasis \\fP\\fI\\%https://gnutls.org/x\\fP\n"),
            "*emphasis* <https://gnutls.org/x>"
        );
    }

    #[test]
    fn lists_examples_and_notes() {
        let roff = ".sp\n\\fBNOTE:\\fP\n.INDENT 7.0\nbe careful\n.UNINDENT\n.IP \\(bu 2\none\n\
                    .INDENT 2.0\n.IP 1. 3\nsub\n.UNINDENT\n.IP \\(bu 2\ntwo\n\
                    .IP \"Example:\"\n.nf\n.ft C\n\\-> { \\(dqexecute\\(dq }\n.ft P\n.fi\n";
        assert_eq!(
            markdown(roff),
            "**Note:**\n\nbe careful\n\n- one\n\n  1. sub\n- two\n\n# Example\n\n\
             ```text\n-> { \"execute\" }\n```"
        );
    }
}

//! The roff layer of a man page: splits the text into requests and text lines (dropping
//! comments and macro definitions, and splitting off the requests the man-page converter
//! sometimes glues onto the end of a text line), and decodes the inline escapes and font
//! changes of a text line into spans of plain text.

use super::model::Warning;

/// One line of the man page after lexing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Line<'a> {
    /// 1-based line number in the (uncompressed) manual.
    pub number: usize,
    /// What the line is.
    pub kind: LineKind<'a>,
}

/// A request (`.TP`, `.INDENT 7.0`) or a line of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LineKind<'a> {
    /// `.name args`.
    Request {
        /// The request or macro name (`TP`, `INDENT`).
        name: &'a str,
        /// Everything after the name, trimmed.
        args: &'a str,
    },
    /// A text line, with its escapes still encoded.
    Text(&'a str),
}

/// Requests the converter glues onto the end of a text line (`\fBtype\fP \-\- .INDENT 2.0`).
const GLUED_REQUESTS: [&str; 2] = ["INDENT", "UNINDENT"];

/// Splits `text` into lines, dropping comments (`.\"`), empty requests (`.`) and macro
/// definitions (`.de` … `..`), and splitting glued `.INDENT` / `.UNINDENT` requests off the
/// text they were glued to.
pub(super) fn lex(text: &str) -> Vec<Line<'_>> {
    // A QEMU manual averages about 28 bytes a line.
    let mut lines = Vec::with_capacity(text.len() / 24);
    let mut in_macro_definition = false;
    for (index, raw) in text.lines().enumerate() {
        let number = index + 1;
        if in_macro_definition {
            in_macro_definition = raw.trim_end() != "..";
            continue;
        }
        match raw.strip_prefix('.') {
            Some(rest) => {
                let rest = rest.trim_start();
                if rest.is_empty() || rest.starts_with("\\\"") {
                    continue;
                }
                let (name, args) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
                if matches!(name, "de" | "de1" | "am" | "ig") {
                    in_macro_definition = true;
                    continue;
                }
                lines.push(Line {
                    number,
                    kind: LineKind::Request {
                        name,
                        args: args.trim(),
                    },
                });
            }
            None => push_text(raw, number, &mut lines),
        }
    }
    lines
}

/// Pushes a text line, splitting off a request glued onto its end (`text.INDENT 7.0`): the
/// last `.INDENT` or `.UNINDENT` in the line that is followed by arguments only.
fn push_text<'a>(raw: &'a str, number: usize, lines: &mut Vec<Line<'a>>) {
    let glued = raw.rmatch_indices('.').find_map(|(at, _)| {
        let request = &raw[at + 1..];
        let name = GLUED_REQUESTS
            .into_iter()
            .find(|name| request.starts_with(name) && is_request_end(&request[name.len()..]))?;
        (at > 0).then_some((at, name))
    });
    let Some((at, name)) = glued else {
        lines.push(Line {
            number,
            kind: LineKind::Text(raw),
        });
        return;
    };
    let text = raw[..at].trim_end();
    if !text.is_empty() {
        lines.push(Line {
            number,
            kind: LineKind::Text(text),
        });
    }
    lines.push(Line {
        number,
        kind: LineKind::Request {
            name,
            args: raw[at + 1 + name.len()..].trim(),
        },
    });
}

/// Whether what follows a glued request name ends the name (`.INDENT 2.0`, not `.INDENTED`).
fn is_request_end(rest: &str) -> bool {
    rest.is_empty() || rest.starts_with(' ')
}

/// The font of a span of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Font {
    /// `\fR`: running text.
    Roman,
    /// `\fB`: literals (member names, values, builtin types).
    Bold,
    /// `\fI`: emphasis, or with `\%` a cross-reference to another definition.
    Italic,
}

/// A run of decoded text in one font.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Span {
    /// Its font.
    pub font: Font,
    /// Whether it starts with `\%` in italics: the converter's mark of a cross-reference
    /// (`\fI\%BlockInfo\fP`, `\fI\%https://…\fP`).
    pub reference: bool,
    /// The text, escapes decoded.
    pub text: String,
}

/// Decodes one text line (or several joined by `\n`) into spans; unknown escapes are
/// reported through `warnings` at `line` and dropped.
pub(super) fn spans(raw: &str, line: usize, warnings: &mut Vec<Warning>) -> Vec<Span> {
    let mut decoder = Decoder::new(true, line, warnings);
    decoder.run(raw);
    decoder.finish()
}

/// Decodes `raw` to plain text, fonts dropped.
pub(super) fn plain(raw: &str, line: usize, warnings: &mut Vec<Warning>) -> String {
    if !raw.contains('\\') {
        return raw.to_owned();
    }
    let mut decoder = Decoder::new(false, line, warnings);
    decoder.run(raw);
    decoder.current.text
}

/// State of [`spans`] and [`plain`].
struct Decoder<'w> {
    /// Whether font changes start new spans ([`spans`]) or are dropped ([`plain`]).
    keep_fonts: bool,
    spans: Vec<Span>,
    current: Span,
    previous_font: Font,
    line: usize,
    warnings: &'w mut Vec<Warning>,
}

impl<'w> Decoder<'w> {
    fn new(keep_fonts: bool, line: usize, warnings: &'w mut Vec<Warning>) -> Self {
        Decoder {
            keep_fonts,
            spans: Vec::new(),
            current: Span {
                font: Font::Roman,
                reference: false,
                text: String::new(),
            },
            previous_font: Font::Roman,
            line,
            warnings,
        }
    }

    fn run(&mut self, raw: &str) {
        let mut rest = raw;
        while let Some(at) = rest.find('\\') {
            self.current.text.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let Some(escape) = after.chars().next() else {
                self.warn("a line ends with a lone backslash".to_owned());
                return;
            };
            let mut tail = &after[escape.len_utf8()..];
            match escape {
                'f' => {
                    let (name, next) = escape_name(tail);
                    self.change_font(name);
                    tail = next;
                }
                '(' => {
                    let (name, next) = split_chars(tail, 2);
                    self.glyph(name);
                    tail = next;
                }
                '[' => {
                    let (name, next) = bracketed(tail);
                    self.glyph(name);
                    tail = next;
                }
                '%' => {
                    if self.current.font == Font::Italic && self.current.text.is_empty() {
                        self.current.reference = true;
                    }
                }
                '&' | 'c' | ')' | ',' | '/' => {}
                '-' => self.current.text.push('-'),
                'e' | '\\' => self.current.text.push('\\'),
                ' ' | '~' | '0' | '^' | '|' => self.current.text.push(' '),
                '.' => self.current.text.push('.'),
                '\'' => self.current.text.push('\''),
                '`' => self.current.text.push('`'),
                '"' => return,
                other => self.warn(format!("unknown roff escape `\\{other}` dropped")),
            }
            rest = tail;
        }
        self.current.text.push_str(rest);
    }

    fn change_font(&mut self, name: &str) {
        if !self.keep_fonts {
            return;
        }
        let font = match name {
            "P" | "" => self.previous_font,
            "R" | "1" => Font::Roman,
            "I" | "2" => Font::Italic,
            "B" | "3" | "CB" | "CW" | "C" | "CR" => Font::Bold,
            other => {
                self.warn(format!("unknown roff font `{other}` read as roman"));
                Font::Roman
            }
        };
        self.previous_font = self.current.font;
        self.start_span(font);
    }

    fn start_span(&mut self, font: Font) {
        let next = Span {
            font,
            reference: false,
            text: String::new(),
        };
        let done = std::mem::replace(&mut self.current, next);
        self.push(done);
    }

    /// Appends a finished span, joined to the previous one if the font is the same (the
    /// converter writes `\fBa\fP\fBb\fP`).
    fn push(&mut self, span: Span) {
        if span.text.is_empty() {
            return;
        }
        match self.spans.last_mut() {
            Some(last) if last.font == span.font && !span.reference => {
                last.text.push_str(&span.text)
            }
            _ => self.spans.push(span),
        }
    }

    fn glyph(&mut self, name: &str) {
        let text = match name {
            "dq" | "lq" | "rq" | "Do" => "\"",
            "aq" | "oq" | "cq" => "'",
            "bu" => "•",
            "em" => "—",
            "en" => "–",
            "hy" | "mi" => "-",
            "rs" => "\\",
            "ga" => "`",
            "ti" => "~",
            "ha" => "^",
            "co" => "©",
            "rg" => "®",
            "tm" => "™",
            "de" => "°",
            "mu" => "×",
            "<=" => "≤",
            ">=" => "≥",
            "->" => "→",
            "<-" => "←",
            other => {
                self.warn(format!("unknown roff glyph `\\({other}` dropped"));
                ""
            }
        };
        self.current.text.push_str(text);
    }

    fn warn(&mut self, message: String) {
        self.warnings.push(Warning {
            line: self.line,
            message,
        });
    }

    fn finish(mut self) -> Vec<Span> {
        let last = std::mem::replace(
            &mut self.current,
            Span {
                font: Font::Roman,
                reference: false,
                text: String::new(),
            },
        );
        self.push(last);
        self.spans
    }
}

/// The name after `\f`: one character, `(xx` or `[name]`; and what follows it.
fn escape_name(tail: &str) -> (&str, &str) {
    if let Some(long) = tail.strip_prefix('(') {
        split_chars(long, 2)
    } else if let Some(named) = tail.strip_prefix('[') {
        bracketed(named)
    } else {
        split_chars(tail, 1)
    }
}

/// The first `count` characters of `text` and the rest.
fn split_chars(text: &str, count: usize) -> (&str, &str) {
    let at = text
        .char_indices()
        .nth(count)
        .map_or(text.len(), |(at, _)| at);
    text.split_at(at)
}

/// The text up to `]` and what follows the `]`.
fn bracketed(text: &str) -> (&str, &str) {
    match text.split_once(']') {
        Some((name, rest)) => (name, rest),
        None => (text, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glued_indent_is_split_off_its_text_line() {
        let lines = lex("\\fBtype\\fP (\\fBstring\\fP) \\-\\- .INDENT 2.0\n.IP \\(bu 2\n");
        assert_eq!(
            lines,
            vec![
                Line {
                    number: 1,
                    kind: LineKind::Text("\\fBtype\\fP (\\fBstring\\fP) \\-\\-")
                },
                Line {
                    number: 1,
                    kind: LineKind::Request {
                        name: "INDENT",
                        args: "2.0"
                    }
                },
                Line {
                    number: 2,
                    kind: LineKind::Request {
                        name: "IP",
                        args: "\\(bu 2"
                    }
                },
            ]
        );
    }

    #[test]
    fn macro_definitions_and_comments_are_dropped() {
        let lines = lex(".de1 INDENT\n. RS \\\\$1\n..\n.\\\" comment\n.\ntext\n");
        assert_eq!(
            lines,
            vec![Line {
                number: 6,
                kind: LineKind::Text("text")
            }]
        );
    }

    #[test]
    fn escapes_and_fonts_decode_into_spans() {
        let mut warnings = Vec::new();
        let spans = spans(
            "\\fBtray_open\\fP is \\(dqtrue\\(dq, see \\fI\\%BlockInfo\\fP\\&.",
            3,
            &mut warnings,
        );
        let texts: Vec<_> = spans
            .iter()
            .map(|s| (s.font, s.reference, s.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            vec![
                (Font::Bold, false, "tray_open"),
                (Font::Roman, false, " is \"true\", see "),
                (Font::Italic, true, "BlockInfo"),
                (Font::Roman, false, "."),
            ]
        );
        assert!(warnings.is_empty());
    }

    #[test]
    fn unknown_escapes_are_reported_with_their_line() {
        let mut warnings = Vec::new();
        assert_eq!(plain("a\\(zzb\\*x", 7, &mut warnings), "abx");
        assert_eq!(warnings.len(), 2);
        assert!(warnings.iter().all(|w| w.line == 7));
    }
}

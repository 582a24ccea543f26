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
const GLUED_REQUESTS: [&str; 2] = [".INDENT", ".UNINDENT"];

/// Splits `text` into lines, dropping comments (`.\"`), empty requests (`.`) and macro
/// definitions (`.de` … `..`), and splitting glued `.INDENT` / `.UNINDENT` requests off the
/// text they were glued to.
pub(super) fn lex(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
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

/// Pushes a text line, splitting off a request glued onto its end.
fn push_text<'a>(raw: &'a str, number: usize, lines: &mut Vec<Line<'a>>) {
    let glued = GLUED_REQUESTS.iter().filter_map(|request| {
        raw.find(request)
            .filter(|&at| at > 0 && is_request_end(&raw[at + request.len()..]))
    });
    match glued.min() {
        Some(at) => {
            let text = raw[..at].trim_end();
            if !text.is_empty() {
                lines.push(Line {
                    number,
                    kind: LineKind::Text(text),
                });
            }
            let request = &raw[at + 1..];
            let (name, args) = request.split_once(' ').unwrap_or((request, ""));
            lines.push(Line {
                number,
                kind: LineKind::Request {
                    name,
                    args: args.trim(),
                },
            });
        }
        None => lines.push(Line {
            number,
            kind: LineKind::Text(raw),
        }),
    }
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
    let mut decoder = Decoder {
        spans: Vec::new(),
        current: Span {
            font: Font::Roman,
            reference: false,
            text: String::new(),
        },
        previous_font: Font::Roman,
        line,
        warnings,
    };
    decoder.run(raw);
    decoder.finish()
}

/// Decodes `raw` to plain text, fonts dropped.
pub(super) fn plain(raw: &str, line: usize, warnings: &mut Vec<Warning>) -> String {
    spans(raw, line, warnings)
        .into_iter()
        .map(|span| span.text)
        .collect()
}

/// State of [`spans`].
struct Decoder<'w> {
    spans: Vec<Span>,
    current: Span,
    previous_font: Font,
    line: usize,
    warnings: &'w mut Vec<Warning>,
}

impl Decoder<'_> {
    fn run(&mut self, raw: &str) {
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\\' {
                self.current.text.push(c);
                continue;
            }
            let Some(escape) = chars.next() else {
                self.warn("a line ends with a lone backslash".to_owned());
                break;
            };
            match escape {
                'f' => {
                    let name = match chars.next() {
                        Some('(') => chars.by_ref().take(2).collect(),
                        Some('[') => chars.by_ref().take_while(|&c| c != ']').collect(),
                        Some(c) => c.to_string(),
                        None => String::new(),
                    };
                    self.change_font(&name);
                }
                '(' => {
                    let name: String = chars.by_ref().take(2).collect();
                    self.glyph(&name);
                }
                '[' => {
                    let name: String = chars.by_ref().take_while(|&c| c != ']').collect();
                    self.glyph(&name);
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
                '"' => break,
                other => self.warn(format!("unknown roff escape `\\{other}` dropped")),
            }
        }
    }

    fn change_font(&mut self, name: &str) {
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
        if !done.text.is_empty() {
            self.spans.push(done);
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
        if !self.current.text.is_empty() {
            self.spans.push(self.current);
        }
        merge_adjacent(self.spans)
    }
}

/// Joins neighbouring spans of the same font (the converter writes `\fBa\fP\fBb\fP`).
fn merge_adjacent(spans: Vec<Span>) -> Vec<Span> {
    let mut merged: Vec<Span> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if last.font == span.font && !span.reference => {
                last.text.push_str(&span.text);
            }
            _ => merged.push(span),
        }
    }
    merged
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

//! Reading one line of shell input: `[-o] COMMAND key=value ...` (nested keys `a.b=1`, JSON
//! values with spaces inside brackets or quotes), a raw JSON request `{"execute": ...}`,
//! `help [TOPIC]`, or `exit`. Pure text work: what the values mean is decided by
//! [`crate::arguments`] with the schema.

use serde_json::{Map, Value};

/// One line of input, read.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// Nothing but white space.
    Empty,
    /// `exit` (not `quit`, which is QEMU's own command).
    Quit,
    /// `help` with an optional topic.
    Help(Option<String>),
    /// `[-o] COMMAND key=value ...`.
    Command(CommandLine),
    /// A raw JSON request: the command, whether `exec-oob` was used, and its arguments.
    Json {
        /// The `execute` (or `exec-oob`) command name.
        command: String,
        /// Whether the request used `exec-oob`.
        oob: bool,
        /// The `arguments` object (empty when absent).
        arguments: Map<String, Value>,
    },
}

/// `[-o] COMMAND key=value ...`, split but not interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// The command name.
    pub command: String,
    /// Whether `-o` asked for out-of-band execution.
    pub oob: bool,
    /// The `key=value` words in line order.
    pub assignments: Vec<Assignment>,
}

/// One `a.b.c=value` word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The key split at `.`: `["a", "b", "c"]`.
    pub path: Vec<String>,
    /// The value's text as typed (JSON or a bare string).
    pub value: String,
    /// Byte offset of the word in the line, for messages.
    pub offset: usize,
}

/// A word of the line and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    /// The word's text.
    pub text: &'a str,
    /// Its byte offset in the line.
    pub offset: usize,
}

/// Why a line cannot be read. Every variant names the byte offset of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A `{`, `[` or `"` is never closed.
    #[error("unbalanced JSON: `{open}` at byte {offset} is never closed")]
    Unclosed {
        /// The opening character.
        open: char,
        /// Its byte offset.
        offset: usize,
    },
    /// A `}` or `]` closes nothing, or the wrong bracket.
    #[error("unbalanced JSON: `{close}` at byte {offset} closes nothing open")]
    Unopened {
        /// The closing character.
        close: char,
        /// Its byte offset.
        offset: usize,
    },
    /// A word after the command is not `key=value`.
    #[error("`{word}` at byte {offset} is not key=value")]
    NotAssignment {
        /// The word.
        word: String,
        /// Its byte offset.
        offset: usize,
    },
    /// A key is empty or has an empty part (`=1`, `a..b=1`).
    #[error("`{word}` at byte {offset} has an empty key")]
    EmptyKey {
        /// The word.
        word: String,
        /// Its byte offset.
        offset: usize,
    },
    /// `-o` without a command after it.
    #[error("`-o` needs a command after it")]
    MissingCommand,
    /// A line starting with `{` is not valid JSON.
    #[error("invalid JSON at line {line}, column {column}: {reason}")]
    Json {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// serde_json's description.
        reason: String,
    },
    /// A raw JSON request lacks `execute` / `exec-oob`, or has the wrong shapes.
    #[error("raw JSON request: {0}")]
    Request(String),
    /// `help` with more than one topic.
    #[error("`help` takes one topic, got {0} words")]
    HelpTopics(usize),
}

/// Splits `line` into white-space separated words; white space inside JSON brackets and
/// strings does not split.
///
/// # Errors
/// [`InputError::Unclosed`] / [`InputError::Unopened`] for unbalanced brackets or quotes.
pub fn words(line: &str) -> Result<Vec<Word<'_>>, InputError> {
    let mut words = Vec::new();
    let mut open: Vec<(char, usize)> = Vec::new();
    // Where the open string started, while inside one.
    let mut in_string: Option<usize> = None;
    let mut escaped = false;
    let mut start: Option<usize> = None;
    for (offset, c) in line.char_indices() {
        if in_string.is_some() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = None;
            }
            continue;
        }
        if c.is_whitespace() && open.is_empty() {
            if let Some(begin) = start.take() {
                words.push(Word {
                    text: &line[begin..offset],
                    offset: begin,
                });
            }
            continue;
        }
        start.get_or_insert(offset);
        match c {
            '"' => in_string = Some(offset),
            '{' | '[' => open.push((c, offset)),
            '}' | ']' => {
                let expected = if c == '}' { '{' } else { '[' };
                match open.pop() {
                    Some((opener, _)) if opener == expected => {}
                    _ => return Err(InputError::Unopened { close: c, offset }),
                }
            }
            _ => {}
        }
    }
    if let Some(offset) = in_string {
        return Err(InputError::Unclosed { open: '"', offset });
    }
    if let Some(&(open, offset)) = open.last() {
        return Err(InputError::Unclosed { open, offset });
    }
    if let Some(begin) = start {
        words.push(Word {
            text: &line[begin..],
            offset: begin,
        });
    }
    Ok(words)
}

/// Reads one line of input.
///
/// # Errors
/// An [`InputError`] naming the byte offset (or JSON line and column) of the problem.
pub fn parse_line(line: &str) -> Result<Input, InputError> {
    if line.trim_start().starts_with('{') {
        return parse_json_request(line);
    }
    let words = words(line)?;
    let mut rest = words.as_slice();
    let oob = matches!(rest.first(), Some(word) if word.text == "-o");
    if oob {
        rest = &rest[1..];
    }
    let Some((first, arguments)) = rest.split_first() else {
        return if oob {
            Err(InputError::MissingCommand)
        } else {
            Ok(Input::Empty)
        };
    };
    if !oob {
        match first.text {
            "exit" if arguments.is_empty() => return Ok(Input::Quit),
            "help" => {
                return match arguments {
                    [] => Ok(Input::Help(None)),
                    [topic] => Ok(Input::Help(Some(topic.text.to_owned()))),
                    more => Err(InputError::HelpTopics(more.len())),
                }
            }
            _ => {}
        }
    }
    let assignments = arguments
        .iter()
        .map(assignment)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Input::Command(CommandLine {
        command: first.text.to_owned(),
        oob,
        assignments,
    }))
}

/// Splits one `a.b=value` word.
fn assignment(word: &Word<'_>) -> Result<Assignment, InputError> {
    let Some((key, value)) = word.text.split_once('=') else {
        return Err(InputError::NotAssignment {
            word: word.text.to_owned(),
            offset: word.offset,
        });
    };
    let path: Vec<String> = key.split('.').map(str::to_owned).collect();
    if path.iter().any(String::is_empty) {
        return Err(InputError::EmptyKey {
            word: word.text.to_owned(),
            offset: word.offset,
        });
    }
    Ok(Assignment {
        path,
        value: value.to_owned(),
        offset: word.offset,
    })
}

/// Reads `{"execute" | "exec-oob": NAME, "arguments": {...}}` (an `id` is ignored: the client
/// numbers requests itself).
fn parse_json_request(line: &str) -> Result<Input, InputError> {
    let value: Value = serde_json::from_str(line).map_err(|error| InputError::Json {
        line: error.line(),
        column: error.column(),
        reason: without_position(&error),
    })?;
    let Value::Object(mut request) = value else {
        return Err(InputError::Request("not a JSON object".into()));
    };
    let (key, oob) = match (
        request.contains_key("execute"),
        request.contains_key("exec-oob"),
    ) {
        (true, false) => ("execute", false),
        (false, true) => ("exec-oob", true),
        (true, true) => {
            return Err(InputError::Request(
                "both `execute` and `exec-oob` are present".into(),
            ))
        }
        (false, false) => {
            return Err(InputError::Request(
                "needs an `execute` (or `exec-oob`) member".into(),
            ))
        }
    };
    let command = match request.remove(key) {
        Some(Value::String(name)) => name,
        _ => return Err(InputError::Request(format!("`{key}` must be a string"))),
    };
    let arguments = match request.remove("arguments") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(arguments)) => arguments,
        Some(_) => return Err(InputError::Request("`arguments` must be an object".into())),
    };
    request.remove("id");
    if let Some(unknown) = request.keys().next() {
        return Err(InputError::Request(format!("unknown member `{unknown}`")));
    }
    Ok(Input::Json {
        command,
        oob,
        arguments,
    })
}

/// serde_json's message without its " at line L column C" suffix (the error names them).
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(line: &str) -> CommandLine {
        match parse_line(line) {
            Ok(Input::Command(command)) => command,
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    #[test]
    fn words_keep_json_values_with_spaces_together() {
        let texts: Vec<&str> = words(r#"cmd a={"x": [1, 2], "y": "} ]"}  b="two words" c=3"#)
            .unwrap()
            .into_iter()
            .map(|word| word.text)
            .collect();
        assert_eq!(
            texts,
            [
                "cmd",
                r#"a={"x": [1, 2], "y": "} ]"}"#,
                r#"b="two words""#,
                "c=3"
            ]
        );
    }

    #[test]
    fn assignments_with_nested_keys_and_offsets() {
        let line = command("-o blockdev-add driver=qcow2 file.filename=/tmp/x cache={}");
        assert!(line.oob);
        assert_eq!(line.command, "blockdev-add");
        let paths: Vec<(Vec<String>, &str, usize)> = line
            .assignments
            .iter()
            .map(|a| (a.path.clone(), a.value.as_str(), a.offset))
            .collect();
        assert_eq!(
            paths,
            [
                (vec!["driver".to_owned()], "qcow2", 16),
                (vec!["file".into(), "filename".into()], "/tmp/x", 29),
                (vec!["cache".to_owned()], "{}", 50),
            ]
        );
    }

    #[test]
    fn value_may_contain_equals_signs() {
        let line = command("human-monitor-command command-line=info=x");
        assert_eq!(line.assignments[0].value, "info=x");
    }

    #[test]
    fn unbalanced_json_names_the_opening_offset() {
        assert_eq!(
            parse_line(r#"cmd a={"b": [1, 2}"#),
            Err(InputError::Unopened {
                close: '}',
                offset: 17
            })
        );
        assert_eq!(
            parse_line("cmd a={\"b\": 1"),
            Err(InputError::Unclosed {
                open: '{',
                offset: 6
            })
        );
        assert_eq!(
            parse_line("cmd a=\"open"),
            Err(InputError::Unclosed {
                open: '"',
                offset: 6
            })
        );
        assert!(parse_line("cmd a=]")
            .unwrap_err()
            .to_string()
            .contains("byte 6"));
    }

    #[test]
    fn words_that_are_not_assignments_are_refused() {
        assert_eq!(
            parse_line("stop now"),
            Err(InputError::NotAssignment {
                word: "now".into(),
                offset: 5
            })
        );
        assert_eq!(
            parse_line("cmd a..b=1"),
            Err(InputError::EmptyKey {
                word: "a..b=1".into(),
                offset: 4
            })
        );
        assert_eq!(parse_line("-o"), Err(InputError::MissingCommand));
    }

    #[test]
    fn builtins_and_empty_lines() {
        assert_eq!(parse_line("   "), Ok(Input::Empty));
        assert_eq!(parse_line(" exit "), Ok(Input::Quit));
        assert_eq!(command("quit").command, "quit", "QEMU's quit is sent");
        assert_eq!(parse_line("help"), Ok(Input::Help(None)));
        assert_eq!(
            parse_line("help query-block"),
            Ok(Input::Help(Some("query-block".into())))
        );
        assert_eq!(parse_line("help a b"), Err(InputError::HelpTopics(2)));
        // `-o exit` is a command called exit, not the builtin.
        assert_eq!(command("-o exit").command, "exit");
    }

    #[test]
    fn raw_json_requests() {
        assert_eq!(
            parse_line(r#"{"execute": "stop", "id": 7}"#),
            Ok(Input::Json {
                command: "stop".into(),
                oob: false,
                arguments: Map::new()
            })
        );
        let Ok(Input::Json {
            command,
            oob,
            arguments,
        }) = parse_line(r#" {"exec-oob": "migrate-pause", "arguments": {"a": 1}}"#)
        else {
            panic!("not a request");
        };
        assert_eq!((command.as_str(), oob), ("migrate-pause", true));
        assert_eq!(arguments.get("a"), Some(&Value::from(1)));
        assert_eq!(
            parse_line(r#"{"execute": "stop""#),
            Err(InputError::Json {
                line: 1,
                column: 18,
                reason: "EOF while parsing an object".into()
            })
        );
        for (line, message) in [
            (r#"{"arguments": {}}"#, "needs an `execute`"),
            (r#"{"execute": 1}"#, "must be a string"),
            (r#"{"execute": "a", "arguments": []}"#, "must be an object"),
            (r#"{"execute": "a", "exec-oob": "a"}"#, "both"),
            (
                r#"{"execute": "a", "argument": {}}"#,
                "unknown member `argument`",
            ),
        ] {
            let error = parse_line(line).unwrap_err().to_string();
            assert!(error.contains(message), "{line}: {error}");
        }
    }
}

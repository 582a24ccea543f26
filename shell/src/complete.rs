//! Tab completion from the live schema, as a pure function of the schema and the line:
//! command names (and the shell's own words), argument names (the union variant the tag value
//! already typed selects; nested `a.b` paths), enum values and booleans, and command or event
//! names after `help`.

use serde_json::{Map, Value};

use crate::arguments::{assemble, member_type};
use crate::input::{parse_line, words, Input, Word};
use crate::schema::{Schema, ValueKind, Variants};

/// The shell's own words, offered with the command names.
const BUILTINS: [&str; 2] = ["exit", "help"];

/// What can replace the word under the cursor.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    /// Byte offset where the replaced text starts.
    pub start: usize,
    /// The candidates, sorted.
    pub candidates: Vec<Candidate>,
}

/// One completion candidate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Candidate {
    /// What the candidate list shows.
    pub display: String,
    /// What replaces the text from [`Completion::start`] to the cursor.
    pub replacement: String,
}

/// Completes the text of `line` before byte offset `pos`.
pub fn complete(schema: &Schema, line: &str, pos: usize) -> Completion {
    let Some(before) = line.get(..pos) else {
        return Completion::default();
    };
    // Inside an unclosed JSON value there is nothing sensible to offer.
    let Ok(mut all) = words(before) else {
        return Completion::default();
    };
    let current = match all.last() {
        Some(word) if word.offset + word.text.len() == pos => all.pop(),
        _ => None,
    }
    .unwrap_or(Word {
        text: "",
        offset: pos,
    });
    let oob = matches!(all.first(), Some(word) if word.text == "-o");
    let previous = if oob { &all[1..] } else { &all[..] };
    match previous {
        [] => {
            let builtins = if oob { &[][..] } else { &BUILTINS[..] };
            let names = schema
                .commands()
                .iter()
                .map(String::as_str)
                .chain(builtins.iter().copied());
            words_starting_with(names, &current, " ")
        }
        [help] if help.text == "help" && !oob => {
            let names = schema
                .commands()
                .iter()
                .chain(schema.events())
                .map(String::as_str);
            words_starting_with(names, &current, "")
        }
        [command, ..] => complete_argument(schema, command.text, before, &current),
    }
}

/// Every name starting with the current word, each followed by `suffix`.
fn words_starting_with<'a>(
    names: impl Iterator<Item = &'a str>,
    current: &Word<'_>,
    suffix: &str,
) -> Completion {
    let mut candidates: Vec<Candidate> = names
        .filter(|name| name.starts_with(current.text))
        .map(|name| Candidate {
            display: name.to_owned(),
            replacement: format!("{name}{suffix}"),
        })
        .collect();
    candidates.sort();
    candidates.dedup();
    Completion {
        start: current.offset,
        candidates,
    }
}

/// Completes an argument name (`current` has no `=`) or value (it has one).
fn complete_argument(
    schema: &Schema,
    command: &str,
    before: &str,
    current: &Word<'_>,
) -> Completion {
    let Some(info) = schema.command(command) else {
        return Completion::default();
    };
    // What the words before this one set, to select union variants and skip given names.
    let done = &before[..current.offset];
    let given = match parse_line(done) {
        Ok(Input::Command(line)) => assemble(schema, info.arg_type, &line.assignments),
        _ => Map::new(),
    };
    match current.text.split_once('=') {
        Some((key, prefix)) => {
            let path: Vec<String> = key.split('.').map(str::to_owned).collect();
            let Some(type_name) = member_type(schema, info.arg_type, &given, &path) else {
                return Completion::default();
            };
            let mut candidates: Vec<Candidate> = schema
                .value_kind(type_name)
                .literals()
                .into_iter()
                .filter(|value| value.starts_with(prefix))
                .map(|value| Candidate {
                    replacement: format!("{value} "),
                    display: value,
                })
                .collect();
            candidates.sort();
            candidates.dedup();
            Completion {
                start: current.offset + key.len() + 1,
                candidates,
            }
        }
        None => complete_member_name(schema, info.arg_type, &given, current),
    }
}

/// Completes `a.b.pre` to the members of the object at `a.b` that start with `pre`.
fn complete_member_name(
    schema: &Schema,
    arg_type: &str,
    given: &Map<String, Value>,
    current: &Word<'_>,
) -> Completion {
    let (parents, prefix) = match current.text.rsplit_once('.') {
        Some((parents, prefix)) => (Some(parents), prefix),
        None => (None, current.text),
    };
    let empty = Map::new();
    let (object_type, here) = match parents {
        None => (Some(arg_type), given),
        Some(parents) => {
            let path: Vec<String> = parents.split('.').map(str::to_owned).collect();
            let here = path
                .iter()
                .try_fold(given, |object, key| object.get(key)?.as_object())
                .unwrap_or(&empty);
            let object_type = member_type(schema, arg_type, given, &path)
                .and_then(|type_name| schema.object_type(type_name));
            (object_type, here)
        }
    };
    let Some(object_type) = object_type else {
        return Completion::default();
    };
    let lead = parents
        .map(|parents| format!("{parents}."))
        .unwrap_or_default();
    let mut candidates: Vec<Candidate> = schema
        .members(object_type, Variants::SelectedBy(here))
        .into_iter()
        .filter(|member| member.name.starts_with(prefix) && !here.contains_key(&member.name))
        .map(|member| {
            // A plain object is usually given member by member; anything else (including an
            // alternate with an object branch) as a value.
            let suffix = if schema.value_kind(&member.type_) == ValueKind::Object {
                "."
            } else {
                "="
            };
            Candidate {
                display: format!("{}{suffix}", member.name),
                replacement: format!("{lead}{}{suffix}", member.name),
            }
        })
        .collect();
    // By name: `aio=` before `aio-max-batch=`.
    candidates.sort_by(|a, b| {
        let name =
            |candidate: &Candidate| candidate.display.trim_end_matches(['=', '.']).to_owned();
        name(a).cmp(&name(b))
    });
    Completion {
        start: current.offset,
        candidates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_schema::schema_10_0;

    /// The candidates' display texts for the line completed at its end.
    fn offered(line: &str) -> Vec<String> {
        complete(schema_10_0(), line, line.len())
            .candidates
            .into_iter()
            .map(|candidate| candidate.display)
            .collect()
    }

    #[test]
    fn command_names() {
        assert_eq!(offered("blockdev-a"), ["blockdev-add"]);
        let completion = complete(schema_10_0(), "  query-sta", 11);
        assert_eq!(completion.start, 2);
        assert_eq!(completion.candidates[0].replacement, "query-stats ");
        assert_eq!(
            offered("query-stat"),
            ["query-stats", "query-stats-schemas", "query-status"]
        );
        assert!(offered("").contains(&"help".to_owned()));
        assert!(offered("").contains(&"stop".to_owned()));
        // After -o only commands (a builtin cannot run out of band).
        assert_eq!(offered("hel"), ["help"]);
        assert!(
            offered("-o hel").is_empty(),
            "a builtin cannot run out of band"
        );
        // `quit` is QEMU's command; the shell's own word for leaving is `exit`.
        assert_eq!(offered("qui"), ["quit"]);
    }

    #[test]
    fn help_topics_are_commands_and_events() {
        assert_eq!(
            offered("help query-bl"),
            [
                "query-block",
                "query-block-exports",
                "query-block-jobs",
                "query-blockstats"
            ]
        );
        assert_eq!(offered("help STO"), ["STOP"]);
    }

    #[test]
    fn enum_values_of_a_union_tag() {
        let completion = complete(schema_10_0(), "blockdev-add driver=q", 21);
        assert_eq!(completion.start, 20);
        let values: Vec<&str> = completion
            .candidates
            .iter()
            .map(|c| c.replacement.as_str())
            .collect();
        assert_eq!(values, ["qcow ", "qcow2 ", "qed ", "quorum "]);
    }

    #[test]
    fn argument_names_follow_the_selected_variant() {
        let qcow2 = offered("blockdev-add driver=qcow2 ");
        for member in [
            "node-name=",
            "lazy-refcounts=",
            "file=",
            "cache.",
            "read-only=",
        ] {
            assert!(
                qcow2.contains(&member.to_owned()),
                "{member} not in {qcow2:?}"
            );
        }
        assert!(
            !qcow2.contains(&"driver=".to_owned()),
            "given names are not offered"
        );
        let raw = offered("blockdev-add driver=raw ");
        assert!(!raw.contains(&"lazy-refcounts=".to_owned()));
        assert!(raw.contains(&"offset=".to_owned()));
        // Without a tag value, only the common members.
        let common = offered("blockdev-add ");
        assert!(common.contains(&"driver=".to_owned()));
        assert!(!common.contains(&"lazy-refcounts=".to_owned()));
        assert_eq!(
            offered("blockdev-add driver=qcow2 lazy"),
            ["lazy-refcounts="]
        );
    }

    #[test]
    fn nested_members_and_their_values() {
        let completion = complete(schema_10_0(), "blockdev-add driver=qcow2 cache.", 32);
        let names: Vec<&str> = completion
            .candidates
            .iter()
            .map(|c| c.replacement.as_str())
            .collect();
        assert_eq!(names, ["cache.direct=", "cache.no-flush="]);
        assert_eq!(
            offered("blockdev-add driver=qcow2 cache.direct="),
            ["false", "true"]
        );
        assert_eq!(
            offered("blockdev-add driver=qcow2 file.driver=file file.ai"),
            ["aio=", "aio-max-batch="]
        );
        assert_eq!(
            offered("blockdev-add driver=qcow2 file.driver=file file.aio=n"),
            ["native"]
        );
    }

    #[test]
    fn booleans_and_nothing_where_nothing_fits() {
        assert_eq!(offered("set_link name=net0 up="), ["false", "true"]);
        assert!(offered("no-such-command ").is_empty());
        assert!(
            offered("set_link name=").is_empty(),
            "a free string has no candidates"
        );
        assert!(offered("blockdev-add cache={\"direct\": ").is_empty());
    }

    #[test]
    fn every_cursor_position_of_odd_lines_is_safe() {
        let lines = [
            r#"-o blockdev-add driver=qcow2 file={"driver": "file", "filename": "/tmp/é"} cache.direct=tr"#,
            r#"blockdev-add driver=qcow2 file.driver=file file.filename="a b" node-name=ü x"#,
            "help ☃ query-block",
            "=== .. .=. a..b= =x {]} \"\\\" \t\u{1F600}=",
            "blockdev-add driver=raw file=x file.driver=fi",
        ];
        for line in lines {
            for pos in 0..=line.len() {
                let completion = complete(schema_10_0(), line, pos);
                if !line.is_char_boundary(pos) {
                    assert_eq!(completion, Completion::default(), "{line:?} at {pos}");
                    continue;
                }
                assert!(completion.start <= pos, "{line:?} at {pos}: {completion:?}");
                assert!(line.is_char_boundary(completion.start));
                // Every candidate extends what is typed from `start` (or replaces it whole,
                // for a value after `=`).
                let typed = &line[completion.start..pos];
                for candidate in &completion.candidates {
                    assert!(
                        candidate.replacement.starts_with(typed),
                        "{line:?} at {pos}: {candidate:?} does not extend {typed:?}"
                    );
                }
                // Reading and checking any prefix gives a value or an error, never a panic.
                if let Ok(Input::Command(command)) = parse_line(&line[..pos]) {
                    let _ = crate::arguments::build(
                        schema_10_0(),
                        &command.command,
                        &command.assignments,
                    );
                }
            }
        }
    }
}

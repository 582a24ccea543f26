//! Stage 2: the IR the emitter works from, keyed by the schema's own names.
//!
//! Building the model applies the generator options (dropping unstable items, pruning to the
//! chosen commands and events), checks the shapes the emitter relies on, and computes per
//! entry: whether it is generated, in which direction it travels (serialised as arguments,
//! deserialised from returns and events), whether serde decodes it from a buffered value
//! (inside a flattened union variant or an alternate), the first schema path reaching it, and
//! which by-value references close a cycle and must be boxed.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use qmp_types::introspection::{EnumMember, JsonType, SchemaInfo, SchemaInfoKind};

use crate::error::{Error, Result};

/// What the caller chose to generate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Drop items with the `unstable` feature or an `x-` name (commands, events, optional
    /// members, enum values) and the types only they reach.
    pub exclude_unstable: bool,
    /// When set, only these commands (and, with `only_events` unset, no events) are generated,
    /// with the types they reach.
    pub only_commands: Option<BTreeSet<String>>,
    /// When set, only these events (and, with `only_commands` unset, no commands) are
    /// generated, with the types they reach.
    pub only_events: Option<BTreeSet<String>>,
}

impl Selection {
    /// Whether output is limited to what chosen roots reach.
    fn prunes(&self) -> bool {
        self.exclude_unstable || self.only_commands.is_some() || self.only_events.is_some()
    }
}

/// Whether an item with this name and these features is unstable (feature `unstable`, or the
/// older `x-` name prefix).
pub fn is_unstable(name: &str, features: &[String]) -> bool {
    name.starts_with("x-") || features.iter().any(|f| f == "unstable")
}

/// Whether the features mark an item as deprecated.
pub fn is_deprecated(features: &[String]) -> bool {
    features.iter().any(|f| f == "deprecated")
}

/// The directions a type travels in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Sent to QEMU (reached from a command's arguments): needs `Serialize`.
    pub input: bool,
    /// Received from QEMU (reached from a return value or an event): needs `Deserialize`.
    pub output: bool,
}

/// The schema prepared for emission.
#[derive(Debug)]
pub struct Model {
    /// The entries, after dropping unstable items when asked to; schema order.
    pub entries: Vec<SchemaInfo>,
    index: HashMap<String, usize>,
    generated: Vec<bool>,
    usage: Vec<Usage>,
    buffered: Vec<bool>,
    paths: Vec<Option<String>>,
    boxed: HashSet<(usize, usize)>,
}

impl Model {
    /// Builds the model from parsed entries (see [`crate::parse::parse`]).
    ///
    /// # Errors
    /// [`Error::UnknownCommand`] / [`Error::UnknownEvent`] for a selection naming something the
    /// schema lacks; [`Error::Entry`] for a shape the generator cannot represent (a command or
    /// event whose arguments are not an object, a union whose tag is not a member, a variant
    /// that is not an object).
    pub fn build(entries: Vec<SchemaInfo>, selection: &Selection) -> Result<Model> {
        let entries = if selection.exclude_unstable {
            drop_unstable(entries)
        } else {
            entries
        };
        let index: HashMap<String, usize> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.name.clone(), i))
            .collect();
        let mut model = Model {
            generated: vec![!selection.prunes(); entries.len()],
            usage: vec![Usage::default(); entries.len()],
            buffered: vec![false; entries.len()],
            paths: vec![None; entries.len()],
            boxed: HashSet::new(),
            entries,
            index,
        };
        model.check_shapes()?;
        let roots = model.roots(selection)?;
        model.walk(&roots);
        // Types reached from no command or event: usable either way, and so is what they use.
        let unreached: Vec<(usize, Usage)> = (0..model.entries.len())
            .filter(|&i| model.generated[i] && model.usage[i] == Usage::default())
            .map(|i| (i, Usage::BOTH))
            .collect();
        model.propagate(unreached.into());
        model.mark_buffered();
        model.boxed = cycle_edges(&model);
        Ok(model)
    }

    /// The entry called `name`.
    pub fn get(&self, name: &str) -> Option<&SchemaInfo> {
        self.index.get(name).map(|&i| &self.entries[i])
    }

    /// Position of the entry called `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Whether the entry at `i` is part of the output.
    pub fn is_generated(&self, i: usize) -> bool {
        self.generated[i]
    }

    /// The directions the entry at `i` travels in (both, after
    /// [`Model::derive_both_directions`]).
    pub fn usage(&self, i: usize) -> Usage {
        self.usage[i]
    }

    /// Makes every type travel both ways, so each derives `Serialize` and `Deserialize` (and
    /// types sent nowhere get constructors), whatever direction the schema uses it in.
    pub fn derive_both_directions(&mut self) {
        self.usage.fill(Usage::BOTH);
    }

    /// Whether serde decodes the entry at `i` from a buffered value (where `i128` needs help).
    pub fn is_buffered(&self, i: usize) -> bool {
        self.buffered[i]
    }

    /// The first schema path (breadth-first from the commands and events, in schema order)
    /// that reaches the entry at `i`, e.g. `query-block/ret-type/[]/inserted`.
    pub fn path(&self, i: usize) -> Option<&str> {
        self.paths[i].as_deref()
    }

    /// Whether the by-value reference from entry `from` to type `to` closes a cycle.
    pub fn is_boxed(&self, from: usize, to: &str) -> bool {
        self.position(to)
            .is_some_and(|to| self.boxed.contains(&(from, to)))
    }

    /// Whether `name` is an object without members or variants (`::qmp_types::Empty`).
    pub fn is_empty_object(&self, name: &str) -> bool {
        matches!(
            self.get(name).map(|e| &e.kind),
            Some(SchemaInfoKind::Object { members, variants, .. })
                if members.is_empty() && variants.is_empty()
        )
    }

    /// Whether `name` is the builtin `int` (or any builtin of JSON type int).
    pub fn is_int(&self, name: &str) -> bool {
        matches!(
            self.get(name).map(|e| &e.kind),
            Some(SchemaInfoKind::Builtin {
                json_type: JsonType::Int
            })
        )
    }

    /// Whether a value of type `name` can be JSON `null`: the builtins of JSON type null and
    /// value (`any`), and alternates with such an alternative.
    pub fn admits_null(&self, name: &str) -> bool {
        match self.get(name).map(|e| &e.kind) {
            Some(SchemaInfoKind::Builtin { json_type }) => {
                matches!(json_type, JsonType::Null | JsonType::Value)
            }
            Some(SchemaInfoKind::Alternate { members }) => members.iter().any(|m| {
                matches!(
                    self.get(&m.type_).map(|e| &e.kind),
                    Some(SchemaInfoKind::Builtin {
                        json_type: JsonType::Null | JsonType::Value
                    })
                )
            }),
            _ => false,
        }
    }

    /// The element type of array `name`, if it is an array.
    pub fn element_of(&self, name: &str) -> Option<&str> {
        match self.get(name).map(|e| &e.kind) {
            Some(SchemaInfoKind::Array { element_type }) => Some(element_type),
            _ => None,
        }
    }

    /// Checks the shapes the emitter relies on.
    fn check_shapes(&self) -> Result<()> {
        for (index, entry) in self.entries.iter().enumerate() {
            let fail = |message: String| Error::Entry {
                index,
                name: entry.name.clone(),
                message,
            };
            match &entry.kind {
                SchemaInfoKind::Command { arg_type, .. } | SchemaInfoKind::Event { arg_type }
                    if !matches!(
                        self.get(arg_type).map(|e| &e.kind),
                        Some(SchemaInfoKind::Object { .. })
                    ) =>
                {
                    return Err(fail(format!("arg-type `{arg_type}` is not an object type")));
                }
                SchemaInfoKind::Object {
                    members,
                    tag,
                    variants,
                } => {
                    if let Some(tag) = tag {
                        if !members.iter().any(|m| &m.name == tag) {
                            return Err(fail(format!("union tag `{tag}` is not a member")));
                        }
                    } else if !variants.is_empty() {
                        return Err(fail("variants without a tag".to_owned()));
                    }
                    for variant in variants {
                        if !matches!(
                            self.get(&variant.type_).map(|e| &e.kind),
                            Some(SchemaInfoKind::Object { .. })
                        ) {
                            return Err(fail(format!(
                                "variant `{}` has type `{}`, which is not an object type",
                                variant.case, variant.type_
                            )));
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The commands and events output starts from, validated against the selection.
    fn roots(&self, selection: &Selection) -> Result<Vec<usize>> {
        for (names, is_command) in [
            (&selection.only_commands, true),
            (&selection.only_events, false),
        ] {
            for name in names.iter().flatten() {
                let found = self.get(name).is_some_and(|e| match e.kind {
                    SchemaInfoKind::Command { .. } => is_command,
                    SchemaInfoKind::Event { .. } => !is_command,
                    _ => false,
                });
                if !found {
                    return Err(if is_command {
                        Error::UnknownCommand(name.clone())
                    } else {
                        Error::UnknownEvent(name.clone())
                    });
                }
            }
        }
        let explicit = selection.only_commands.is_some() || selection.only_events.is_some();
        let chosen = |list: &Option<BTreeSet<String>>, name: &str| match list {
            Some(list) => list.contains(name),
            None => !explicit,
        };
        Ok(self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| match e.kind {
                SchemaInfoKind::Command { .. } => chosen(&selection.only_commands, &e.name),
                SchemaInfoKind::Event { .. } => chosen(&selection.only_events, &e.name),
                _ => false,
            })
            .map(|(i, _)| i)
            .collect())
    }

    /// Breadth-first walk from the roots: marks generated entries, their usage and first path.
    fn walk(&mut self, roots: &[usize]) {
        let mut queue: VecDeque<(usize, Usage)> = VecDeque::new();
        for &root in roots {
            let entry = &self.entries[root];
            let name = entry.name.clone();
            self.paths[root] = Some(name.clone());
            self.generated[root] = true;
            let refs: Vec<(String, String, Usage)> = match &entry.kind {
                SchemaInfoKind::Command {
                    arg_type, ret_type, ..
                } => vec![
                    (format!("{name}/arg-type"), arg_type.clone(), Usage::INPUT),
                    (format!("{name}/ret-type"), ret_type.clone(), Usage::OUTPUT),
                ],
                SchemaInfoKind::Event { arg_type } => {
                    vec![(format!("{name}/arg-type"), arg_type.clone(), Usage::OUTPUT)]
                }
                _ => Vec::new(),
            };
            self.usage[root] = if matches!(entry.kind, SchemaInfoKind::Command { .. }) {
                Usage::INPUT
            } else {
                Usage::OUTPUT
            };
            for (path, target, usage) in refs {
                if let Some(t) = self.position(&target) {
                    if self.paths[t].is_none() {
                        self.paths[t] = Some(path);
                    }
                    queue.push_back((t, usage));
                }
            }
        }
        self.propagate(queue);
    }

    /// Marks everything reachable from the queued entries as generated, with the usage it is
    /// reached with, and records first paths.
    fn propagate(&mut self, mut queue: VecDeque<(usize, Usage)>) {
        let mut seen: HashSet<(usize, bool, bool)> = HashSet::new();
        while let Some((i, usage)) = queue.pop_front() {
            if !seen.insert((i, usage.input, usage.output)) {
                continue;
            }
            self.generated[i] = true;
            self.usage[i].input |= usage.input;
            self.usage[i].output |= usage.output;
            let base = self.paths[i].clone();
            for (step, target) in steps(&self.entries[i].kind) {
                if let Some(t) = self.position(target) {
                    if let (None, Some(base)) = (&self.paths[t], &base) {
                        self.paths[t] = Some(format!("{base}/{step}"));
                    }
                    queue.push_back((t, usage));
                }
            }
        }
    }

    /// Marks the types serde decodes from its buffered `Content` (flattened union variants,
    /// alternates, and everything below them).
    fn mark_buffered(&mut self) {
        let mut stack: Vec<usize> = Vec::new();
        for entry in &self.entries {
            match &entry.kind {
                SchemaInfoKind::Object { variants, .. } => stack.extend(
                    variants
                        .iter()
                        .filter_map(|v| self.index.get(&v.type_).copied()),
                ),
                SchemaInfoKind::Alternate { members } => stack.extend(
                    members
                        .iter()
                        .filter_map(|m| self.index.get(&m.type_).copied()),
                ),
                _ => {}
            }
        }
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut self.buffered[i], true) {
                continue;
            }
            for (_, target) in steps(&self.entries[i].kind) {
                if let Some(&t) = self.index.get(target) {
                    stack.push(t);
                }
            }
        }
    }
}

impl Usage {
    /// Sent to QEMU only.
    pub const INPUT: Usage = Usage {
        input: true,
        output: false,
    };
    /// Received from QEMU only.
    pub const OUTPUT: Usage = Usage {
        input: false,
        output: true,
    };
    /// Both ways.
    pub const BOTH: Usage = Usage {
        input: true,
        output: true,
    };
}

/// The references from a type to other types, each with its path step: a member name,
/// `+case` for a variant, `[]` for an array element, `|N` for an alternative.
fn steps(kind: &SchemaInfoKind) -> Vec<(String, &str)> {
    match kind {
        SchemaInfoKind::Object {
            members, variants, ..
        } => members
            .iter()
            .map(|m| (m.name.clone(), m.type_.as_str()))
            .chain(
                variants
                    .iter()
                    .map(|v| (format!("+{}", v.case), v.type_.as_str())),
            )
            .collect(),
        SchemaInfoKind::Array { element_type } => vec![("[]".to_owned(), element_type.as_str())],
        SchemaInfoKind::Alternate { members } => members
            .iter()
            .enumerate()
            .map(|(i, m)| (format!("|{i}"), m.type_.as_str()))
            .collect(),
        _ => Vec::new(),
    }
}

/// Drops unstable commands, events, optional members and enum values.
fn drop_unstable(entries: Vec<SchemaInfo>) -> Vec<SchemaInfo> {
    entries
        .into_iter()
        .filter(|e| {
            !(matches!(
                e.kind,
                SchemaInfoKind::Command { .. } | SchemaInfoKind::Event { .. }
            ) && is_unstable(&e.name, &e.features))
        })
        .map(|mut e| {
            match &mut e.kind {
                SchemaInfoKind::Object { members, .. } => {
                    members.retain(|m| !(m.is_optional() && is_unstable(&m.name, &m.features)));
                }
                SchemaInfoKind::Enum { members, values } => {
                    let kept: Vec<EnumMember> = EnumMember::of(members, values)
                        .into_iter()
                        .filter(|v| !is_unstable(&v.name, &v.features))
                        .collect();
                    *values = Some(kept.iter().map(|v| v.name.clone()).collect());
                    *members = Some(kept);
                }
                _ => {}
            }
            e
        })
        .collect()
}

/// The by-value references (object members, union variants, alternatives; not array
/// elements, which live on the heap) that lie on a cycle: both ends in one strongly connected
/// component. Iterative Tarjan, so deep schemas cannot overflow the stack.
fn cycle_edges(model: &Model) -> HashSet<(usize, usize)> {
    let n = model.entries.len();
    let edges: Vec<Vec<usize>> = model
        .entries
        .iter()
        .map(|e| match e.kind {
            SchemaInfoKind::Array { .. } => Vec::new(),
            ref kind => steps(kind)
                .into_iter()
                .filter_map(|(_, t)| model.position(t))
                .collect(),
        })
        .collect();
    let component = strongly_connected(&edges);
    let mut boxed = HashSet::new();
    for from in 0..n {
        for &to in &edges[from] {
            if component[from] == component[to] {
                boxed.insert((from, to));
            }
        }
    }
    boxed
}

/// Tarjan's algorithm without recursion: the component id of every node.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut component = vec![UNSEEN; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut next_component = 0;
    for start in 0..n {
        if index[start] != UNSEEN {
            continue;
        }
        // (node, position of the next edge to follow)
        let mut work: Vec<(usize, usize)> = vec![(start, 0)];
        index[start] = next_index;
        low[start] = next_index;
        next_index += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (node, ref mut edge)) = work.last_mut() {
            if let Some(&next) = edges[node].get(*edge) {
                *edge += 1;
                if index[next] == UNSEEN {
                    index[next] = next_index;
                    low[next] = next_index;
                    next_index += 1;
                    stack.push(next);
                    on_stack[next] = true;
                    work.push((next, 0));
                } else if on_stack[next] {
                    low[node] = low[node].min(index[next]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = next_component;
                    if member == node {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    const SCHEMA: &str = r#"[
        {"name":"query-tree","meta-type":"command","arg-type":"0","ret-type":"1"},
        {"name":"set-tree","meta-type":"command","arg-type":"2","ret-type":"0"},
        {"name":"x-debug","meta-type":"command","arg-type":"0","ret-type":"0"},
        {"name":"TICK","meta-type":"event","arg-type":"3"},
        {"name":"0","meta-type":"object","members":[]},
        {"name":"1","meta-type":"object","members":[
            {"name":"child","type":"1","default":null},
            {"name":"kids","type":"[1]"},
            {"name":"x-extra","type":"int","default":null}]},
        {"name":"[1]","meta-type":"array","element-type":"1"},
        {"name":"2","meta-type":"object","members":[{"name":"root","type":"1"}]},
        {"name":"3","meta-type":"object","members":[{"name":"n","type":"int"}]},
        {"name":"4","meta-type":"object","members":[]},
        {"name":"int","meta-type":"builtin","json-type":"int"}
    ]"#;

    fn model(selection: &Selection) -> Model {
        Model::build(parse(SCHEMA).unwrap(), selection).unwrap()
    }

    #[test]
    fn recursion_through_members_is_boxed_but_not_through_arrays() {
        let m = model(&Selection::default());
        let one = m.position("1").unwrap();
        assert!(m.is_boxed(one, "1"));
        assert!(!m.is_boxed(one, "[1]"));
        assert!(!m.is_boxed(m.position("2").unwrap(), "1"));
    }

    #[test]
    fn usage_follows_direction() {
        let m = model(&Selection::default());
        let one = m.usage(m.position("1").unwrap());
        assert!(one.input && one.output);
        let three = m.usage(m.position("3").unwrap());
        assert!(!three.input && three.output);
        // Reached from nothing: both.
        let four = m.usage(m.position("4").unwrap());
        assert!(four.input && four.output);
        assert_eq!(
            m.path(m.position("[1]").unwrap()),
            Some("query-tree/ret-type/kids")
        );
    }

    #[test]
    fn pruning_keeps_only_what_roots_reach() {
        let m = model(&Selection {
            only_events: Some(BTreeSet::from(["TICK".to_owned()])),
            ..Selection::default()
        });
        assert!(m.is_generated(m.position("3").unwrap()));
        assert!(!m.is_generated(m.position("1").unwrap()));
        assert!(!m.is_generated(m.position("query-tree").unwrap()));
        assert!(!m.is_generated(m.position("4").unwrap()));
    }

    #[test]
    fn exclude_unstable_drops_commands_and_optional_members() {
        let m = model(&Selection {
            exclude_unstable: true,
            ..Selection::default()
        });
        assert!(m.get("x-debug").is_none());
        match &m.get("1").unwrap().kind {
            SchemaInfoKind::Object { members, .. } => assert_eq!(members.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_selection_is_an_error() {
        let err = Model::build(
            parse(SCHEMA).unwrap(),
            &Selection {
                only_commands: Some(BTreeSet::from(["TICK".to_owned()])),
                ..Selection::default()
            },
        )
        .unwrap_err();
        assert!(matches!(err, Error::UnknownCommand(ref c) if c == "TICK"));
    }

    #[test]
    fn tarjan_finds_components() {
        let edges = vec![vec![1], vec![2], vec![0], vec![3], vec![]];
        let c = strongly_connected(&edges);
        assert_eq!(c[0], c[1]);
        assert_eq!(c[1], c[2]);
        assert_ne!(c[0], c[3]);
        assert_ne!(c[3], c[4]);
    }
}

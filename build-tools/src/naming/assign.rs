//! The assignment of Rust names to slots: required names for commands and events first, then
//! the shortest free suggested name for every other type (a shortest-path search over use
//! sites), then numbered names for types whose every suggestion was taken, then names for
//! unreferenced types.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use super::graph::{Graph, RootKind, UseKind};
use super::Collision;
use crate::ident::upper_camel;

/// Names the generated code uses unqualified or defines itself (the generated `Event` enum);
/// no schema type gets them (rule 4 of the [naming rule](crate::naming)).
pub const RESERVED: &[&str] = &[
    // The generated enum over all events.
    "Event",
    // The Rust 2021 prelude, std derive names and `Self`.
    "AsMut",
    "AsRef",
    "Box",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "DoubleEndedIterator",
    "Drop",
    "Eq",
    "Err",
    "ExactSizeIterator",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "FromIterator",
    "Hash",
    "Into",
    "IntoIterator",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Self",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Vec",
];

/// A suggested name for a slot. Candidates order by length, then name, then the user's name
/// and the kind and label of the use site, so the order never depends on masked numbers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    len: usize,
    name: String,
    parent: String,
    kind: UseKind,
    label: String,
    slot: usize,
}

/// Who holds a Rust name.
#[derive(Debug, Clone, Copy)]
enum Holder {
    Reserved,
    Slot(usize),
}

/// The result of an assignment.
#[derive(Debug)]
pub(super) struct Assigned {
    /// The Rust name of each slot.
    pub names: Vec<String>,
    /// Every type that did not get its first-choice name, in assignment order.
    pub collisions: Vec<Collision>,
}

/// The assignment in progress.
struct Assigner<'g, 'a> {
    graph: &'g Graph<'a>,
    names: Vec<Option<String>>,
    taken: BTreeMap<String, Holder>,
    /// The best candidate each unnamed slot was offered.
    best: Vec<Option<Candidate>>,
    /// The first name each slot wanted but found taken, with its holder.
    blocked: Vec<Option<(String, Holder)>>,
    heap: BinaryHeap<Reverse<Candidate>>,
    collisions: Vec<Collision>,
}

/// Names every slot of `graph`; `forced` slots (user renames, already validated to be free
/// of reserved names and of each other) keep the given names.
pub(super) fn assign(graph: &Graph<'_>, forced: &BTreeMap<usize, String>) -> Assigned {
    let slots = graph.slots.len();
    let mut assigner = Assigner {
        graph,
        names: vec![None; slots],
        taken: RESERVED
            .iter()
            .map(|name| ((*name).to_owned(), Holder::Reserved))
            .collect(),
        best: vec![None; slots],
        blocked: vec![None; slots],
        heap: BinaryHeap::new(),
        collisions: Vec::new(),
    };
    for (&slot, name) in forced {
        assigner.claim(slot, name.clone());
    }
    assigner.name_roots();
    for slot in 0..slots {
        if assigner.names[slot].is_some() {
            assigner.offer_uses(slot);
        }
    }
    assigner.run();
    let names = assigner
        .names
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    Assigned {
        names,
        collisions: assigner.collisions,
    }
}

impl Assigner<'_, '_> {
    /// Gives each command, then each event (each in byte order of wire names) its
    /// `UpperCamelCase` name, or, when that is taken, the name + `Command`/`Event`, then + a
    /// number.
    fn name_roots(&mut self) {
        let mut roots: Vec<(RootKind, &str, usize)> = (0..self.graph.slots.len())
            .filter(|&slot| self.names[slot].is_none())
            .filter_map(|slot| {
                let kind = self.graph.slots[slot].root?;
                Some((kind, self.graph.slot_name(slot), slot))
            })
            .collect();
        roots.sort();
        for (kind, wire, slot) in roots {
            let mut base = upper_camel(wire);
            if base.starts_with(|c: char| c.is_ascii_digit()) {
                base.insert(0, '_');
            }
            if let Some(&holder) = self.taken.get(&base) {
                self.blocked[slot] = Some((base.clone(), holder));
                base.push_str(match kind {
                    RootKind::Command => "Command",
                    RootKind::Event => "Event",
                });
            }
            let name = self.free_name(&base, self.taken.contains_key(&base));
            self.claim(slot, name);
        }
    }

    /// `base` if free (and `numbered` is false), else `base` + the smallest free number ≥ 2.
    fn free_name(&self, base: &str, numbered: bool) -> String {
        if !numbered && !self.taken.contains_key(base) {
            return base.to_owned();
        }
        let mut n = 2usize;
        while self.taken.contains_key(&format!("{base}{n}")) {
            n += 1;
        }
        format!("{base}{n}")
    }

    /// Gives `slot` the name `name` and records a collision if it wanted another one.
    fn claim(&mut self, slot: usize, name: String) {
        if let Some((wanted, holder)) = self.blocked[slot].take() {
            self.collisions.push(Collision {
                schema_name: self.graph.slot_name(slot).to_owned(),
                wanted,
                taken_by: match holder {
                    Holder::Reserved => None,
                    Holder::Slot(other) => Some(self.graph.slot_name(other).to_owned()),
                },
                assigned: name.clone(),
            });
        }
        self.taken.insert(name.clone(), Holder::Slot(slot));
        self.names[slot] = Some(name);
    }

    /// Offers every unnamed slot that `slot` uses a candidate name built from `slot`'s name.
    fn offer_uses(&mut self, slot: usize) {
        let Some(parent) = self.names[slot].clone() else {
            return;
        };
        for use_ in &self.graph.slots[slot].uses {
            let name = format!("{parent}{}", use_.suffix);
            self.offer(Candidate {
                len: name.len(),
                name,
                parent: parent.clone(),
                kind: use_.kind,
                label: use_.label.clone(),
                slot: use_.target,
            });
        }
    }

    /// Queues `candidate` unless its slot is named already.
    fn offer(&mut self, candidate: Candidate) {
        let slot = candidate.slot;
        if self.names[slot].is_some() {
            return;
        }
        let better = match &self.best[slot] {
            Some(best) => candidate < *best,
            None => true,
        };
        if better {
            self.best[slot] = Some(candidate.clone());
        }
        self.heap.push(Reverse(candidate));
    }

    /// Names slots until none is left: shortest free candidates first; when the queue runs
    /// dry, the slot with the best taken candidate gets it numbered; when no unnamed slot has
    /// a candidate, the unreferenced slots (or, failing those, the remaining cycles) get
    /// `Unreferenced…` candidates.
    fn run(&mut self) {
        loop {
            while let Some(Reverse(candidate)) = self.heap.pop() {
                let slot = candidate.slot;
                if self.names[slot].is_some() {
                    continue;
                }
                if let Some(&holder) = self.taken.get(&candidate.name) {
                    if self.blocked[slot].is_none() {
                        self.blocked[slot] = Some((candidate.name, holder));
                    }
                    continue;
                }
                self.claim(slot, candidate.name);
                self.offer_uses(slot);
            }
            let unnamed: Vec<usize> = (0..self.names.len())
                .filter(|&slot| self.names[slot].is_none())
                .collect();
            let starved = unnamed
                .iter()
                .filter_map(|&slot| self.best[slot].clone())
                .min();
            if let Some(best) = starved {
                // Every candidate of `best.slot` was popped and found taken, so `blocked`
                // already holds the first of them, which is `best`.
                let name = self.free_name(&best.name, true);
                self.claim(best.slot, name);
                self.offer_uses(best.slot);
                continue;
            }
            let orphans: Vec<usize> = unnamed
                .iter()
                .copied()
                .filter(|&slot| !self.graph.slots[slot].referenced)
                .collect();
            let orphans = if orphans.is_empty() { unnamed } else { orphans };
            if orphans.is_empty() {
                return;
            }
            for slot in orphans {
                let (name, label) = self.graph.unreferenced_name(slot);
                self.offer(Candidate {
                    len: name.len(),
                    name,
                    parent: String::new(),
                    kind: UseKind::Unreferenced,
                    label,
                    slot,
                });
            }
        }
    }
}

//! Which of the merged schemas have each command, event, type, member and enum value, and
//! which require each member: what the emitter turns into "Available in" docs and
//! `AVAILABLE_IN` constants; and which variant a union is in the schemas where it was a plain
//! struct without its tag.

use std::collections::HashMap;

/// A set of merged schemas, by position in the order given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Releases(u64);

impl Releases {
    /// The most schemas one merge takes.
    pub const MAX: usize = 64;

    /// Every schema.
    pub const ALL: Releases = Releases(u64::MAX);

    /// The set holding input `i` only.
    pub(super) fn of(i: usize) -> Releases {
        Releases(1 << i)
    }

    /// The inputs in the set before input `i`, in order.
    pub(super) fn inputs_before(self, i: usize) -> Vec<usize> {
        (0..i).filter(|&j| self.contains(j)).collect()
    }

    /// The set holding the inputs of both sets.
    pub(super) fn with(self, other: Releases) -> Releases {
        Releases(self.0 | other.0)
    }

    /// Whether input `i` is in the set.
    pub fn contains(self, i: usize) -> bool {
        i < Self::MAX && self.0 & (1 << i) != 0
    }
}

/// Which schemas have what, by merged key (see [`super`]).
#[derive(Debug, Clone, Default)]
pub struct Availability {
    /// The label of each schema, in the order given.
    labels: Vec<String>,
    /// Commands, events and types.
    items: HashMap<String, Releases>,
    /// Object members, by (type key, wire name): where present, where required.
    members: HashMap<(String, String), (Releases, Releases)>,
    /// Enum values, by (enum key, value).
    values: HashMap<(String, String), Releases>,
    /// Unions that are a plain struct without the tag member in some schemas: union key →
    /// (the tag value such a struct is, the schemas sending it).
    tag_absent: HashMap<String, (String, Releases)>,
}

impl Availability {
    /// Nothing recorded yet, for schemas labelled `labels`.
    pub(super) fn new(labels: Vec<String>) -> Availability {
        Availability {
            labels,
            ..Availability::default()
        }
    }

    /// Records that input `i` has the item `key`.
    pub(super) fn add_item(&mut self, key: &str, i: usize) {
        self.items.entry(key.to_owned()).or_default().0 |= Releases::of(i).0;
    }

    /// Records that input `i` has member `member` of object `key` (`required` or not).
    pub(super) fn add_member(&mut self, key: &str, member: &str, i: usize, required: bool) {
        let (present, required_in) = self
            .members
            .entry((key.to_owned(), member.to_owned()))
            .or_default();
        present.0 |= Releases::of(i).0;
        if required {
            required_in.0 |= Releases::of(i).0;
        }
    }

    /// Records that input `i` has value `value` of enum `key`.
    pub(super) fn add_value(&mut self, key: &str, value: &str, i: usize) {
        self.values
            .entry((key.to_owned(), value.to_owned()))
            .or_default()
            .0 |= Releases::of(i).0;
    }

    /// Makes item `into` available wherever `from` is, with `from`'s members and values.
    pub(super) fn absorb(&mut self, from: &str, into: &str) {
        let item = self.item(from);
        self.items.entry(into.to_owned()).or_default().0 |= item.0;
        let members: Vec<(String, (Releases, Releases))> = self
            .members
            .iter()
            .filter(|((owner, _), _)| owner == from)
            .map(|((_, member), masks)| (member.clone(), *masks))
            .collect();
        for (member, (present, required)) in members {
            let slot = self.members.entry((into.to_owned(), member)).or_default();
            slot.0 .0 |= present.0;
            slot.1 .0 |= required.0;
        }
        let values: Vec<(String, Releases)> = self
            .values
            .iter()
            .filter(|((owner, _), _)| owner == from)
            .map(|((_, value), mask)| (value.clone(), *mask))
            .collect();
        for (value, present) in values {
            self.values.entry((into.to_owned(), value)).or_default().0 |= present.0;
        }
    }

    /// Records that the schemas `releases` send union `key` as a plain struct without its
    /// tag, which is the variant of tag value `case`.
    pub(super) fn set_tag_absent(&mut self, key: &str, case: &str, releases: Releases) {
        self.tag_absent
            .insert(key.to_owned(), (case.to_owned(), releases));
    }

    /// The tag value of union `key` when its tag member is absent, and the schemas sending
    /// it so (see [`Availability::set_tag_absent`]).
    pub fn tag_absent(&self, key: &str) -> Option<(&str, Releases)> {
        self.tag_absent
            .get(key)
            .map(|(case, releases)| (case.as_str(), *releases))
    }

    /// The schemas having item `key`.
    pub fn item(&self, key: &str) -> Releases {
        self.items.get(key).copied().unwrap_or_default()
    }

    /// Whether member `member` is required in every schema having object `key`.
    pub(super) fn always_required(&self, key: &str, member: &str) -> bool {
        self.members
            .get(&(key.to_owned(), member.to_owned()))
            .is_some_and(|&(_, required)| required == self.item(key))
    }

    /// The labels of the schemas in `releases`, in the order given.
    pub fn labels(&self, releases: Releases) -> Vec<&str> {
        self.labels
            .iter()
            .enumerate()
            .filter(|&(i, _)| releases.contains(i))
            .map(|(_, label)| label.as_str())
            .collect()
    }

    /// The labels of the schemas having item `key`.
    pub fn item_labels(&self, key: &str) -> Vec<&str> {
        self.labels(self.item(key))
    }

    /// Where member `member` of object `key` is present and where it is required, when
    /// that is not simply "in every schema having the object" (else `None`).
    pub fn member_note(&self, key: &str, member: &str) -> Option<(Releases, Releases)> {
        let owner = self.item(key);
        let &(present, required) = self.members.get(&(key.to_owned(), member.to_owned()))?;
        let uniform = present == owner && (required == owner || required == Releases(0));
        (!uniform).then_some((present, required))
    }

    /// The schemas having value `value` of enum `key`, when not every schema having the
    /// enum has it (else `None`).
    pub fn value_note(&self, key: &str, value: &str) -> Option<Releases> {
        let owner = self.item(key);
        let present = *self.values.get(&(key.to_owned(), value.to_owned()))?;
        (present != owner).then_some(present)
    }
}

//! Unions that are a plain struct in some merged schemas (`BlockJobInfo` and `SevInfo` of
//! QEMU 7.2): their variants' members become optional, and a struct sent without the tag
//! decodes into the variant that holds its members.

use std::collections::HashSet;

use qmp_types::introspection::{SchemaInfo, SchemaInfoKind};

use super::{Merger, Releases, TypeChange};

impl<'a> Merger<'a> {
    /// The entry of input `i` whose merged key is `key`, if input `i` has it.
    fn own_entry(&self, i: usize, key: &str) -> Option<&'a SchemaInfo> {
        self.inputs[i]
            .entries
            .iter()
            .find(|e| self.keys[i].get(&e.name).is_some_and(|k| k == key))
    }

    /// Makes the variant members of every union that is a plain struct in some input
    /// optional: such a release sends the tag with none of them (`BlockJobInfo` of 7.2 has
    /// `"type": "mirror"` without 10.0's required `actively-synced`).
    pub(super) fn loosen_new_unions(&mut self) -> Vec<TypeChange> {
        let mut changes = Vec::new();
        for key in std::mem::take(&mut self.became_union) {
            let variants: Vec<String> = match self.entries.get(&key).map(|e| &e.kind) {
                Some(SchemaInfoKind::Object { variants, .. }) => {
                    variants.iter().map(|v| v.type_.clone()).collect()
                }
                _ => continue,
            };
            for variant in &variants {
                if let Some(SchemaInfoKind::Object { members, .. }) =
                    self.entries.get_mut(variant).map(|e| &mut e.kind)
                {
                    for member in members {
                        member.default = Some(serde_json::Value::Null);
                    }
                }
            }
            let item = self.availability.item(&key);
            let (mut plain, mut union) = (Vec::new(), Vec::new());
            for (i, input) in self.inputs.iter().enumerate() {
                if !item.contains(i) {
                    continue;
                }
                let tagged = self.own_entry(i, &key).is_some_and(|e| {
                    matches!(&e.kind, SchemaInfoKind::Object { tag: Some(_), .. })
                });
                if tagged {
                    union.push(input.label.clone());
                } else {
                    plain.push(input.label.clone());
                }
            }
            changes.push(TypeChange {
                site: key.clone(),
                types: vec![
                    ("struct".to_owned(), plain),
                    ("union".to_owned(), union.clone()),
                ],
                chosen: "union".to_owned(),
                reason: "the union, its variants' members optional: a release with the \
                         struct sends the tag without them",
            });
            if let Some((tag, case, releases)) = self.place_tagless(&key) {
                // Only the struct releases without the tag member, not every struct release.
                let absent = self.availability.labels(releases);
                let absent = absent.into_iter().map(str::to_owned).collect();
                changes.push(TypeChange {
                    site: format!("{key}.{tag}"),
                    types: vec![("absent".to_owned(), absent), ("tag".to_owned(), union)],
                    chosen: format!("absent = {case}"),
                    reason: "a value without the tag is the one variant whose members include \
                             the struct's members that the union's common members lack",
                });
            }
        }
        changes
    }

    /// Places the union `key` as the releases send it where it is a plain struct without
    /// the tag member: such a value holds the members of the one variant whose members
    /// include every member of the struct that the union's common members lack (QEMU 7.2's
    /// `SevInfo` has `policy` and `handle`, which 10.0's union `SevInfo` has in its variant
    /// `sev`). Those members leave the merged common members, so that the variant type
    /// receives them, and [`super::Availability::tag_absent`] records the variant (the
    /// emitter gives the union an `Untagged` variant of that type). Returns the tag, the
    /// variant's tag value and the releases sending the struct without the tag; `None` where
    /// no release lacks the tag, or where not exactly one variant fits (such a value then
    /// fails to decode, naming the missing tag).
    fn place_tagless(&mut self, key: &str) -> Option<(String, String, Releases)> {
        let Some(SchemaInfoKind::Object {
            tag: Some(tag),
            variants,
            ..
        }) = self.entries.get(key).map(|e| &e.kind)
        else {
            return None;
        };
        let (mut tagless, mut common) = (HashSet::new(), HashSet::new());
        let mut releases = Releases::default();
        for i in 0..self.inputs.len() {
            let Some(SchemaInfoKind::Object {
                members,
                tag: own_tag,
                ..
            }) = self.own_entry(i, key).map(|e| &e.kind)
            else {
                continue;
            };
            let names = members.iter().map(|m| m.name.as_str());
            if own_tag.is_some() {
                common.extend(names);
            } else if !members.iter().any(|m| &m.name == tag) {
                tagless.extend(names);
                releases = releases.with(Releases::of(i));
            }
        }
        let moved: HashSet<&str> = tagless.difference(&common).copied().collect();
        if moved.is_empty() {
            return None;
        }
        let fits: Vec<&str> = variants
            .iter()
            .filter(|v| match self.entries.get(&v.type_).map(|e| &e.kind) {
                Some(SchemaInfoKind::Object { members, .. }) => moved
                    .iter()
                    .all(|name| members.iter().any(|m| m.name == *name)),
                _ => false,
            })
            .map(|v| v.case.as_str())
            .collect();
        let [case] = fits[..] else {
            return None;
        };
        let (tag, case) = (tag.clone(), case.to_owned());
        let moved: HashSet<String> = moved.into_iter().map(str::to_owned).collect();
        if let Some(SchemaInfoKind::Object { members, .. }) =
            self.entries.get_mut(key).map(|e| &mut e.kind)
        {
            members.retain(|m| !moved.contains(&m.name));
        }
        self.availability.set_tag_absent(key, &case, releases);
        Some((tag, case, releases))
    }
}

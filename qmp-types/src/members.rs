//! An object's members for `#[derive(DeserializeObject)]` and `#[derive(SerializeObject)]`,
//! whose output reaches them through `__private`: a member's key is looked up in the
//! struct's list of wire names, a member seen twice is an error, a missing one is an error
//! unless its type is an `Option` (as with serde's derive); an absent optional member is
//! not sent.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};

/// Reads a member's key and finds it among a struct's wire names: the index, or the number
/// of names for a key the struct does not have (or an error, when it denies unknown keys).
#[derive(Clone, Copy)]
pub struct MemberKey {
    /// The struct's wire names, in field order.
    members: &'static [&'static str],
    /// Whether an unknown key is an error (`#[serde(deny_unknown_fields)]`).
    deny_unknown: bool,
}

impl MemberKey {
    /// Keys of a struct with `members`; unknown keys are skipped.
    pub fn new(members: &'static [&'static str]) -> MemberKey {
        MemberKey {
            members,
            deny_unknown: false,
        }
    }

    /// Keys of a struct with `members`; an unknown key is an error.
    pub fn denying_unknown(members: &'static [&'static str]) -> MemberKey {
        MemberKey {
            members,
            deny_unknown: true,
        }
    }

    /// The index of `key`, or `members.len()` for an unknown one.
    fn find<E: de::Error>(self, key: &str) -> Result<usize, E> {
        match self.members.iter().position(|member| *member == key) {
            Some(index) => Ok(index),
            None if self.deny_unknown => Err(E::unknown_field(key, self.members)),
            None => Ok(self.members.len()),
        }
    }
}

impl<'de> DeserializeSeed<'de> for MemberKey {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for MemberKey {
    type Value = usize;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<usize, E> {
        self.find(key)
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<usize, E> {
        match std::str::from_utf8(key) {
            Ok(key) => self.find(key),
            Err(_) => Ok(self.members.len()),
        }
    }
}

/// Decodes the value of member `name` into `slot`.
///
/// # Errors
/// When the member was seen before, or its value does not decode as `T`.
pub fn member<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Skips the value of a member the struct does not have.
///
/// # Errors
/// When the value is not well-formed.
pub fn skip_member<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(|IgnoredAny| ())
}

/// The value of required member `name`: what was decoded, else `None` when `T` is an
/// `Option`, else a missing-field error.
///
/// # Errors
/// `missing field` when the member was absent and `T` is not an `Option`.
pub fn required<'de, T: Deserialize<'de>, E: de::Error>(
    slot: Option<T>,
    name: &'static str,
) -> Result<T, E> {
    match slot {
        Some(value) => Ok(value),
        None => T::deserialize(Missing(name, PhantomData)),
    }
}

/// The value of member `name` decoded through its `deserialize_with` function.
///
/// # Errors
/// `missing field` when the member was absent.
pub fn required_with<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// The value of an absent member: `None` for an `Option`, a missing-field error for anything
/// else.
struct Missing<E>(&'static str, PhantomData<E>);

impl<'de, E: de::Error> Deserializer<'de> for Missing<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, E> {
        Err(E::missing_field(self.0))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// Sends optional member `name` when it is present.
///
/// # Errors
/// The serializer's error.
pub fn optional_entry<M: SerializeMap, T: Serialize>(
    map: &mut M,
    name: &'static str,
    value: &Option<T>,
) -> Result<(), M::Error> {
    match value {
        Some(value) => map.serialize_entry(name, value),
        None => Ok(()),
    }
}

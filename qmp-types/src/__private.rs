//! Support code that `qmp-derive` output calls, so each derived item expands to a few lines
//! instead of a full visitor. Not public API: names and signatures may change at any time.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, Visitor};

use crate::{Event, OpenEnum};

/// Deserialises an [`OpenEnum`] from a string, borrowed or owned; any string succeeds (an
/// unknown one becomes the fallback variant), anything else is an error naming `type_name`.
///
/// # Errors
/// The deserializer's error when the input is not a string.
pub fn deserialize_open_enum<'de, D, T>(
    deserializer: D,
    type_name: &'static str,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: OpenEnum,
{
    deserializer.deserialize_str(OpenEnumVisitor {
        type_name,
        marker: PhantomData,
    })
}

/// Visits the string of an [`OpenEnum`].
struct OpenEnumVisitor<T> {
    type_name: &'static str,
    marker: PhantomData<fn() -> T>,
}

impl<T: OpenEnum> Visitor<'_> for OpenEnumVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "a string ({} value)", self.type_name)
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<T, E> {
        Ok(T::from_wire(value))
    }
}

/// Decodes a known event's `data`; a missing payload (`Value::Null`) decodes as `{}`, since
/// QEMU omits `data` for events without members.
///
/// # Errors
/// The `serde_json` error when `data` does not match `T`.
pub fn decode_event<T: Event>(data: serde_json::Value) -> Result<T, serde_json::Error> {
    match data {
        serde_json::Value::Null => {
            serde_json::from_value(serde_json::Value::Object(serde_json::Map::new()))
        }
        data => serde_json::from_value(data),
    }
}

/// `a == b`, usable in `const` assertions.
#[must_use]
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

//! The [`OpenEnum`] trait: QAPI enums whose set of values grows with every QEMU release.

/// A QAPI enum with a fallback variant for values the bindings do not know.
///
/// Implemented by `#[derive(qmp_types::OpenEnum)]`, which also implements `Serialize`,
/// `Deserialize` (never failing on an unknown string), `Display` and `FromStr`.
pub trait OpenEnum: Sized {
    /// Every known wire value, in schema order.
    const VALUES: &'static [&'static str];
    /// The wire value of this variant (the unknown string for the fallback variant).
    fn as_str(&self) -> &str;
    /// The variant for a wire value; the fallback variant for a value not in [`Self::VALUES`].
    fn from_wire(value: &str) -> Self;
}

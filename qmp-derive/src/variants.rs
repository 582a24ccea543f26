//! The variants of an open enum, event set or union: known variants of the shapes the derive
//! accepts plus exactly one `#[qmp(unknown)]` fallback variant holding one field.

use std::collections::HashMap;

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::{DeriveInput, Fields, Ident, LitStr, Type, Variant};

use crate::attrs::{self, Key, QmpAttrs};
use crate::errors::Errors;
use crate::shape;

/// What a derive expects of its enum.
pub(crate) struct Spec {
    /// The derive's name, for messages.
    pub(crate) derive: &'static str,
    /// The shapes a known variant may have.
    pub(crate) shape: Shape,
    /// The key a known variant may carry (`name` or `rename`).
    pub(crate) key: Key,
    /// The keys the enum itself may carry (e.g. a union's `tag`).
    pub(crate) item_keys: &'static [Key],
    /// Whether a variant may be `#[qmp(tag_absent)]` (unions).
    pub(crate) tag_absent: bool,
    /// How the fallback variant is written, for messages.
    pub(crate) fallback: &'static str,
}

/// The shapes a known variant may have.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// No field (`Running`).
    Unit,
    /// Exactly one unnamed field (`Stop(Stop)`).
    Newtype,
    /// Either of the two (a union's variant with or without further members).
    UnitOrNewtype,
}

/// A known variant.
pub(crate) struct Known<'a> {
    /// The variant's identifier.
    pub(crate) ident: &'a Ident,
    /// Its wire name, when given (`#[qmp(name = "...")]` or `#[qmp(rename = "...")]`).
    pub(crate) wire: Option<LitStr>,
    /// The type of its one field (`None` for unit variants).
    pub(crate) ty: Option<&'a Type>,
    /// Whether it is `#[qmp(tag_absent)]`: the variant of a value without the tag.
    pub(crate) tag_absent: bool,
}

/// The fallback variant.
pub(crate) struct Fallback<'a> {
    /// The variant's identifier.
    pub(crate) ident: &'a Ident,
    /// The type of its one field.
    pub(crate) ty: &'a Type,
}

/// What a variant turned out to be.
enum Role<'a> {
    /// A known variant.
    Known(Known<'a>),
    /// A `#[qmp(unknown)]` variant: the flag's span, and its one field's type if it has one.
    Fallback(Span, &'a Ident, Option<&'a Type>),
}

/// The `#[qmp(...)]` keys of the enum itself, checked against `spec.item_keys`.
pub(crate) fn item_attrs(input: &DeriveInput, spec: &Spec) -> syn::Result<QmpAttrs> {
    let hint = if spec.item_keys.is_empty() {
        " (put it on its variants)"
    } else {
        ""
    };
    attrs::parse(
        &input.attrs,
        spec.item_keys,
        &format!("a `#[derive({})]` enum itself{hint}", spec.derive),
    )
}

/// Splits the enum's variants into known ones and the fallback, checking every shape.
pub(crate) fn split<'a>(
    input: &'a DeriveInput,
    spec: &Spec,
) -> syn::Result<(Vec<Known<'a>>, Fallback<'a>)> {
    shape::no_generics(input, spec.derive)?;
    let data = shape::enum_data(input, spec.derive)?;
    let mut errors = Errors::default();
    errors.check(item_attrs(input, spec));
    let mut known = Vec::new();
    let mut fallback: Option<Fallback<'a>> = None;
    // Whether some variant says `unknown`, even a malformed one (reported on its own).
    let mut flagged = false;
    for variant in &data.variants {
        match classify(variant, spec, &mut errors) {
            None => {}
            Some(Role::Known(variant)) => known.push(variant),
            Some(Role::Fallback(flag, ident, ty)) => {
                flagged = true;
                match (ty, &fallback) {
                    (_, Some(first)) => errors.push(syn::Error::new(
                        flag,
                        format!(
                            "only one variant may be `#[qmp(unknown)]`; `{}` already is",
                            first.ident
                        ),
                    )),
                    (None, None) => errors.push(syn::Error::new(
                        ident.span(),
                        format!(
                            "the fallback variant must hold one field: `{}`",
                            spec.fallback
                        ),
                    )),
                    (Some(ty), None) => fallback = Some(Fallback { ident, ty }),
                }
            }
        }
    }
    if !flagged {
        errors.push(syn::Error::new(
            input.ident.span(),
            format!(
                "`#[derive({})]` needs exactly one fallback variant: `{}`",
                spec.derive, spec.fallback
            ),
        ));
    }
    errors.finish()?;
    // With no errors recorded, exactly one well-formed fallback exists.
    let fallback = fallback
        .ok_or_else(|| syn::Error::new(input.ident.span(), "the fallback variant is missing"))?;
    Ok((known, fallback))
}

/// Checks one variant's attributes and shape, recording problems in `errors`. A fallback
/// variant is returned even when malformed, so that it still counts as present.
fn classify<'a>(variant: &'a Variant, spec: &Spec, errors: &mut Errors) -> Option<Role<'a>> {
    let place = format!("a variant of a `#[derive({})]` enum", spec.derive);
    let keys: &[Key] = if spec.tag_absent {
        &[spec.key, Key::Unknown, Key::TagAbsent]
    } else {
        &[spec.key, Key::Unknown]
    };
    let attrs = errors.check(attrs::parse(&variant.attrs, keys, &place))?;
    let mut valid = true;
    for field in &variant.fields {
        valid &= errors
            .check(attrs::parse(&field.attrs, &[], "fields"))
            .is_some();
    }
    let one_field = match &variant.fields {
        Fields::Unnamed(fields) if fields.unnamed.len() == 1 => Some(&fields.unnamed[0].ty),
        _ => None,
    };
    let wire = attrs.name.or(attrs.rename);
    if let Some(flag) = attrs.unknown {
        if let Some(wire) = wire {
            errors.push(syn::Error::new(
                wire.span(),
                "the `unknown` fallback variant takes no wire name",
            ));
        }
        return Some(Role::Fallback(flag, &variant.ident, one_field));
    }
    if let (Some(_), Some(wire)) = (attrs.tag_absent, &wire) {
        errors.push(syn::Error::new(
            wire.span(),
            "the `tag_absent` variant takes no tag value: it is chosen when the tag is missing",
        ));
    }
    let unit = matches!(variant.fields, Fields::Unit);
    let shape_ok = match spec.shape {
        Shape::Unit => unit,
        Shape::Newtype => one_field.is_some(),
        Shape::UnitOrNewtype => unit || one_field.is_some(),
    };
    if !shape_ok {
        valid = false;
        let expected = match spec.shape {
            Shape::Unit => "a unit variant",
            Shape::Newtype => "a tuple variant with exactly one field, e.g. `Stop(Stop)`",
            Shape::UnitOrNewtype => "a unit variant or a tuple variant with exactly one field",
        };
        errors.push(syn::Error::new(
            variant.ident.span(),
            format!(
                "`{}` must be {expected}, or the `#[qmp(unknown)]` fallback",
                variant.ident
            ),
        ));
    }
    valid.then_some(Role::Known(Known {
        ident: &variant.ident,
        wire,
        ty: one_field,
        tag_absent: attrs.tag_absent.is_some(),
    }))
}

/// The wire values seen so far among an enum's variants, so a value used twice is reported
/// where it is used the second time.
pub(crate) struct UniqueWires<'a> {
    /// What a wire value is called in the message (`tag value`, `wire value`, `event name`).
    what: &'static str,
    /// Each value seen, with the variant that used it first.
    seen: HashMap<String, &'a Ident>,
}

impl<'a> UniqueWires<'a> {
    /// No values seen yet; `what` names them in messages.
    pub(crate) fn new(what: &'static str) -> Self {
        UniqueWires {
            what,
            seen: HashMap::new(),
        }
    }

    /// Records `wire` as used by `variant`; a value an earlier variant used is an error.
    pub(crate) fn check(&mut self, wire: &LitStr, variant: &'a Ident, errors: &mut Errors) {
        if let Some(first) = self.seen.insert(wire.value(), variant) {
            errors.push(syn::Error::new(
                wire.span(),
                format!(
                    "{} \"{}\" is already used by variant `{first}`",
                    self.what,
                    wire.value()
                ),
            ));
        }
    }
}

impl Known<'_> {
    /// The variant's wire value: its `#[qmp(...)]` string, else its own name.
    pub(crate) fn wire_or_name(&self) -> LitStr {
        self.wire
            .clone()
            .unwrap_or_else(|| LitStr::new(&self.ident.unraw().to_string(), self.ident.span()))
    }
}

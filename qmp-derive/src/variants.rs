//! The variants of an open enum or event set: known variants of one shape plus exactly one
//! `#[qmp(unknown)]` fallback variant holding one field.

use syn::{DeriveInput, Fields, Ident, Type};

use crate::attrs::{self, Key, QmpAttrs};
use crate::errors::Errors;
use crate::shape;

/// What a derive expects of its enum.
pub(crate) struct Spec {
    /// The derive's name, for messages.
    pub(crate) derive: &'static str,
    /// Whether known variants hold one field (`Stop(Stop)`) rather than none (`Running`).
    pub(crate) newtype: bool,
    /// The key a known variant may carry (`name` or `rename`).
    pub(crate) key: Key,
    /// How the fallback variant is written, for messages.
    pub(crate) fallback: &'static str,
}

/// A known variant.
pub(crate) struct Known<'a> {
    /// The variant's identifier.
    pub(crate) ident: &'a Ident,
    /// Its `#[qmp(...)]` keys.
    pub(crate) attrs: QmpAttrs,
    /// The type of its one field (`None` for unit variants).
    pub(crate) ty: Option<&'a Type>,
}

/// The fallback variant.
pub(crate) struct Fallback<'a> {
    /// The variant's identifier.
    pub(crate) ident: &'a Ident,
    /// The type of its one field.
    pub(crate) ty: &'a Type,
}

/// Splits the enum's variants into known ones and the fallback, checking every shape.
pub(crate) fn split<'a>(
    input: &'a DeriveInput,
    spec: &Spec,
) -> syn::Result<(Vec<Known<'a>>, Fallback<'a>)> {
    shape::no_generics(input, spec.derive)?;
    let data = shape::enum_data(input, spec.derive)?;
    let mut errors = Errors::default();
    errors.check(attrs::parse(
        &input.attrs,
        &[],
        &format!(
            "a `#[derive({})]` enum itself (put it on its variants)",
            spec.derive
        ),
    ));
    let mut known = Vec::new();
    let mut fallbacks: Vec<Fallback<'a>> = Vec::new();
    // Whether some variant says `unknown`, even a malformed one (already reported).
    let mut flagged = false;
    let place = format!("a variant of a `#[derive({})]` enum", spec.derive);
    for variant in &data.variants {
        let Some(attrs) = errors.check(attrs::parse(
            &variant.attrs,
            &[spec.key, Key::Unknown],
            &place,
        )) else {
            continue;
        };
        for field in &variant.fields {
            errors.check(attrs::parse(&field.attrs, &[], "fields"));
        }
        let one_field = match &variant.fields {
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => Some(&fields.unnamed[0].ty),
            _ => None,
        };
        if let Some(flag) = attrs.unknown {
            flagged = true;
            if let Some(value) = attrs.name.as_ref().or(attrs.rename.as_ref()) {
                errors.push(syn::Error::new(
                    value.span(),
                    "the `unknown` fallback variant takes no wire name",
                ));
            }
            match (one_field, fallbacks.first()) {
                (_, Some(first)) => errors.push(syn::Error::new(
                    flag,
                    format!(
                        "only one variant may be `#[qmp(unknown)]`; `{}` already is",
                        first.ident
                    ),
                )),
                (None, None) => errors.push(syn::Error::new(
                    variant.ident.span(),
                    format!(
                        "the fallback variant must hold one field: `{}`",
                        spec.fallback
                    ),
                )),
                (Some(ty), None) => fallbacks.push(Fallback {
                    ident: &variant.ident,
                    ty,
                }),
            }
            continue;
        }
        let shape_ok = if spec.newtype {
            one_field.is_some()
        } else {
            matches!(variant.fields, Fields::Unit)
        };
        if !shape_ok {
            let expected = if spec.newtype {
                "a tuple variant with exactly one field, e.g. `Stop(Stop)`"
            } else {
                "a unit variant"
            };
            errors.push(syn::Error::new(
                variant.ident.span(),
                format!(
                    "`{}` must be {expected}, or the `#[qmp(unknown)]` fallback",
                    variant.ident
                ),
            ));
            continue;
        }
        known.push(Known {
            ident: &variant.ident,
            attrs,
            ty: one_field,
        });
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
    let fallback = fallbacks
        .into_iter()
        .next()
        .ok_or_else(|| syn::Error::new(input.ident.span(), "the fallback variant is missing"))?;
    Ok((known, fallback))
}

//! `#[derive(DeserializeAlternate)]`: implements `Deserialize` for an alternate, an enum whose
//! variants stand for JSON types (`#[qmp(json = "object")]`). The JSON type of the value picks
//! the one variant; a value that does not decode into it is an error naming the variant and
//! the member path, and a JSON type without a variant is an error listing those there are.

use std::collections::HashMap;

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{DeriveInput, Fields};

use crate::attrs::{self, Key};
use crate::errors::Errors;
use crate::impls;
use crate::shape;

/// The JSON types a variant may stand for: the `json` key's value, the pattern matching it,
/// and how messages name it.
const JSON_TYPES: [(&str, &str, &str); 6] = [
    ("object", "Object(_)", "an object"),
    ("array", "Array(_)", "an array"),
    ("string", "String(_)", "a string"),
    ("number", "Number(_)", "a number"),
    ("boolean", "Bool(_)", "a boolean"),
    ("null", "Null", "null"),
];

/// Expands `#[derive(DeserializeAlternate)]`.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    const DERIVE: &str = "DeserializeAlternate";
    shape::no_generics(input, DERIVE)?;
    let data = shape::enum_data(input, DERIVE)?;
    let mut errors = Errors::default();
    errors.check(attrs::parse(
        &input.attrs,
        &[],
        "a `#[derive(DeserializeAlternate)]` enum itself (put it on its variants)",
    ));
    let ident = &input.ident;
    let alternate = ident.unraw().to_string();
    let mut seen = HashMap::new();
    let mut arms = Vec::with_capacity(data.variants.len());
    let mut expected = Vec::with_capacity(data.variants.len());
    for variant in &data.variants {
        let place = "a variant of a `#[derive(DeserializeAlternate)]` enum";
        let Some(attrs) = errors.check(attrs::parse(&variant.attrs, &[Key::Json], place)) else {
            continue;
        };
        let name = &variant.ident;
        let Some(json) = attrs.json else {
            errors.push(syn::Error::new(
                name.span(),
                format!("`{name}` needs the JSON type it stands for: `#[qmp(json = \"object\")]`"),
            ));
            continue;
        };
        let Some(&(_, pattern, article)) = JSON_TYPES.iter().find(|t| t.0 == json.value()) else {
            errors.push(syn::Error::new(
                json.span(),
                "expected one of \"object\", \"array\", \"string\", \"number\", \"boolean\", \
                 \"null\"",
            ));
            continue;
        };
        if let Some(first) = seen.insert(json.value(), name) {
            errors.push(syn::Error::new(
                json.span(),
                format!(
                    "JSON type \"{}\" already has variant `{first}`",
                    json.value()
                ),
            ));
            continue;
        }
        let pattern: TokenStream = pattern.parse()?;
        let branch = name.unraw().to_string();
        let arm = match &variant.fields {
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                let ty = &fields.unnamed[0].ty;
                quote_spanned! {ty.span()=>
                    ::qmp_types::serde_json::Value::#pattern =>
                        ::qmp_types::__private::decode_alternate_branch::<#ty, D::Error>(
                            value, #alternate, #branch,
                        ).map(Self::#name)
                }
            }
            Fields::Unit if json.value() == "null" => quote! {
                ::qmp_types::serde_json::Value::Null => ::core::result::Result::Ok(Self::#name)
            },
            _ => {
                errors.push(syn::Error::new(
                    name.span(),
                    format!(
                        "`{name}` must be a tuple variant with exactly one field (or, for \
                         `json = \"null\"`, a unit variant)"
                    ),
                ));
                continue;
            }
        };
        arms.push(arm);
        expected.push(format!("{article} (`{branch}`)"));
    }
    if data.variants.is_empty() {
        errors.push(syn::Error::new(
            ident.span(),
            "`#[derive(DeserializeAlternate)]` needs at least one variant",
        ));
    }
    errors.finish()?;
    // Every JSON type has a variant: no value is left over.
    let rest = (seen.len() < JSON_TYPES.len()).then(|| {
        let expected = match expected.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        quote! {
            other => ::core::result::Result::Err(
                ::qmp_types::__private::no_alternate_branch(&other, #alternate, #expected),
            )
        }
    });
    Ok(impls::deserialize(
        ident,
        quote! {
            let value = ::qmp_types::__private::alternate_value(deserializer)?;
            match value {
                #(#arms,)*
                #rest
            }
        },
    ))
}

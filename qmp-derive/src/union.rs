//! `#[derive(DeserializeUnion)]`: implements `Deserialize` for the variant enum of a union,
//! dispatching on the tag member named by `#[qmp(tag = "...")]`. A tag value the enum knows
//! decodes its variant's members and fails with the member path when they do not decode; any
//! other tag value lands in the `#[qmp(unknown)]` fallback with every member as sent. A value
//! without the tag member is an error, unless a `#[qmp(tag_absent)]` variant takes it (a union
//! that was a plain struct in an earlier release, merged with the later one).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::DeriveInput;

use crate::attrs::Key;
use crate::errors::Errors;
use crate::impls;
use crate::variants::{self, Shape, Spec};

/// Expands `#[derive(DeserializeUnion)]`.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let spec = Spec {
        derive: "DeserializeUnion",
        shape: Shape::UnitOrNewtype,
        key: Key::Rename,
        item_keys: &[Key::Tag],
        tag_absent: true,
        fallback: "#[qmp(unknown)] Unknown(::qmp_types::serde_json::Map<String, \
                   ::qmp_types::serde_json::Value>)",
    };
    let (known, fallback) = variants::split(input, &spec)?;
    let Some(tag) = variants::item_attrs(input, &spec)?.tag else {
        return Err(syn::Error::new(
            input.ident.span(),
            "`#[derive(DeserializeUnion)]` needs the tag member: `#[qmp(tag = \"...\")]`",
        ));
    };
    let ident = &input.ident;
    let union = ident.unraw().to_string();
    let mut errors = Errors::default();
    let mut wires_seen = variants::UniqueWires::new("tag value");
    let mut arms = Vec::with_capacity(known.len());
    let mut absent: Option<&syn::Ident> = None;
    for variant in &known {
        let name = variant.ident;
        if variant.tag_absent {
            if let Some(first) = absent.replace(name) {
                errors.push(syn::Error::new(
                    name.span(),
                    format!("only one variant may be `#[qmp(tag_absent)]`; `{first}` already is"),
                ));
            }
            arms.push(match variant.ty {
                Some(ty) => quote_spanned! {ty.span()=>
                    ::core::option::Option::None =>
                        ::qmp_types::__private::decode_untagged_variant::<#ty, D::Error>(
                            members, #union, #tag,
                        ).map(Self::#name)
                },
                None => {
                    quote!(::core::option::Option::None => ::core::result::Result::Ok(Self::#name))
                }
            });
            continue;
        }
        let wire = variant.wire_or_name();
        wires_seen.check(&wire, variant.ident, &mut errors);
        arms.push(match variant.ty {
            Some(ty) => quote_spanned! {ty.span()=>
                ::core::option::Option::Some(#wire) =>
                    ::qmp_types::__private::decode_union_variant::<#ty, D::Error>(
                        members, #union, #tag, #wire,
                    ).map(Self::#name)
            },
            None => quote! {
                ::core::option::Option::Some(#wire) => ::core::result::Result::Ok(Self::#name)
            },
        });
    }
    errors.finish()?;
    let absent_allowed = absent.is_some();
    let fb = fallback.ident;
    let fb_new = quote_spanned! {fallback.ty.span()=>
        _ => ::core::result::Result::Ok(Self::#fb(members))
    };
    Ok(impls::deserialize(
        ident,
        quote! {
            let (tag, members) = ::qmp_types::__private::union_members(
                deserializer, #union, #tag, #absent_allowed,
            )?;
            match tag.as_deref() {
                #(#arms,)*
                #fb_new,
            }
        },
    ))
}

//! `#[derive(DeserializeObject)]`: implements `Deserialize` for a struct with named fields
//! decoded from a JSON object, reading the `#[serde(...)]` attributes that serde's own derive
//! would read. The expansion is one visitor with `visit_map` only: a member's key is looked up
//! by `qmp_types::__private::MemberKey` in the struct's list of wire names (shared code, no
//! per-struct field enum), unknown members are skipped, a duplicate or a missing required
//! member is serde's usual error. Serde's derive writes three visitors per struct (field
//! names as strings, bytes and indices; members as a map and as a sequence); generated
//! bindings hold about a thousand such structs, so this one keeps their build short.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Fields, LitStr};

use crate::errors::Errors;
use crate::shape;

/// The derive's name, for messages.
const DERIVE: &str = "DeserializeObject";

/// What a field's `#[serde(...)]` attributes say.
#[derive(Default)]
struct FieldAttrs {
    /// `rename = "..."`: the member's wire name.
    rename: Option<LitStr>,
    /// `default`: a missing member is the type's default.
    default: bool,
    /// `deserialize_with = "path"`.
    deserialize_with: Option<syn::Path>,
}

/// Expands `#[derive(DeserializeObject)]`.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    shape::no_generics(input, DERIVE)?;
    let fields = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => &fields.named,
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    format!("`#[derive({DERIVE})]` needs a struct with named fields"),
                ))
            }
        },
        _ => {
            return Err(syn::Error::new(
                input.ident.span(),
                format!("`#[derive({DERIVE})]` applies to structs with named fields only"),
            ))
        }
    };
    let mut errors = Errors::default();
    let deny_unknown = errors.check(container_attrs(&input.attrs)).unwrap_or(false);
    let ident = &input.ident;
    let mut wires = Vec::with_capacity(fields.len());
    let mut slots = Vec::with_capacity(fields.len());
    let mut arms = Vec::with_capacity(fields.len());
    let mut inits = Vec::with_capacity(fields.len());
    let mut wrappers = Vec::new();
    for (index, field) in fields.iter().enumerate() {
        let Some(attrs) = errors.check(field_attrs(&field.attrs)) else {
            continue;
        };
        let Some(name) = &field.ident else {
            continue;
        };
        let wire = attrs.rename.map_or_else(
            || {
                let plain = name.to_string();
                plain.strip_prefix("r#").unwrap_or(&plain).to_owned()
            },
            |lit| lit.value(),
        );
        let ty = &field.ty;
        let slot = format_ident!("member{index}");
        let (slot_ty, value) = match &attrs.deserialize_with {
            Some(path) => {
                let wrapper = format_ident!("__QmpWith{index}");
                wrappers.push(quote_spanned! {path.span()=>
                    struct #wrapper(#ty);
                    impl<'de> ::qmp_types::serde::Deserialize<'de> for #wrapper {
                        fn deserialize<D: ::qmp_types::serde::Deserializer<'de>>(
                            deserializer: D,
                        ) -> ::core::result::Result<Self, D::Error> {
                            #path(deserializer).map(#wrapper)
                        }
                    }
                });
                let value = if attrs.default {
                    quote!(#slot.map(|with| with.0).unwrap_or_default())
                } else {
                    quote!(::qmp_types::__private::required_with(#slot, #wire)?.0)
                };
                (quote!(#wrapper), value)
            }
            None if attrs.default => (quote!(#ty), quote!(#slot.unwrap_or_default())),
            None => (
                quote!(#ty),
                quote!(::qmp_types::__private::required(#slot, #wire)?),
            ),
        };
        slots.push(quote! {
            let mut #slot: ::core::option::Option<#slot_ty> = ::core::option::Option::None;
        });
        arms.push(quote! {
            #index => ::qmp_types::__private::member(&mut map, &mut #slot, #wire)?
        });
        inits.push(quote!(#name: #value));
        wires.push(wire);
    }
    errors.finish()?;
    let expecting = format!("struct {ident}");
    let key = if deny_unknown {
        quote!(::qmp_types::__private::MemberKey::denying_unknown(MEMBERS))
    } else {
        quote!(::qmp_types::__private::MemberKey::new(MEMBERS))
    };
    Ok(quote! {
        #[allow(deprecated)]
        impl<'de> ::qmp_types::serde::Deserialize<'de> for #ident {
            fn deserialize<D: ::qmp_types::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                struct __QmpObjectVisitor;
                impl<'de> ::qmp_types::serde::de::Visitor<'de> for __QmpObjectVisitor {
                    type Value = #ident;

                    fn expecting(
                        &self,
                        formatter: &mut ::core::fmt::Formatter<'_>,
                    ) -> ::core::fmt::Result {
                        formatter.write_str(#expecting)
                    }

                    fn visit_map<A: ::qmp_types::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::core::result::Result<#ident, A::Error> {
                        const MEMBERS: &[&str] = &[#(#wires),*];
                        #(#wrappers)*
                        #(#slots)*
                        while let ::core::option::Option::Some(key) = map.next_key_seed(#key)? {
                            match key {
                                #(#arms,)*
                                _ => ::qmp_types::__private::skip_member(&mut map)?,
                            }
                        }
                        ::core::result::Result::Ok(#ident { #(#inits),* })
                    }
                }
                deserializer.deserialize_map(__QmpObjectVisitor)
            }
        }
    })
}

/// The struct's `#[serde(...)]` keys: `crate` (serde's derives read it), and
/// `deny_unknown_fields`, returned; any other is an error.
fn container_attrs(attrs: &[Attribute]) -> syn::Result<bool> {
    let mut deny_unknown = false;
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let _: LitStr = meta.value()?.parse()?;
            } else if meta.path.is_ident("deny_unknown_fields") {
                deny_unknown = true;
            } else {
                return Err(unsupported(
                    &meta,
                    "on the struct: `crate`, `deny_unknown_fields`",
                ));
            }
            Ok(())
        })?;
    }
    Ok(deny_unknown)
}

/// A field's `#[serde(...)]` keys: `rename`, `default`, `deserialize_with`, and the
/// serialising ones (`skip_serializing_if`, `serialize_with`), which do not matter here.
fn field_attrs(attrs: &[Attribute]) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                out.rename = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("default") {
                if meta.input.peek(syn::Token![=]) {
                    return Err(meta.error(format!(
                        "`#[derive({DERIVE})]` supports `default` without a path only"
                    )));
                }
                out.default = true;
            } else if meta.path.is_ident("deserialize_with") {
                let path: LitStr = meta.value()?.parse()?;
                out.deserialize_with = Some(path.parse()?);
            } else if meta.path.is_ident("skip_serializing_if")
                || meta.path.is_ident("serialize_with")
            {
                let _: LitStr = meta.value()?.parse()?;
            } else {
                return Err(unsupported(
                    &meta,
                    "on a field: `rename`, `default`, `deserialize_with`, \
                     `skip_serializing_if`, `serialize_with`",
                ));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// The error for a `#[serde(...)]` key this derive does not implement, listing those it does.
fn unsupported(meta: &syn::meta::ParseNestedMeta<'_>, supported: &str) -> syn::Error {
    let written = meta
        .path
        .get_ident()
        .map_or_else(|| "this key".to_owned(), |ident| format!("`{ident}`"));
    meta.error(format!(
        "`#[derive({DERIVE})]` does not support the serde key {written} (it supports {supported}); \
         derive serde's `Deserialize` for this struct instead"
    ))
}

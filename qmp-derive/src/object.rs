//! `#[derive(DeserializeObject)]` and `#[derive(SerializeObject)]`: `Deserialize` and
//! `Serialize` for a struct with named fields as a JSON object, reading the `#[serde(...)]`
//! attributes that serde's own derives would read, with a fraction of their expansion
//! (generated bindings hold about a thousand such structs, so this keeps their build short).
//!
//! Decoding is one visitor with `visit_map` only: a member's key is looked up by
//! `qmp_types::__private::MemberKey` in the struct's list of wire names (shared code, no
//! per-struct field enum), unknown members are skipped, a duplicate or a missing required
//! member is serde's usual error. Serde's derive writes three visitors per struct (field
//! names as strings, bytes and indices; members as a map and as a sequence). Encoding is a
//! map of the members, one call per member, `None` skipped where `skip_serializing_if` says so
//! (serde's derive also counts the members beforehand and skips each one by name).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Fields, Ident, LitStr, Type};

use crate::errors::Errors;
use crate::impls;
use crate::shape;

/// What a field's `#[serde(...)]` attributes say.
#[derive(Default)]
struct FieldAttrs {
    /// `skip_serializing_if = "path"`.
    skip_serializing_if: Option<syn::Path>,
    /// `rename = "..."`: the member's wire name.
    rename: Option<LitStr>,
    /// `default`: a missing member is the type's default.
    default: bool,
    /// `deserialize_with = "path"`.
    deserialize_with: Option<syn::Path>,
}

/// The named fields of struct `input`, for derive `derive`.
fn named_fields<'a>(
    input: &'a DeriveInput,
    derive: &str,
) -> syn::Result<&'a syn::punctuated::Punctuated<syn::Field, syn::Token![,]>> {
    shape::no_generics(input, derive)?;
    match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => Ok(&fields.named),
            other => Err(syn::Error::new(
                other.span(),
                format!("`#[derive({derive})]` needs a struct with named fields"),
            )),
        },
        _ => Err(syn::Error::new(
            input.ident.span(),
            format!("`#[derive({derive})]` applies to structs with named fields only"),
        )),
    }
}

/// A field of the struct, with its wire name and what its `#[serde(...)]` attributes say.
struct Member<'a> {
    /// The field's identifier.
    name: &'a Ident,
    /// The field's type.
    ty: &'a Type,
    /// Its `rename`, else its identifier without `r#`.
    wire: String,
    /// Its `#[serde(...)]` keys.
    attrs: FieldAttrs,
}

/// The named fields of struct `input` as members, for derive `derive`; a field whose
/// attributes are wrong is left out, its error recorded in `errors`.
fn members<'a>(
    input: &'a DeriveInput,
    derive: &str,
    errors: &mut Errors,
) -> syn::Result<Vec<Member<'a>>> {
    let mut members = Vec::new();
    for field in named_fields(input, derive)? {
        let (Some(attrs), Some(name)) = (
            errors.check(field_attrs(&field.attrs, derive)),
            &field.ident,
        ) else {
            continue;
        };
        let wire = attrs
            .rename
            .as_ref()
            .map_or_else(|| name.unraw().to_string(), LitStr::value);
        members.push(Member {
            name,
            ty: &field.ty,
            wire,
            attrs,
        });
    }
    Ok(members)
}

/// Expands `#[derive(SerializeObject)]`.
pub(crate) fn expand_serialize(input: &DeriveInput) -> syn::Result<TokenStream> {
    const DERIVE: &str = "SerializeObject";
    let mut errors = Errors::default();
    errors.check(container_attrs(&input.attrs, DERIVE));
    let members = members(input, DERIVE, &mut errors)?;
    let mut entries = Vec::with_capacity(members.len());
    for Member {
        name, wire, attrs, ..
    } in &members
    {
        entries.push(match &attrs.skip_serializing_if {
            Some(path) if path_is(path, &["Option", "is_none"]) => quote! {
                ::qmp_types::__private::optional_entry(&mut map, #wire, &self.#name)?;
            },
            Some(path) => quote! {
                if !#path(&self.#name) {
                    ::qmp_types::serde::ser::SerializeMap::serialize_entry(
                        &mut map, #wire, &self.#name,
                    )?;
                }
            },
            None => quote! {
                ::qmp_types::serde::ser::SerializeMap::serialize_entry(
                    &mut map, #wire, &self.#name,
                )?;
            },
        });
    }
    errors.finish()?;
    let ident = &input.ident;
    Ok(quote! {
        #[allow(deprecated)]
        impl ::qmp_types::serde::Serialize for #ident {
            fn serialize<S: ::qmp_types::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(::core::option::Option::None)?;
                #(#entries)*
                ::qmp_types::serde::ser::SerializeMap::end(map)
            }
        }
    })
}

/// Whether `path` is `segments` (e.g. `Option::is_none`).
fn path_is(path: &syn::Path, segments: &[&str]) -> bool {
    path.leading_colon.is_none()
        && path.segments.len() == segments.len()
        && path
            .segments
            .iter()
            .zip(segments)
            .all(|(segment, name)| segment.ident == name && segment.arguments.is_empty())
}

/// Expands `#[derive(DeserializeObject)]`.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    const DERIVE: &str = "DeserializeObject";
    let mut errors = Errors::default();
    let deny_unknown = errors
        .check(container_attrs(&input.attrs, DERIVE))
        .unwrap_or(false);
    let members = members(input, DERIVE, &mut errors)?;
    let ident = &input.ident;
    let mut slots = Vec::with_capacity(members.len());
    let mut arms = Vec::with_capacity(members.len());
    let mut inits = Vec::with_capacity(members.len());
    let mut wrappers = Vec::new();
    for (index, member) in members.iter().enumerate() {
        let Member {
            name,
            ty,
            wire,
            attrs,
        } = member;
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
    }
    let wires = members.iter().map(|member| &member.wire);
    errors.finish()?;
    let expecting = format!("struct {ident}");
    let key = if deny_unknown {
        quote!(::qmp_types::__private::MemberKey::denying_unknown(MEMBERS))
    } else {
        quote!(::qmp_types::__private::MemberKey::new(MEMBERS))
    };
    Ok(impls::deserialize(
        ident,
        quote! {
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
        },
    ))
}

/// The struct's `#[serde(...)]` keys: `crate` (serde's derives read it), and
/// `deny_unknown_fields`, returned; any other is an error.
fn container_attrs(attrs: &[Attribute], derive: &str) -> syn::Result<bool> {
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
                    derive,
                    "on the struct: `crate`, `deny_unknown_fields`",
                ));
            }
            Ok(())
        })?;
    }
    Ok(deny_unknown)
}

/// A field's `#[serde(...)]` keys: `rename`, `default`, `deserialize_with`,
/// `skip_serializing_if` (each derive uses those of its direction).
fn field_attrs(attrs: &[Attribute], derive: &str) -> syn::Result<FieldAttrs> {
    let mut out = FieldAttrs::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                out.rename = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("default") {
                if meta.input.peek(syn::Token![=]) {
                    return Err(meta.error(format!(
                        "`#[derive({derive})]` supports `default` without a path only"
                    )));
                }
                out.default = true;
            } else if meta.path.is_ident("deserialize_with") {
                let path: LitStr = meta.value()?.parse()?;
                out.deserialize_with = Some(path.parse()?);
            } else if meta.path.is_ident("skip_serializing_if") {
                let path: LitStr = meta.value()?.parse()?;
                out.skip_serializing_if = Some(path.parse()?);
            } else {
                return Err(unsupported(
                    &meta,
                    derive,
                    "on a field: `rename`, `default`, `deserialize_with`, \
                     `skip_serializing_if`",
                ));
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// The error for a `#[serde(...)]` key this derive does not implement, listing those it does.
fn unsupported(meta: &syn::meta::ParseNestedMeta<'_>, derive: &str, supported: &str) -> syn::Error {
    let written = meta
        .path
        .get_ident()
        .map_or_else(|| "this key".to_owned(), |ident| format!("`{ident}`"));
    let serde = derive.trim_end_matches("Object");
    meta.error(format!(
        "`#[derive({derive})]` does not support the serde key {written} (it supports \
         {supported}); derive serde's `{serde}` for this struct instead"
    ))
}

//! Object members → struct fields (identifier, type, serde attributes, docs), and the private
//! `i128` decoding helpers some fields need.

use proc_macro2::{Ident, TokenStream};
use qmp_types::introspection::ObjectMember;
use quote::quote;

use super::{deprecated_attr, docs, Emitter, IntHelpers};
use crate::error::Result;
use crate::ident::{field_ident, unique_idents};
use crate::model::{is_deprecated, Usage};

/// Names of the helpers in the generated `__qmp_int` module, indexed like [`IntHelpers`].
pub(super) const INT_HELPERS: [&str; 4] = ["int", "opt_int", "vec_int", "opt_vec_int"];

/// One generated struct field.
pub(super) struct Field<'m> {
    /// The member it comes from.
    pub member: &'m ObjectMember,
    /// The field's identifier.
    pub ident: Ident,
    /// The field's type as declared (`Option<...>` for optional members).
    pub ty: TokenStream,
    /// The full declaration: docs, attributes, `pub ident: ty`.
    pub tokens: TokenStream,
    /// Whether the field or its type is deprecated.
    pub deprecated: bool,
}

impl Emitter<'_> {
    /// The fields of object `owner` for `members`, in schema order, with collision-free
    /// identifiers.
    pub(super) fn fields<'m>(
        &mut self,
        owner: usize,
        members: &'m [ObjectMember],
        usage: Usage,
    ) -> Result<Vec<Field<'m>>> {
        let wires: Vec<&str> = members.iter().map(|m| m.name.as_str()).collect();
        let idents = unique_idents(&wires, field_ident);
        let mut fields = Vec::with_capacity(members.len());
        for (member, ident) in members.iter().zip(idents) {
            let inner = self.type_ref(owner, &member.type_)?;
            let optional = member.is_optional();
            let ty = if optional {
                quote!(Option<#inner>)
            } else {
                inner
            };
            let mut serde_args = Vec::new();
            let wire = &member.name;
            if ident.to_string().trim_start_matches("r#") != wire {
                serde_args.push(quote!(rename = #wire));
            }
            if optional {
                serde_args.push(quote!(default));
                serde_args.push(quote!(skip_serializing_if = "Option::is_none"));
            }
            if usage.output && self.model.is_buffered(owner) {
                if let Some(helper) = self.int_helper(&member.type_, optional) {
                    serde_args.push(quote!(deserialize_with = #helper));
                }
            }
            let serde = if serde_args.is_empty() {
                TokenStream::new()
            } else {
                quote!(#[serde(#(#serde_args),*)])
            };
            let own_deprecated = is_deprecated(&member.features);
            let mut lines = vec![format!(
                "Wire name `{wire}`{}.",
                if optional { " (optional)" } else { "" }
            )];
            lines.extend(docs::features(wire, &member.features));
            let doc = docs::attrs(&lines);
            let deprecated = deprecated_attr(own_deprecated);
            fields.push(Field {
                member,
                tokens: quote! { #doc #deprecated #serde pub #ident: #ty },
                ident,
                ty,
                deprecated: own_deprecated || self.type_deprecated(&member.type_),
            });
        }
        Ok(fields)
    }

    /// The `deserialize_with` path for a field of schema type `ty` when it holds `i128`s, and
    /// records that the helper is used.
    pub(super) fn int_helper(&mut self, ty: &str, optional: bool) -> Option<String> {
        let which = if self.model.is_int(ty) {
            usize::from(optional)
        } else if self
            .model
            .element_of(ty)
            .is_some_and(|e| self.model.is_int(e))
        {
            2 + usize::from(optional)
        } else {
            return None;
        };
        self.int_helpers.used[which] = true;
        Some(format!("__qmp_int::{}", INT_HELPERS[which]))
    }
}

/// The private `__qmp_int` module with the helpers the output uses (nothing when none is).
///
/// serde buffers flattened and untagged data in a `Content` value that cannot hold `i128`;
/// these helpers decode through `deserialize_any`, accepting every int64 and uint64.
pub(super) fn int_helpers(helpers: &IntHelpers) -> TokenStream {
    let [int, opt_int, vec_int, opt_vec_int] = helpers.used;
    if !(int || opt_int || vec_int || opt_vec_int) {
        return TokenStream::new();
    }
    let wrapped = opt_int || vec_int || opt_vec_int;
    let deserialize = if wrapped {
        quote!(Deserialize,)
    } else {
        TokenStream::new()
    };
    let wrapper = if wrapped {
        quote! {
            struct Int(i128);

            impl<'de> Deserialize<'de> for Int {
                fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    deserializer.deserialize_any(IntVisitor).map(Int)
                }
            }
        }
    } else {
        TokenStream::new()
    };
    let mut functions = Vec::new();
    if int {
        functions.push(quote! {
            pub(super) fn int<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i128, D::Error> {
                deserializer.deserialize_any(IntVisitor)
            }
        });
    }
    if opt_int {
        functions.push(quote! {
            pub(super) fn opt_int<'de, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Option<i128>, D::Error> {
                Option::<Int>::deserialize(deserializer).map(|v| v.map(|Int(i)| i))
            }
        });
    }
    if vec_int {
        functions.push(quote! {
            pub(super) fn vec_int<'de, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Vec<i128>, D::Error> {
                Vec::<Int>::deserialize(deserializer).map(|v| v.into_iter().map(|Int(i)| i).collect())
            }
        });
    }
    if opt_vec_int {
        functions.push(quote! {
            pub(super) fn opt_vec_int<'de, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Option<Vec<i128>>, D::Error> {
                Option::<Vec<Int>>::deserialize(deserializer)
                    .map(|v| v.map(|v| v.into_iter().map(|Int(i)| i).collect()))
            }
        });
    }
    quote! {
        /// Decoding of `i128` inside values serde buffers (flattened unions, alternates), which
        /// cannot hold `i128` natively.
        mod __qmp_int {
            use ::qmp_types::serde::de::{#deserialize Deserializer, Error, Visitor};

            struct IntVisitor;

            impl Visitor<'_> for IntVisitor {
                type Value = i128;

                fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str("an integer")
                }

                fn visit_i64<E: Error>(self, v: i64) -> Result<i128, E> {
                    Ok(i128::from(v))
                }

                fn visit_u64<E: Error>(self, v: u64) -> Result<i128, E> {
                    Ok(i128::from(v))
                }

                fn visit_i128<E: Error>(self, v: i128) -> Result<i128, E> {
                    Ok(v)
                }

                fn visit_u128<E: Error>(self, v: u128) -> Result<i128, E> {
                    i128::try_from(v).map_err(|_| E::custom("integer out of range"))
                }
            }

            #wrapper
            #(#functions)*
        }
    }
}

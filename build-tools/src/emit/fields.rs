//! Object members → struct fields (identifier, type, serde attributes, docs), including which
//! `qmp_types::__private` decoding helper a field needs.

use proc_macro2::{Ident, TokenStream};
use qmp_types::introspection::ObjectMember;
use quote::quote;

use super::{deprecated_attr, docs, Emitter};
use crate::error::Result;
use crate::ident::{field_ident, unique_idents};
use crate::model::{is_deprecated, Usage};

/// The `i128` decoding helpers in `qmp_types::__private`: serde buffers flattened and untagged
/// data in a `Content` value that cannot hold `i128`, so integers there decode through these.
/// Indexed by `2 * is_array + is_optional`.
const INT_HELPERS: [&str; 4] = [
    "::qmp_types::__private::deserialize_i128",
    "::qmp_types::__private::deserialize_opt_i128",
    "::qmp_types::__private::deserialize_vec_i128",
    "::qmp_types::__private::deserialize_opt_vec_i128",
];

/// The helper that keeps a present `null` of an optional member as `Some`.
const PRESENT_HELPER: &str = "::qmp_types::__private::deserialize_present";

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

impl Emitter<'_, '_> {
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
            if usage.output {
                let helper = if optional && self.model.admits_null(&member.type_) {
                    // `Option<T>` alone would decode a present `null` as `None`.
                    Some(PRESENT_HELPER)
                } else if self.model.is_buffered(owner) {
                    self.int_helper(&member.type_, optional)
                } else {
                    None
                };
                if let Some(helper) = helper {
                    serde_args.push(quote!(deserialize_with = #helper));
                }
            }
            let serde = if serde_args.is_empty() {
                TokenStream::new()
            } else {
                quote!(#[serde(#(#serde_args),*)])
            };
            let own_deprecated = is_deprecated(&member.features);
            let mut lines = self.qemu_member_lines(owner, wire);
            lines.push(format!(
                "Wire name `{wire}`{}.",
                if optional { " (optional)" } else { "" }
            ));
            lines.extend(docs::features(wire, &member.features));
            lines.extend(self.member_availability(owner, wire));
            let doc = self.docs.attrs(&lines);
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

    /// The `deserialize_with` path for a field of schema type `ty` when it holds `i128`s.
    pub(super) fn int_helper(&self, ty: &str, optional: bool) -> Option<&'static str> {
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
        Some(INT_HELPERS[which])
    }
}

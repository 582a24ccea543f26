//! Checks of the item a derive is applied to: item kind, generics, and the struct shapes that
//! serialise to a JSON object (named fields, possibly none, or a newtype around such a type).

use syn::spanned::Spanned;
use syn::{Data, DataEnum, DeriveInput, Fields};

use crate::attrs;
use crate::errors::Errors;

/// Rejects generic parameters (lifetimes, types, consts) and `where` clauses.
pub(crate) fn no_generics(input: &DeriveInput, derive: &str) -> syn::Result<()> {
    let generics = &input.generics;
    let span = match &generics.where_clause {
        _ if !generics.params.is_empty() => generics.span(),
        Some(clause) => clause.where_token.span,
        None => return Ok(()),
    };
    Err(syn::Error::new(
        span,
        format!("`#[derive({derive})]` does not support generic parameters or `where` clauses"),
    ))
}

/// Checks that `input` is a struct that serialises to a JSON object and that its fields carry
/// no `#[qmp(...)]`.
pub(crate) fn object_struct(input: &DeriveInput, derive: &str) -> syn::Result<()> {
    let data = match &input.data {
        Data::Struct(data) => data,
        Data::Enum(data) => {
            return Err(syn::Error::new(
                data.enum_token.span,
                format!("`#[derive({derive})]` applies to structs only, not enums"),
            ))
        }
        Data::Union(data) => {
            return Err(syn::Error::new(
                data.union_token.span,
                format!("`#[derive({derive})]` applies to structs only, not unions"),
            ))
        }
    };
    match &data.fields {
        Fields::Named(_) => {}
        Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {}
        Fields::Unnamed(fields) => {
            return Err(syn::Error::new(
                fields.span(),
                format!(
                    "`#[derive({derive})]` needs a struct that serialises to a JSON object: \
                     named fields, or a tuple struct with exactly one field"
                ),
            ))
        }
        Fields::Unit => {
            return Err(syn::Error::new(
                input.ident.span(),
                format!(
                    "`#[derive({derive})]` needs a struct that serialises to a JSON object, but \
                     a unit struct serialises to `null`; write `struct {} {{}}` instead",
                    input.ident
                ),
            ))
        }
    }
    let mut errors = Errors::default();
    for field in &data.fields {
        errors.check(attrs::parse(&field.attrs, &[], "fields"));
    }
    errors.finish()
}

/// Returns the enum's data, or an error when `input` is not an enum.
pub(crate) fn enum_data<'a>(input: &'a DeriveInput, derive: &str) -> syn::Result<&'a DataEnum> {
    match &input.data {
        Data::Enum(data) => Ok(data),
        Data::Struct(data) => Err(syn::Error::new(
            data.struct_token.span,
            format!("`#[derive({derive})]` applies to enums only, not structs"),
        )),
        Data::Union(data) => Err(syn::Error::new(
            data.union_token.span,
            format!("`#[derive({derive})]` applies to enums only, not unions"),
        )),
    }
}

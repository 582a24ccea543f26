//! `#[derive(Event)]`: implements `qmp_types::Event` from `#[qmp(name = "...", available_in = [...])]` on a
//! struct.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::attrs::{self, Key};
use crate::shape;

/// Expands `#[derive(Event)]`.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    shape::no_generics(input, "Event")?;
    shape::object_struct(input, "Event")?;
    let attrs = attrs::parse(
        &input.attrs,
        &[Key::Name, Key::AvailableIn],
        "a `#[derive(Event)]` struct",
    )?;
    let Some(name) = attrs.name else {
        return Err(syn::Error::new(
            input.ident.span(),
            "missing the event's wire name: add `#[qmp(name = \"...\")]`",
        ));
    };
    let ident = &input.ident;
    let available_in = attrs::available_in_const(attrs.available_in.as_deref());
    Ok(quote! {
        #[allow(deprecated)]
        impl ::qmp_types::Event for #ident {
            const NAME: &'static str = #name;
            #available_in
        }
    })
}

//! `#[derive(Command)]`: implements `qmp_types::Command` from
//! `#[qmp(name = "...", returns = Type, allow_oob, available_in = [...])]` on a struct.

use proc_macro2::TokenStream;
use quote::quote;
use syn::DeriveInput;

use crate::attrs::{self, Key};
use crate::shape;

/// Expands `#[derive(Command)]`.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    shape::no_generics(input, "Command")?;
    shape::object_struct(input, "Command")?;
    let attrs = attrs::parse(
        &input.attrs,
        &[Key::Name, Key::Returns, Key::AllowOob, Key::AvailableIn],
        "a `#[derive(Command)]` struct",
    )?;
    let Some(name) = attrs.name else {
        return Err(syn::Error::new(
            input.ident.span(),
            "missing the command's wire name: add `#[qmp(name = \"...\")]`",
        ));
    };
    let ident = &input.ident;
    let output = attrs
        .returns
        .map_or_else(|| quote!(::qmp_types::Empty), |ty| quote!(#ty));
    let allow_oob = attrs.allow_oob.is_some();
    let available_in = crate::attrs::available_in_const(attrs.available_in.as_deref());
    Ok(quote! {
        #[allow(deprecated)]
        impl ::qmp_types::Command for #ident {
            const NAME: &'static str = #name;
            const ALLOW_OOB: bool = #allow_oob;
            #available_in
            type Output = #output;
        }
    })
}

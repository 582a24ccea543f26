//! `#[derive(EventSet)]`: implements `qmp_types::EventSet` for an enum of newtype variants
//! over event types plus one `#[qmp(unknown)] Unknown(::qmp_types::UnknownEvent)`.
//!
//! Variants with `#[qmp(name = "...")]` dispatch through one `match` on string literals; the
//! others compare with `<T as Event>::NAME` after it. A `const` assertion keeps each literal
//! equal to its type's `NAME`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::DeriveInput;

use crate::attrs::Key;
use crate::errors::Errors;
use crate::variants::{self, Shape, Spec};

/// Expands `#[derive(EventSet)]`.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let spec = Spec {
        derive: "EventSet",
        shape: Shape::Newtype,
        key: Key::Name,
        item_keys: &[],
        tag_absent: false,
        fallback: "#[qmp(unknown)] Unknown(::qmp_types::UnknownEvent)",
    };
    let (known, fallback) = variants::split(input, &spec)?;
    let mut errors = Errors::default();
    let mut names_seen = variants::UniqueWires::new("event name");
    let mut literal_arms = Vec::new();
    let mut literal_checks = Vec::new();
    let mut compared = Vec::new();
    let mut name_arms = Vec::with_capacity(known.len());
    for variant in &known {
        let Some(ty) = variant.ty else { continue };
        let ident = variant.ident;
        let event_name = quote_spanned!(ty.span()=> <#ty as ::qmp_types::Event>::NAME);
        name_arms.push(quote!(Self::#ident(_) => #event_name));
        let decode = quote_spanned! {ty.span()=>
            ::qmp_types::__private::decode_event::<#ty>(data).map(Self::#ident)
        };
        match &variant.wire {
            Some(name) => {
                names_seen.check(name, ident, &mut errors);
                let message = format!(
                    "`#[qmp(name = \"{}\")]` on variant `{ident}` differs from the name of the \
                     event type it holds",
                    name.value()
                );
                literal_checks.push(quote! {
                    ::core::assert!(
                        ::qmp_types::__private::str_eq(#name, #event_name),
                        #message
                    );
                });
                literal_arms.push(quote!(#name => #decode,));
            }
            None => compared.push(quote! {
                if name == #event_name {
                    return #decode;
                }
            }),
        }
    }
    errors.finish()?;

    let ident = &input.ident;
    let fb = fallback.ident;
    let fb_new = quote_spanned! {fallback.ty.span()=>
        Self::#fb(::qmp_types::UnknownEvent {
            name: ::std::string::String::from(name),
            data,
        })
    };
    let fb_name = quote_spanned! {fallback.ty.span()=>
        Self::#fb(event) => &event.name
    };
    let checks = (!literal_checks.is_empty()).then(|| {
        quote! {
            #[allow(deprecated)]
            const _: () = { #(#literal_checks)* };
        }
    });
    Ok(quote! {
        #[allow(deprecated)]
        impl ::qmp_types::EventSet for #ident {
            fn from_event(
                name: &str,
                data: ::qmp_types::serde_json::Value,
            ) -> ::core::result::Result<Self, ::qmp_types::serde_json::Error> {
                match name {
                    #(#literal_arms)*
                    _ => {
                        #(#compared)*
                        ::core::result::Result::Ok(#fb_new)
                    }
                }
            }
            fn name(&self) -> &str {
                match self {
                    #(#name_arms,)*
                    #fb_name,
                }
            }
        }
        #checks
    })
}

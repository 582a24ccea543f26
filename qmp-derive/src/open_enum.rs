//! `#[derive(OpenEnum)]`: implements `qmp_types::OpenEnum`, `Serialize` (the wire string; the
//! fallback is also reported to a running strict check),
//! `Deserialize` (any string; unknown ones land in the fallback), `Display`, `FromStr` and
//! `From<&str>` for an enum of unit variants plus one `#[qmp(unknown)] Unknown(String)`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::DeriveInput;

use crate::attrs::Key;
use crate::errors::Errors;
use crate::variants::{self, Shape, Spec};

/// Expands `#[derive(OpenEnum)]`.
pub(crate) fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let spec = Spec {
        derive: "OpenEnum",
        shape: Shape::Unit,
        key: Key::Rename,
        item_keys: &[],
        tag_absent: false,
        fallback: "#[qmp(unknown)] Unknown(String)",
    };
    let (known, fallback) = variants::split(input, &spec)?;
    let mut errors = Errors::default();
    let mut wires_seen = variants::UniqueWires::new("wire value");
    let mut wires = Vec::with_capacity(known.len());
    for variant in &known {
        let wire = variant.wire_or_name();
        wires_seen.check(&wire, variant.ident, &mut errors);
        wires.push(wire);
    }
    errors.finish()?;

    let ident = &input.ident;
    let type_name = ident.unraw().to_string();
    let idents: Vec<_> = known.iter().map(|variant| variant.ident).collect();
    let fb = fallback.ident;
    let fb_as_str = quote_spanned! {fallback.ty.span()=>
        Self::#fb(value) => ::core::convert::AsRef::<str>::as_ref(value)
    };
    let fb_path = format!("{type_name}::{}", fb.unraw());
    let fb_note = quote_spanned! {fallback.ty.span()=>
        if let Self::#fb(value) = self {
            ::qmp_types::__private::note_unknown_value(
                #fb_path,
                ::core::convert::AsRef::<str>::as_ref(value),
            );
        }
    };
    let fb_from = quote_spanned! {fallback.ty.span()=>
        Self::#fb(::core::convert::From::from(value))
    };
    // `#[inline]` everywhere: bindings hold ~1,000 enums and a user touches few of them, and
    // inline functions are only compiled where they are used.
    Ok(quote! {
        #[allow(deprecated)]
        impl ::qmp_types::OpenEnum for #ident {
            const VALUES: &'static [&'static str] = &[#(#wires),*];
            #[inline]
            fn as_str(&self) -> &str {
                match self {
                    #(Self::#idents => #wires,)*
                    #fb_as_str,
                }
            }
            #[inline]
            fn from_wire(value: &str) -> Self {
                match value {
                    #(#wires => Self::#idents,)*
                    _ => #fb_from,
                }
            }
        }
        #[allow(deprecated)]
        impl ::qmp_types::serde::Serialize for #ident {
            // An enum whose only variant is the fallback makes the `if let` irrefutable.
            #[inline]
            #[allow(irrefutable_let_patterns)]
            fn serialize<S: ::qmp_types::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                #fb_note
                serializer.serialize_str(::qmp_types::OpenEnum::as_str(self))
            }
        }
        #[allow(deprecated)]
        impl<'de> ::qmp_types::serde::Deserialize<'de> for #ident {
            #[inline]
            fn deserialize<D: ::qmp_types::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                ::qmp_types::__private::deserialize_open_enum(deserializer, #type_name)
            }
        }
        #[allow(deprecated)]
        impl ::core::fmt::Display for #ident {
            #[inline]
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(::qmp_types::OpenEnum::as_str(self))
            }
        }
        #[allow(deprecated)]
        impl ::core::str::FromStr for #ident {
            type Err = ::core::convert::Infallible;
            #[inline]
            fn from_str(value: &str) -> ::core::result::Result<Self, Self::Err> {
                ::core::result::Result::Ok(::qmp_types::OpenEnum::from_wire(value))
            }
        }
        #[allow(deprecated)]
        impl ::core::convert::From<&str> for #ident {
            #[inline]
            fn from(value: &str) -> Self {
                ::qmp_types::OpenEnum::from_wire(value)
            }
        }
    })
}

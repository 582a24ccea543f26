//! The `Deserialize` impl around the decoding code a derive writes, shared by the derives that
//! decode (`DeserializeObject`, `DeserializeUnion`, `DeserializeAlternate`).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// `impl Deserialize for ident` whose `deserialize(deserializer: D)` runs `body`;
/// `#[allow(deprecated)]`, as deprecated types and variants are named in it.
pub(crate) fn deserialize(ident: &Ident, body: TokenStream) -> TokenStream {
    quote! {
        #[allow(deprecated)]
        impl<'de> ::qmp_types::serde::Deserialize<'de> for #ident {
            fn deserialize<D: ::qmp_types::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                #body
            }
        }
    }
}

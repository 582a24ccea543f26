//! The Rust type of a schema entity as a value: what naming hands to the emitter, which turns
//! it into tokens directly (no text to parse back) and into text for docs and listings.

use std::fmt;

use proc_macro2::TokenStream;
use qmp_types::introspection::JsonType;
use quote::{format_ident, quote, ToTokens};

/// The Rust type of a schema entity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RustType {
    /// A builtin of this JSON type: `i128`, `f64`, `String`, `bool`, `()`, or
    /// `::qmp_types::serde_json::Value` (`any`, and builtins of JSON type object or array).
    Builtin(JsonType),
    /// An object without members and variants: `::qmp_types::Empty`.
    Empty,
    /// A generated type, by its Rust name.
    Named(String),
    /// An array: `Vec<T>`.
    Vec(Box<RustType>),
}

impl RustType {
    /// Whether every name in the type is a plain Rust identifier (which [`ToTokens`] needs).
    pub fn is_valid(&self) -> bool {
        match self {
            RustType::Builtin(_) | RustType::Empty => true,
            RustType::Named(name) => crate::ident::is_plain_ident(name),
            RustType::Vec(inner) => inner.is_valid(),
        }
    }

    /// `Vec<…Vec<self>…>` with `depth` arrays around `self`.
    pub fn in_arrays(self, depth: usize) -> RustType {
        (0..depth).fold(self, |inner, _| RustType::Vec(Box::new(inner)))
    }
}

impl fmt::Display for RustType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RustType::Builtin(json) => f.write_str(match json {
                JsonType::Int => "i128",
                JsonType::Number => "f64",
                JsonType::String => "String",
                JsonType::Boolean => "bool",
                JsonType::Null => "()",
                JsonType::Object | JsonType::Array | JsonType::Value => {
                    "::qmp_types::serde_json::Value"
                }
            }),
            RustType::Empty => f.write_str("::qmp_types::Empty"),
            RustType::Named(name) => f.write_str(name),
            RustType::Vec(inner) => write!(f, "Vec<{inner}>"),
        }
    }
}

impl ToTokens for RustType {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend(match self {
            RustType::Builtin(json) => match json {
                JsonType::Int => quote!(i128),
                JsonType::Number => quote!(f64),
                JsonType::String => quote!(String),
                JsonType::Boolean => quote!(bool),
                JsonType::Null => quote!(()),
                JsonType::Object | JsonType::Array | JsonType::Value => {
                    quote!(::qmp_types::serde_json::Value)
                }
            },
            RustType::Empty => quote!(::qmp_types::Empty),
            // Callers check `is_valid` first; an invalid name becomes a raw string that
            // fails to parse later, never a panic here.
            RustType::Named(name) if crate::ident::is_plain_ident(name) => {
                format_ident!("{}", name).into_token_stream()
            }
            RustType::Named(name) => quote!(#name),
            RustType::Vec(inner) => quote!(Vec<#inner>),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Token text without white space (`> >` and `>>` are the same tokens here).
    fn squeezed(tokens: TokenStream) -> String {
        tokens.to_string().split_whitespace().collect()
    }

    #[test]
    fn text_and_tokens_agree() {
        let ty = RustType::Named("BlockInfo".into()).in_arrays(2);
        assert_eq!(ty.to_string(), "Vec<Vec<BlockInfo>>");
        assert_eq!(squeezed(ty.to_token_stream()), "Vec<Vec<BlockInfo>>");
        for (json, text) in [
            (JsonType::Int, "i128"),
            (JsonType::Null, "()"),
            (JsonType::Value, "::qmp_types::serde_json::Value"),
        ] {
            let ty = RustType::Builtin(json);
            assert_eq!(ty.to_string(), text);
            assert_eq!(squeezed(ty.to_token_stream()), text);
        }
        assert_eq!(RustType::Empty.to_string(), "::qmp_types::Empty");
        assert!(!RustType::Named("not valid".into()).is_valid());
        assert!(RustType::Named("Valid".into()).in_arrays(1).is_valid());
    }
}

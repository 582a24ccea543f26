//! Attributes the user adds to generated types (`Config::type_attribute`,
//! `Config::type_derive`): which types a path selects, and the attribute text read as Rust
//! attributes, checked once before anything is emitted so that a bad one is reported by
//! its text rather than as broken generated code.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::parse::Parser;

use crate::error::{Error, Result};

/// The path that selects every generated type (as in `prost-build`).
pub const EVERY_TYPE: &str = ".";

/// One attribute (or several) for the generated types one path selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeAttribute {
    /// [`EVERY_TYPE`], or a name of a generated type: its Rust name (`BlockInfo`,
    /// `QueryBlock`, `BlockdevOptionsVariant`, `Event`), its QEMU name (`BlockInfo`), or
    /// for a command or event its wire name (`query-block`, `BLOCK_JOB_COMPLETED`).
    pub path: String,
    /// Outer attributes as Rust source: `#[derive(Hash)]`, `#[serde(deny_unknown_fields)]`.
    pub attribute: String,
}

impl TypeAttribute {
    /// Whether the path selects a type known by `names` (Rust name, QEMU name, wire name).
    pub fn selects(&self, names: &[&str]) -> bool {
        self.path == EVERY_TYPE || names.contains(&self.path.as_str())
    }

    /// The attribute as tokens.
    ///
    /// # Errors
    /// [`Error::TypeAttribute`] when the text is not one or more outer attributes.
    pub fn tokens(&self) -> Result<TokenStream> {
        let fail = |message: String| Error::TypeAttribute {
            path: self.path.clone(),
            attribute: self.attribute.clone(),
            message,
        };
        let attributes = syn::Attribute::parse_outer
            .parse_str(&self.attribute)
            .map_err(|e| fail(e.to_string()))?;
        if attributes.is_empty() {
            return Err(fail(
                "expected an attribute such as `#[derive(Hash)]`".into(),
            ));
        }
        Ok(attributes.iter().map(ToTokens::to_token_stream).collect())
    }
}

/// The attributes of `attributes` that select a type known by `names`, in the order given.
///
/// # Errors
/// As [`TypeAttribute::tokens`].
pub fn for_type(attributes: &[TypeAttribute], names: &[&str]) -> Result<TokenStream> {
    let mut tokens = TokenStream::new();
    for attribute in attributes.iter().filter(|a| a.selects(names)) {
        tokens.extend(attribute.tokens()?);
    }
    Ok(tokens)
}

/// Checks that every attribute reads as Rust attributes.
///
/// # Errors
/// [`Error::TypeAttribute`] for the first that does not.
pub fn check(attributes: &[TypeAttribute]) -> Result<()> {
    attributes.iter().try_for_each(|a| a.tokens().map(drop))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(path: &str, attribute: &str) -> TypeAttribute {
        TypeAttribute {
            path: path.to_owned(),
            attribute: attribute.to_owned(),
        }
    }

    #[test]
    fn paths_select_by_any_name_or_everything() {
        let hash = attribute("query-block", "#[derive(Hash)]");
        assert!(hash.selects(&["QueryBlock", "query-block"]));
        assert!(!hash.selects(&["BlockInfo"]));
        assert!(attribute(EVERY_TYPE, "#[derive(Hash)]").selects(&["Event"]));
    }

    #[test]
    fn several_attributes_in_one_text_are_kept_in_order() {
        let attributes = [
            attribute(".", "#[derive(Hash)] #[serde(deny_unknown_fields)]"),
            attribute("Other", "#[derive(Eq)]"),
        ];
        let tokens = for_type(&attributes, &["BlockInfo"]).unwrap().to_string();
        assert_eq!(
            tokens, "# [derive (Hash)] # [serde (deny_unknown_fields)]",
            "{tokens}"
        );
    }

    #[test]
    fn a_bad_attribute_is_named_in_the_error() {
        for text in ["derive(Hash)", "#[derive(Hash)", ""] {
            let err = check(&[attribute("BlockInfo", text)]).unwrap_err();
            let message = err.to_string();
            assert!(matches!(err, Error::TypeAttribute { .. }), "{message}");
            assert!(message.contains(&format!("`{text}`")), "{message}");
            assert!(message.contains("`BlockInfo`"), "{message}");
        }
    }
}

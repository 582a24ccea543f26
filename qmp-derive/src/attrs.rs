//! Parsing of the `#[qmp(...)]` helper attribute: which keys exist, which ones a given place
//! accepts, and the values they carry. Every error is spanned at the offending key.

use proc_macro2::Span;
use syn::{Attribute, LitStr, Type};

/// A key of `#[qmp(...)]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// `name = "wire-name"` (commands, events, event set variants).
    Name,
    /// `returns = Type` (commands).
    Returns,
    /// `allow_oob` (commands).
    AllowOob,
    /// `rename = "wire-value"` (open enum variants).
    Rename,
    /// `unknown` (the fallback variant of an open enum, event set or union).
    Unknown,
    /// `tag = "member"` (a union's variant enum: the member that selects the variant).
    Tag,
    /// `json = "object"` (an alternate's branch: the JSON type it is chosen for).
    Json,
    /// `available_in = ["7.2.22", "10.0.2"]` (commands, events: the releases having them).
    AvailableIn,
    /// `tag_absent` (a variant of a union's variant enum: a value without the tag member, as
    /// releases send it where the union was a plain struct).
    TagAbsent,
}

impl Key {
    /// The key as written in the attribute.
    fn as_str(self) -> &'static str {
        match self {
            Key::Name => "name",
            Key::Returns => "returns",
            Key::AllowOob => "allow_oob",
            Key::Rename => "rename",
            Key::Unknown => "unknown",
            Key::Tag => "tag",
            Key::Json => "json",
            Key::AvailableIn => "available_in",
            Key::TagAbsent => "tag_absent",
        }
    }
}

/// The keys given in the `#[qmp(...)]` attributes of one item, variant or field.
#[derive(Default)]
pub(crate) struct QmpAttrs {
    /// `name = "..."`.
    pub(crate) name: Option<LitStr>,
    /// `returns = Type`.
    pub(crate) returns: Option<Type>,
    /// `allow_oob`, with the span of the flag.
    pub(crate) allow_oob: Option<Span>,
    /// `rename = "..."`.
    pub(crate) rename: Option<LitStr>,
    /// `unknown`, with the span of the flag.
    pub(crate) unknown: Option<Span>,
    /// `tag = "..."`.
    pub(crate) tag: Option<LitStr>,
    /// `json = "..."`.
    pub(crate) json: Option<LitStr>,
    /// `available_in = ["...", ...]`.
    pub(crate) available_in: Option<Vec<LitStr>>,
    /// `tag_absent`, with the span of the flag.
    pub(crate) tag_absent: Option<Span>,
}

/// Parses every `#[qmp(...)]` among `attrs`, accepting only the keys in `allowed`.
/// `place` names where the attributes sit (e.g. "a `#[derive(Command)]` struct") for error messages.
pub(crate) fn parse(attrs: &[Attribute], allowed: &[Key], place: &str) -> syn::Result<QmpAttrs> {
    let mut out = QmpAttrs::default();
    for attr in attrs.iter().filter(|attr| attr.path().is_ident("qmp")) {
        if allowed.is_empty() {
            return Err(syn::Error::new_spanned(
                attr,
                format!("`#[qmp(...)]` is not accepted on {place}"),
            ));
        }
        attr.parse_nested_meta(|meta| {
            let key = [
                Key::Name,
                Key::Returns,
                Key::AllowOob,
                Key::Rename,
                Key::Unknown,
                Key::Tag,
                Key::Json,
                Key::AvailableIn,
                Key::TagAbsent,
            ]
            .into_iter()
            .find(|key| meta.path.is_ident(key.as_str()))
            .filter(|key| allowed.contains(key));
            let Some(key) = key else {
                let written = meta
                    .path
                    .get_ident()
                    .map_or_else(|| "this key".to_owned(), |ident| format!("`{ident}`"));
                let expected: Vec<_> = allowed
                    .iter()
                    .map(|key| format!("`{}`", key.as_str()))
                    .collect();
                return Err(meta.error(format!(
                    "unknown `qmp` key {written} on {place}; expected {}",
                    expected.join(", ")
                )));
            };
            let duplicate = || meta.error(format!("duplicate `qmp` key `{}`", key.as_str()));
            match key {
                Key::Name | Key::Rename | Key::Tag | Key::Json => {
                    let slot = match key {
                        Key::Name => &mut out.name,
                        Key::Rename => &mut out.rename,
                        Key::Tag => &mut out.tag,
                        _ => &mut out.json,
                    };
                    if slot.is_some() {
                        return Err(duplicate());
                    }
                    let value: LitStr = meta.value()?.parse()?;
                    if value.value().is_empty() {
                        return Err(syn::Error::new(
                            value.span(),
                            format!("`{}` must not be empty", key.as_str()),
                        ));
                    }
                    *slot = Some(value);
                }
                Key::AvailableIn => {
                    if out.available_in.is_some() {
                        return Err(duplicate());
                    }
                    out.available_in = Some(string_list(meta.value()?.parse()?)?);
                }
                Key::Returns => {
                    if out.returns.is_some() {
                        return Err(duplicate());
                    }
                    out.returns = Some(meta.value()?.parse()?);
                }
                Key::AllowOob | Key::Unknown | Key::TagAbsent => {
                    let slot = match key {
                        Key::AllowOob => &mut out.allow_oob,
                        Key::Unknown => &mut out.unknown,
                        _ => &mut out.tag_absent,
                    };
                    if slot.is_some() {
                        return Err(duplicate());
                    }
                    if !meta.input.is_empty() && !meta.input.peek(syn::Token![,]) {
                        return Err(
                            meta.error(format!("`{}` is a flag and takes no value", key.as_str()))
                        );
                    }
                    *slot = Some(meta.path.require_ident()?.span());
                }
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// `const AVAILABLE_IN` for a command or event given `available_in = [...]`; nothing (the
/// trait's default, no releases recorded) without it.
pub(crate) fn available_in_const(releases: Option<&[LitStr]>) -> proc_macro2::TokenStream {
    match releases {
        Some(releases) => quote::quote! {
            const AVAILABLE_IN: &'static [&'static str] = &[#(#releases),*];
        },
        None => proc_macro2::TokenStream::new(),
    }
}

/// The string literals of `["a", "b"]`; anything else in the brackets is an error.
fn string_list(array: syn::ExprArray) -> syn::Result<Vec<LitStr>> {
    array
        .elems
        .into_iter()
        .map(|elem| match elem {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Ok(text),
            other => Err(syn::Error::new_spanned(
                other,
                "`available_in` takes a list of string literals: `[\"7.2.22\", \"10.0.2\"]`",
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use syn::{parse_quote, Attribute};

    use super::{available_in_const, parse, Key};
    use syn::LitStr;

    const COMMAND: &[Key] = &[Key::Name, Key::Returns, Key::AllowOob];

    fn error(attrs: &[Attribute], allowed: &[Key]) -> String {
        match parse(attrs, allowed, "a test item") {
            Ok(_) => panic!("expected an error"),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn keys_merge_across_attributes_and_ignore_others() {
        let attrs: Vec<Attribute> = vec![
            parse_quote!(#[doc = "docs"]),
            parse_quote!(#[qmp(name = "query-status")]),
            parse_quote!(#[serde(crate = "x")]),
            parse_quote!(#[qmp(returns = Vec<Info>, allow_oob)]),
        ];
        let parsed = parse(&attrs, COMMAND, "a test item").unwrap();
        assert_eq!(parsed.name.unwrap().value(), "query-status");
        let returns = parsed.returns.unwrap();
        assert_eq!(quote::quote!(#returns).to_string(), "Vec < Info >");
        assert!(parsed.allow_oob.is_some());
        assert!(parsed.unknown.is_none() && parsed.rename.is_none());
    }

    #[test]
    fn absent_keys_stay_unset() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[qmp(name = "stop")])];
        let parsed = parse(&attrs, COMMAND, "a test item").unwrap();
        assert!(parsed.returns.is_none() && parsed.allow_oob.is_none());
        assert!(parse(&[], &[], "a test item").unwrap().name.is_none());
    }

    #[test]
    fn keys_not_allowed_here_are_rejected_with_the_alternatives() {
        let attrs: Vec<Attribute> = vec![parse_quote!(#[qmp(rename = "x")])];
        let message = error(&attrs, COMMAND);
        assert_eq!(
            message,
            "unknown `qmp` key `rename` on a test item; expected `name`, `returns`, `allow_oob`"
        );
        assert_eq!(
            error(&attrs, &[]),
            "`#[qmp(...)]` is not accepted on a test item"
        );
    }

    #[test]
    fn malformed_values_are_rejected() {
        let cases: [(Attribute, &str); 5] = [
            (parse_quote!(#[qmp(name = "")]), "`name` must not be empty"),
            (parse_quote!(#[qmp(name = 1)]), "expected string literal"),
            (
                parse_quote!(#[qmp(allow_oob = true)]),
                "`allow_oob` is a flag and takes no value",
            ),
            (
                parse_quote!(#[qmp(name = "a", name = "b")]),
                "duplicate `qmp` key `name`",
            ),
            (
                parse_quote!(#[qmp]),
                "expected attribute arguments in parentheses: #[qmp(...)]",
            ),
        ];
        for (attr, expected) in cases {
            assert_eq!(error(&[attr], COMMAND), expected);
        }
    }

    #[test]
    fn available_in_takes_string_literals_once() {
        let allowed = &[Key::Name, Key::AvailableIn];
        let attrs: Vec<Attribute> = vec![parse_quote!(
            #[qmp(name = "stop", available_in = ["7.2.22", "10.0.2"])]
        )];
        let parsed = parse(&attrs, allowed, "a test item").unwrap();
        let labels: Vec<String> = parsed
            .available_in
            .unwrap()
            .iter()
            .map(LitStr::value)
            .collect();
        assert_eq!(labels, ["7.2.22", "10.0.2"]);
        let not_strings: Attribute = parse_quote!(#[qmp(available_in = ["7.2", 10])]);
        assert_eq!(
            error(&[not_strings], allowed),
            "`available_in` takes a list of string literals: `[\"7.2.22\", \"10.0.2\"]`"
        );
        let twice: Attribute = parse_quote!(#[qmp(available_in = [], available_in = [])]);
        assert_eq!(
            error(&[twice], allowed),
            "duplicate `qmp` key `available_in`"
        );
        let expanded = available_in_const(Some(&[parse_quote!("10.0.2")])).to_string();
        assert!(expanded.contains("AVAILABLE_IN"), "{expanded}");
        assert!(available_in_const(None).is_empty());
    }
}

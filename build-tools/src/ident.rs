//! Rust identifiers from QMP wire names: the one place that sanitises names.
//!
//! QAPI names (members, enum values, commands, events) may contain `-`, `_`, `.` and `+`,
//! start with a digit (`"0"`, `"3des"`), be Rust keywords (`type`, `in`, `self`) or carry a
//! downstream prefix (`__com.redhat_foo`). The functions here turn any string into a valid,
//! warning-free Rust identifier:
//!
//! 1. Every character that is not an ASCII letter or digit separates words (so `.`, `+` and
//!    non-ASCII letters are separators, like `-` and `_`); [`heck`] then converts the words to
//!    `snake_case` ([`field_ident`]) or `UpperCamelCase` ([`variant_ident`], [`upper_camel`]).
//! 2. A name with no word left (`""`, `"-"`, `"é"`) becomes `empty` / `Empty` when the wire name
//!    is empty, else `x` / `X` followed by the hex of its UTF-8 bytes (`"+"` → `x2b` / `X2B`).
//! 3. A leading digit gets a `_` prefix (`"3des"` → `_3des`).
//! 4. Keywords: `self`, `Self`, `super` and `crate` cannot be raw identifiers and get a `_`
//!    suffix (`self_`, `Self_`); every other keyword becomes a raw identifier (`r#type`).
//!
//! Different wire names can map to the same identifier (`a_b` and `a-b`); [`unique_idents`]
//! resolves that deterministically. The wire name itself is always kept by the caller through
//! `#[serde(rename = "…")]` / `#[qmp(rename = "…")]`, so the identifier is free to differ.

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::{Ident, Span};

/// Every strict and reserved keyword of Rust editions 2015–2024; such identifiers must be raw
/// (`r#type`) or, for the four in [`NOT_RAW`], changed.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers; they get a `_` suffix instead.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate"];

/// Whether `text` is a Rust keyword (strict or reserved, any edition).
pub fn is_keyword(text: &str) -> bool {
    KEYWORDS.contains(&text)
}

/// The `snake_case` field identifier for a member's wire name.
///
/// `"node-name"` → `node_name`, `"type"` → `r#type`, `"self"` → `self_`, `"0"` → `_0`,
/// `"__com.redhat_foo"` → `com_redhat_foo`, `"+"` → `x2b`.
pub fn field_ident(wire: &str) -> Ident {
    let words = sanitize(wire).to_snake_case();
    let text = if words.is_empty() {
        fallback(wire).to_ascii_lowercase()
    } else {
        words
    };
    make_ident(digit_prefix(text))
}

/// The `UpperCamelCase` variant identifier for an enum value's (or event's) wire name.
///
/// `"running"` → `Running`, `"3des"` → `_3des`, `"x86_64"` → `X8664`,
/// `"__com.redhat_foo"` → `ComRedhatFoo`, `"Self"` → `Self_`.
pub fn variant_ident(wire: &str) -> Ident {
    make_ident(digit_prefix(upper_camel(wire)))
}

/// The `UpperCamelCase` text of a wire name, never empty, possibly starting with a digit.
///
/// This is the word piece type names are built from (see [`crate::naming`]): it follows the
/// rules of the [module documentation](self) except the leading-digit prefix and keywords,
/// which only matter at the start of an identifier.
pub fn upper_camel(wire: &str) -> String {
    let words = sanitize(wire).to_upper_camel_case();
    if words.is_empty() {
        fallback(wire)
    } else {
        words
    }
}

/// The identifiers `f` gives `wires`, made pairwise distinct.
///
/// When several wire names map to the same identifier, the one spelled exactly like the
/// identifier keeps it (`a_b` among `a_b` and `a-b` for fields), otherwise the smallest wire
/// name in byte order; the others get the smallest number ≥ 2 appended that makes them
/// unique (`a_b2`), taken in byte order of their wire names. The result therefore does not
/// depend on the order of `wires`, only on the set; equal wire names are told apart by their
/// position.
pub fn unique_idents(wires: &[&str], f: fn(&str) -> Ident) -> Vec<Ident> {
    let idents: Vec<Ident> = wires.iter().map(|wire| f(wire)).collect();
    let texts: Vec<String> = idents.iter().map(unraw_text).collect();
    let mut order: Vec<usize> = (0..wires.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| (&texts[i], texts[i] != wires[i], wires[i], i);
        key(a).cmp(&key(b))
    });
    let mut used: std::collections::BTreeSet<String> = texts.iter().cloned().collect();
    let mut out = idents;
    for pair in order.windows(2) {
        let (previous, i) = (pair[0], pair[1]);
        if texts[previous] == texts[i] {
            let mut n = 2usize;
            while used.contains(&format!("{}{n}", texts[i])) {
                n += 1;
            }
            let text = format!("{}{n}", texts[i]);
            used.insert(text.clone());
            out[i] = make_ident(text);
        }
    }
    out
}

/// Whether `text` is a valid, non-raw Rust identifier made of ASCII characters that is not a
/// keyword (what a user-chosen type name must be).
pub fn is_plain_ident(text: &str) -> bool {
    let mut chars = text.chars();
    let starts_well = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_');
    starts_well
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && text != "_"
        && !is_keyword(text)
}

/// The identifier text without a raw `r#` prefix.
fn unraw_text(ident: &Ident) -> String {
    let text = ident.to_string();
    match text.strip_prefix("r#") {
        Some(rest) => rest.to_owned(),
        None => text,
    }
}

/// `wire` with every character other than an ASCII letter or digit replaced by a separator.
fn sanitize(wire: &str) -> String {
    wire.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// The `UpperCamelCase` stand-in for a wire name without letters or digits.
fn fallback(wire: &str) -> String {
    if wire.is_empty() {
        "Empty".to_owned()
    } else {
        let hex: String = wire.bytes().map(|b| format!("{b:02X}")).collect();
        format!("X{hex}")
    }
}

/// `text` with a `_` in front when it starts with a digit.
fn digit_prefix(text: String) -> String {
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{text}")
    } else {
        text
    }
}

/// The identifier for `text` (ASCII letters, digits and `_`, not starting with a digit, not
/// `_` alone): raw for keywords, `_`-suffixed for keywords that cannot be raw.
fn make_ident(text: String) -> Ident {
    if NOT_RAW.contains(&text.as_str()) {
        Ident::new(&format!("{text}_"), Span::call_site())
    } else if is_keyword(&text) {
        Ident::new_raw(&text, Span::call_site())
    } else {
        Ident::new(&text, Span::call_site())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(ident: Ident) -> String {
        ident.to_string()
    }

    #[test]
    fn fields_are_snake_case() {
        assert_eq!(text(field_ident("node-name")), "node_name");
        assert_eq!(text(field_ident("x-perf")), "x_perf");
        assert_eq!(text(field_ident("CamelCase")), "camel_case");
        assert_eq!(text(field_ident("x86_64")), "x86_64");
    }

    #[test]
    fn field_keywords_are_raw_or_suffixed() {
        assert_eq!(text(field_ident("type")), "r#type");
        assert_eq!(text(field_ident("in")), "r#in");
        assert_eq!(text(field_ident("match")), "r#match");
        assert_eq!(text(field_ident("static")), "r#static");
        assert_eq!(text(field_ident("gen")), "r#gen");
        assert_eq!(text(field_ident("self")), "self_");
        assert_eq!(text(field_ident("super")), "super_");
        assert_eq!(text(field_ident("crate")), "crate_");
    }

    #[test]
    fn leading_digits_get_an_underscore() {
        assert_eq!(text(field_ident("0")), "_0");
        assert_eq!(text(field_ident("3des")), "_3des");
        assert_eq!(text(variant_ident("0")), "_0");
        assert_eq!(text(variant_ident("3des")), "_3des");
        assert_eq!(text(variant_ident("3des-cbc")), "_3desCbc");
    }

    #[test]
    fn downstream_dots_and_plus_are_separators() {
        assert_eq!(text(field_ident("__com.redhat_foo")), "com_redhat_foo");
        assert_eq!(text(variant_ident("__com.redhat_foo")), "ComRedhatFoo");
        assert_eq!(text(variant_ident("sha3+256")), "Sha3256");
        assert_eq!(text(variant_ident("a.b")), "AB");
    }

    #[test]
    fn variants_are_upper_camel_case() {
        assert_eq!(text(variant_ident("running")), "Running");
        assert_eq!(text(variant_ident("postmigrate")), "Postmigrate");
        assert_eq!(
            text(variant_ident("BLOCK_JOB_COMPLETED")),
            "BlockJobCompleted"
        );
        assert_eq!(text(variant_ident("x86_64")), "X8664");
        assert_eq!(text(variant_ident("Self")), "Self_");
        assert_eq!(text(variant_ident("self")), "Self_");
    }

    #[test]
    fn names_without_words_fall_back_to_hex() {
        assert_eq!(text(field_ident("")), "empty");
        assert_eq!(text(field_ident("+")), "x2b");
        assert_eq!(text(field_ident("_")), "x5f");
        assert_eq!(text(variant_ident("")), "Empty");
        assert_eq!(text(variant_ident("-")), "X2D");
        assert_eq!(text(variant_ident("é")), "XC3A9");
        assert_eq!(upper_camel("é"), "XC3A9");
    }

    #[test]
    fn non_ascii_letters_separate_words() {
        assert_eq!(text(field_ident("aéb")), "a_b");
        assert_eq!(text(variant_ident("aéb")), "AB");
    }

    #[test]
    fn every_ident_round_trips_through_syn() {
        let wires = [
            "",
            "_",
            "__",
            "0",
            "9lives",
            "type",
            "self",
            "Self",
            "super",
            "crate",
            "in",
            "a.b+c",
            "__org.example_x-y",
            "é",
            "-",
            "r#type",
            "async",
            "union",
            "UPPER",
            "mIxEd-Case",
        ];
        for wire in wires {
            for ident in [field_ident(wire), variant_ident(wire)] {
                let parsed = syn::parse_str::<syn::Ident>(&ident.to_string());
                assert!(parsed.is_ok(), "{wire:?} gave invalid identifier {ident}");
            }
        }
    }

    #[test]
    fn unique_idents_prefers_the_exact_spelling() {
        let idents = unique_idents(&["a-b", "a_b"], field_ident);
        let texts: Vec<String> = idents.into_iter().map(text).collect();
        assert_eq!(texts, ["a_b2", "a_b"]);
    }

    #[test]
    fn unique_idents_is_independent_of_order() {
        let forward: Vec<String> = unique_idents(&["a.b", "a-b", "A_B"], field_ident)
            .into_iter()
            .map(text)
            .collect();
        let backward: Vec<String> = unique_idents(&["A_B", "a-b", "a.b"], field_ident)
            .into_iter()
            .map(text)
            .collect();
        assert_eq!(forward, ["a_b3", "a_b2", "a_b"]);
        assert_eq!(backward, ["a_b", "a_b2", "a_b3"]);
    }

    #[test]
    fn unique_idents_skips_numbers_already_taken() {
        let texts: Vec<String> = unique_idents(&["a-b", "a_b", "a_b2"], field_ident)
            .into_iter()
            .map(text)
            .collect();
        assert_eq!(texts, ["a_b3", "a_b", "a_b2"]);
    }

    #[test]
    fn unique_idents_unraws_before_numbering() {
        let texts: Vec<String> = unique_idents(&["type", "TYPE"], field_ident)
            .into_iter()
            .map(text)
            .collect();
        assert_eq!(texts, ["r#type", "type2"]);
    }

    #[test]
    fn unique_idents_keeps_distinct_names() {
        let texts: Vec<String> = unique_idents(&["running", "paused"], variant_ident)
            .into_iter()
            .map(text)
            .collect();
        assert_eq!(texts, ["Running", "Paused"]);
    }

    #[test]
    fn plain_idents() {
        assert!(is_plain_ident("StatusInfo"));
        assert!(is_plain_ident("_3des"));
        assert!(!is_plain_ident("3des"));
        assert!(!is_plain_ident("_"));
        assert!(!is_plain_ident("type"));
        assert!(!is_plain_ident("Self"));
        assert!(!is_plain_ident("a-b"));
        assert!(!is_plain_ident(""));
    }
}

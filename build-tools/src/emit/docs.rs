//! Rustdoc text of generated items: wire name, schema path, allow-oob and features; and the
//! table that keeps that text out of the token stream until the code is formatted.

use std::cell::RefCell;

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::is_unstable;

/// What a placeholder doc attribute holds before its table index. Real doc lines never
/// start like this: each starts with a space, or is empty.
pub(crate) const PLACEHOLDER: &str = "qmp-build-tools-doc#";

/// The doc comments of a run of items, kept out of their tokens: each item's comment is one
/// placeholder attribute in the tokens and its finished `///` lines here, spliced into the
/// formatted text by [`crate::format`]. Formatting thousands of doc lines as attributes
/// (a string literal each, escaped, parsed back and printed) would cost more than the rest
/// of the output together.
#[derive(Debug, Default)]
pub(crate) struct DocTable {
    /// The `///` lines of each comment, `\n`-terminated, by placeholder index.
    comments: RefCell<Vec<String>>,
}

impl DocTable {
    /// A placeholder `#[doc]` attribute standing for `lines` (none for no lines). Each line
    /// becomes one `/// line` (a line holding line breaks, several), trailing spaces removed
    /// (as `prettyplease` prints a `#[doc]` line).
    pub(crate) fn attrs(&self, lines: &[String]) -> TokenStream {
        if lines.is_empty() {
            return TokenStream::new();
        }
        let mut comment = String::with_capacity(lines.iter().map(|l| l.len() + 5).sum());
        for line in lines.iter().flat_map(|line| line.split('\n')) {
            let line = line.trim_end_matches(' ');
            comment.push_str("///");
            if !line.is_empty() {
                comment.push(' ');
                comment.push_str(line);
            }
            comment.push('\n');
        }
        let mut comments = self.comments.borrow_mut();
        let placeholder = format!("{PLACEHOLDER}{}", comments.len());
        comments.push(comment);
        quote! { #[doc = #placeholder] }
    }

    /// The comments, by placeholder index.
    pub(crate) fn into_comments(self) -> Vec<String> {
        self.comments.into_inner()
    }
}

/// The features line of an item, with the meaning of the well-known ones; empty when the item
/// has no features and is not unstable by name.
pub(crate) fn features(name: &str, features: &[String]) -> Vec<String> {
    let mut lines = Vec::new();
    if !features.is_empty() {
        let list: Vec<String> = features.iter().map(|f| format!("`{f}`")).collect();
        lines.push(format!("Features: {}.", list.join(", ")));
    }
    if features.iter().any(|f| f == "deprecated") {
        lines.push("**Deprecated** by QEMU: avoid; it will be removed.".to_owned());
    }
    if is_unstable(name, features) {
        lines.push(
            "**Unstable** (`unstable` feature or `x-` name): may change or disappear without \
             notice; excluded by `exclude_unstable`."
                .to_owned(),
        );
    }
    lines
}

/// The "where it comes from" line of a type: its QEMU name when known, and the first schema
/// path reaching it (masked schema names change with every release, so they stay out).
pub(crate) fn schema_origin(qemu_name: Option<&str>, meta: &str, path: Option<&str>) -> String {
    let what = match qemu_name {
        Some(name) => format!("QAPI {meta} `{name}`"),
        None => format!("Schema {meta}"),
    };
    match path {
        Some(path) => format!("{what}, first reached at `{path}`."),
        None => format!("{what} (reached from no command or event)."),
    }
}

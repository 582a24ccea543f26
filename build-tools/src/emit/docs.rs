//! Rustdoc text of generated items: wire name, schema path, allow-oob and features.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::is_unstable;

/// `#[doc = "..."]` attributes, one per line, each line starting with a space like `///`.
pub(crate) fn attrs(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|line| {
        if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        }
    });
    quote! { #( #[doc = #lines] )* }
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

//! What both layouts share when reading a definition's lists: type expressions as the
//! manuals write them, "The members of X" / "… when tag is value" lines, and the
//! placeholder text QEMU writes for undocumented members.

use super::model::{Branch, TypeExpr};

/// A line of a member list that is not a member: an included base, or a union branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Inclusion {
    /// "The members of `X`": unconditional.
    Base(String),
    /// "When `tag` is `value`: The members of `X`" (10.0) or
    /// "The members of `X` when `tag` is `"value"`" (7.2).
    Branch(Branch),
}

/// Reads a "The members of …" line (plain text); `None` when the line is something else.
pub(super) fn inclusion(line: &str) -> Option<Inclusion> {
    let line = line.trim().trim_end_matches('.');
    if let Some(rest) = line.strip_prefix("When ") {
        let (condition, type_name) = rest.split_once(": The members of ")?;
        let (tag, value) = condition.split_once(" is ")?;
        return Some(Inclusion::Branch(Branch {
            tag: word(tag)?,
            value: unquote(value.trim()).to_owned(),
            type_name: word(type_name)?,
        }));
    }
    let rest = line.strip_prefix("The members of ")?;
    match rest.split_once(" when ") {
        Some((type_name, condition)) => {
            let (tag, value) = condition.split_once(" is ")?;
            Some(Inclusion::Branch(Branch {
                tag: word(tag)?,
                value: unquote(value.trim()).to_owned(),
                type_name: word(type_name)?,
            }))
        }
        None => Some(Inclusion::Base(word(rest)?)),
    }
}

/// A type as written: `[T]` (10.0), `array of T` (7.2), or a name; QEMU writes the builtin
/// `any` as `value`, which is read back as `any`. `None` if it is not a type.
pub(super) fn type_expr(text: &str) -> Option<TypeExpr> {
    let text = text.trim();
    if let Some(inner) = text
        .strip_prefix('[')
        .and_then(|inner| inner.strip_suffix(']'))
        .or_else(|| text.strip_prefix("array of "))
    {
        return type_expr(inner).map(|element| TypeExpr::Array(Box::new(element)));
    }
    let name = word(text)?;
    Some(TypeExpr::Named(if name == "value" {
        "any".to_owned()
    } else {
        name
    }))
}

/// A QAPI name: letters, digits, `-`, `_`, `.` (no spaces).
pub(super) fn word(text: &str) -> Option<String> {
    let text = text.trim();
    let valid = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+' | ':'));
    valid.then(|| text.to_owned())
}

/// QEMU's placeholder for an undocumented member, read as no documentation.
pub(super) fn documented(markdown: String) -> String {
    if markdown.trim() == "Not documented" {
        String::new()
    } else {
        markdown
    }
}

fn unquote(text: &str) -> &str {
    text.strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branch(tag: &str, value: &str, type_name: &str) -> Option<Inclusion> {
        Some(Inclusion::Branch(Branch {
            tag: tag.to_owned(),
            value: value.to_owned(),
            type_name: type_name.to_owned(),
        }))
    }

    #[test]
    fn both_layouts_of_inclusions() {
        assert_eq!(
            inclusion("The members of QCryptoBlockInfoBase."),
            Some(Inclusion::Base("QCryptoBlockInfoBase".to_owned()))
        );
        assert_eq!(
            inclusion("When format is luks: The members of QCryptoBlockInfoLUKS."),
            branch("format", "luks", "QCryptoBlockInfoLUKS")
        );
        assert_eq!(
            inclusion("The members of InetSocketAddressWrapper when type is \"inet\""),
            branch("type", "inet", "InetSocketAddressWrapper")
        );
        assert_eq!(inclusion("the device name"), None);
    }

    #[test]
    fn type_expressions() {
        let named = |name: &str| TypeExpr::Named(name.to_owned());
        assert_eq!(
            type_expr("[BlockInfo]"),
            Some(TypeExpr::Array(Box::new(named("BlockInfo"))))
        );
        assert_eq!(
            type_expr("array of int"),
            Some(TypeExpr::Array(Box::new(named("int"))))
        );
        assert_eq!(type_expr("value"), Some(named("any")));
        assert_eq!(type_expr("a list of things"), None);
    }
}

//! QMP naming conventions: experimental names (`x-` prefix) and downstream extensions
//! (`__RFQDN_` prefix, e.g. `__org.linux-kvm_enable_irqchip`), from the specification's
//! "Compatibility Considerations" and "Downstream extension of QMP" sections.
//!
//! ```
//! use qmp_types::names::QmpName;
//! let name = QmpName::parse("__com.redhat_x-drive-backup").unwrap();
//! assert_eq!(name.downstream_domain(), Some("com.redhat"));
//! assert_eq!(name.base(), "x-drive-backup");
//! assert!(name.is_experimental() && name.is_downstream());
//! ```

/// A command, event, type or member name split into its convention parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QmpName<'a> {
    full: &'a str,
    domain: Option<&'a str>,
    base: &'a str,
}

/// Why a string is not a well-formed QMP name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    #[error("a QMP name cannot be empty")]
    Empty,
    /// A `__` name without the `_` that ends the reverse domain name.
    #[error(
        "downstream name `{name}` lacks the `_` after its reverse domain name (`__RFQDN_name`)"
    )]
    MissingSeparator {
        /// The name.
        name: String,
    },
    /// A `__RFQDN_` prefix whose domain is not a reverse fully qualified domain name.
    #[error("downstream name `{name}` has an invalid reverse domain name `{domain}`")]
    InvalidDomain {
        /// The name.
        name: String,
        /// The domain part.
        domain: String,
    },
    /// Nothing follows the `__RFQDN_` prefix.
    #[error("downstream name `{name}` has nothing after its `__{domain}_` prefix")]
    EmptyBase {
        /// The name.
        name: String,
        /// The domain part.
        domain: String,
    },
}

impl<'a> QmpName<'a> {
    /// Splits `name` into its optional downstream domain and its base name.
    ///
    /// # Errors
    /// [`NameError`] for an empty name or a malformed `__RFQDN_` prefix.
    pub fn parse(name: &'a str) -> Result<QmpName<'a>, NameError> {
        if name.is_empty() {
            return Err(NameError::Empty);
        }
        let Some(rest) = name.strip_prefix("__") else {
            return Ok(QmpName {
                full: name,
                domain: None,
                base: name,
            });
        };
        // Domain labels cannot contain `_`, so the first one ends the domain.
        let (domain, base) = rest
            .split_once('_')
            .ok_or_else(|| NameError::MissingSeparator {
                name: name.to_owned(),
            })?;
        if !is_reverse_domain(domain) {
            return Err(NameError::InvalidDomain {
                name: name.to_owned(),
                domain: domain.to_owned(),
            });
        }
        if base.is_empty() {
            return Err(NameError::EmptyBase {
                name: name.to_owned(),
                domain: domain.to_owned(),
            });
        }
        Ok(QmpName {
            full: name,
            domain: Some(domain),
            base,
        })
    }

    /// The whole name as given.
    pub fn as_str(&self) -> &'a str {
        self.full
    }

    /// The reverse domain name of a downstream name (`org.linux-kvm`), `None` upstream.
    pub fn downstream_domain(&self) -> Option<&'a str> {
        self.domain
    }

    /// The name without its downstream prefix.
    pub fn base(&self) -> &'a str {
        self.base
    }

    /// Whether the name is a downstream extension (`__RFQDN_...`).
    pub fn is_downstream(&self) -> bool {
        self.domain.is_some()
    }

    /// Whether the name is experimental: its base starts with `x-` (upstream `x-foo` or
    /// downstream `__RFQDN_x-foo`). Experimental names may change or vanish in any release.
    pub fn is_experimental(&self) -> bool {
        self.base.starts_with("x-")
    }
}

/// Whether `name` is experimental (`x-...` or `__RFQDN_x-...`); malformed names are not.
pub fn is_experimental(name: &str) -> bool {
    QmpName::parse(name).is_ok_and(|n| n.is_experimental())
}

/// Whether `name` is a well-formed downstream extension name (`__RFQDN_...`).
pub fn is_downstream(name: &str) -> bool {
    QmpName::parse(name).is_ok_and(|n| n.is_downstream())
}

/// Builds the downstream name `__{domain}_{base}`.
///
/// # Errors
/// [`NameError`] when `domain` is not a reverse domain name or `base` is empty.
pub fn downstream_name(domain: &str, base: &str) -> Result<String, NameError> {
    let name = format!("__{domain}_{base}");
    QmpName::parse(&name)?;
    Ok(name)
}

/// Two or more dot-separated labels of ASCII letters, digits and inner hyphens.
fn is_reverse_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_names() {
        let name = QmpName::parse("query-status").unwrap();
        assert!(!name.is_downstream() && !name.is_experimental());
        assert_eq!(name.base(), "query-status");
        assert!(is_experimental("x-query-virtio"));
        assert!(!is_downstream("x-query-virtio"));
    }

    #[test]
    fn downstream_names() {
        let name = QmpName::parse("__org.linux-kvm_enable_irqchip").unwrap();
        assert_eq!(name.downstream_domain(), Some("org.linux-kvm"));
        assert_eq!(name.base(), "enable_irqchip");
        assert!(!name.is_experimental());
        assert_eq!(name.as_str(), "__org.linux-kvm_enable_irqchip");
        assert_eq!(
            downstream_name("com.example", "frob").unwrap(),
            "__com.example_frob"
        );
    }

    #[test]
    fn malformed_names() {
        assert_eq!(QmpName::parse(""), Err(NameError::Empty));
        assert!(matches!(
            QmpName::parse("__nodomain"),
            Err(NameError::MissingSeparator { .. })
        ));
        assert!(matches!(
            QmpName::parse("__localhost_foo"),
            Err(NameError::InvalidDomain { .. })
        ));
        assert!(matches!(
            QmpName::parse("__org.-bad_foo"),
            Err(NameError::InvalidDomain { .. })
        ));
        assert!(matches!(
            QmpName::parse("__org.example_"),
            Err(NameError::EmptyBase { .. })
        ));
        assert!(downstream_name("nodots", "x").is_err());
        assert!(!is_downstream("__bad"));
    }
}

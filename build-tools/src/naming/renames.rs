//! User renames: which slot each key of the `renames` map denotes, and whether the chosen
//! names are usable.

use std::collections::BTreeMap;

use super::assign::RESERVED;
use super::graph::Graph;
use super::NamingError;
use crate::ident::is_plain_ident;

/// Resolves `renames` (schema name or default Rust name → chosen Rust name) to the chosen
/// name of each renamed slot; `default_names` are the names of an assignment without renames.
pub(super) fn resolve(
    graph: &Graph<'_>,
    default_names: &[String],
    renames: &BTreeMap<String, String>,
) -> Result<BTreeMap<usize, String>, NamingError> {
    let by_default_name: BTreeMap<&str, usize> = default_names
        .iter()
        .enumerate()
        .map(|(slot, name)| (name.as_str(), slot))
        .collect();
    let mut forced: BTreeMap<usize, (&str, &str)> = BTreeMap::new();
    let mut owners: BTreeMap<&str, (&str, usize)> = BTreeMap::new();
    for (key, value) in renames {
        let slot = match graph.index.get(key.as_str()) {
            Some(&i) => graph.slot_of[i].ok_or_else(|| NamingError::NotRenamable {
                key: key.clone(),
                meta_type: graph.entries[i].kind.meta_type(),
            })?,
            None => *by_default_name
                .get(key.as_str())
                .ok_or_else(|| NamingError::UnknownRename { key: key.clone() })?,
        };
        if !is_plain_ident(value) {
            return Err(NamingError::InvalidRename {
                key: key.clone(),
                value: value.clone(),
            });
        }
        if RESERVED.contains(&value.as_str()) {
            return Err(NamingError::ReservedRename {
                key: key.clone(),
                value: value.clone(),
            });
        }
        if let Some(&(first_key, first_value)) = forced.get(&slot) {
            if first_value != value {
                return Err(NamingError::ConflictingRenames {
                    first_key: first_key.to_owned(),
                    first_value: first_value.to_owned(),
                    second_key: key.clone(),
                    second_value: value.clone(),
                });
            }
        }
        if let Some(&(first_key, other)) = owners.get(value.as_str()) {
            if other != slot {
                return Err(NamingError::DuplicateRename {
                    value: value.clone(),
                    first_key: first_key.to_owned(),
                    second_key: key.clone(),
                });
            }
        }
        forced.insert(slot, (key, value));
        owners.insert(value, (key, slot));
    }
    Ok(forced
        .into_iter()
        .map(|(slot, (_, value))| (slot, value.to_owned()))
        .collect())
}

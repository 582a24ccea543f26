//! QEMU's reference manual for `help`: which manual (given with `--reference`, or the one
//! the started program's installation ships), read off the start-up path, and turned into
//! [`Docs`] with QEMU's names of the live schema's masked types.

use std::path::{Path, PathBuf};

use qmp_build_tools::naming::reference::match_manual;
use qmp_build_tools::reference::{self, companion, Definition, Manual, Program};
use qmp_types::introspection::SchemaInfo;

use crate::docs::{DocEntry, Docs};

/// The manual that documents the program at `binary`, as its installation ships it
/// (`<prefix>/share/man/man7`); the storage daemon's for `qemu-storage-daemon`.
pub fn installed_for(binary: &Path) -> Option<PathBuf> {
    let name = binary.file_name()?.to_string_lossy();
    let program = if name.contains("storage-daemon") {
        Program::StorageDaemon
    } else {
        Program::SystemEmulator
    };
    companion::installed_manual(binary, program)
}

/// Reads the manual at `path`.
///
/// # Errors
/// The reader's error, naming the file (and line, for a file that is no manual).
pub fn read(path: &Path) -> qmp_build_tools::Result<Manual> {
    reference::read(path)
}

/// The documentation `help` shows: every definition of `manual`, and QEMU's names of the
/// masked types of `entries` (the live schema) where the manual's structure matches.
pub fn docs_from(manual: &Manual, entries: &[SchemaInfo]) -> Docs {
    let mut docs = Docs::default();
    for def in manual.definitions.values() {
        docs.insert(def.name.clone(), entry_of(manual, def));
    }
    for (schema, qemu) in match_manual(entries, manual).names {
        docs.name_type(&schema, &qemu);
    }
    docs
}

/// One definition as a help entry: its own and its bases' member docs included.
fn entry_of(manual: &Manual, def: &Definition) -> DocEntry {
    let mut entry = DocEntry {
        since: def.since.clone(),
        text: def.doc.clone(),
        returns: def
            .returns
            .as_ref()
            .map(|r| r.doc.clone())
            .filter(|d| !d.is_empty()),
        ..DocEntry::default()
    };
    // Own members come last, so their docs win over inherited ones of the same name.
    for member in manual.members_of(def) {
        if !member.doc.is_empty() {
            entry
                .members
                .insert(member.name.clone(), member.doc.clone());
        }
    }
    for feature in &def.features {
        entry
            .features
            .insert(feature.name.clone(), feature.doc.clone());
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_manual_documents_query_block_and_names_block_info() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
        let manual = read(&root.join("qemu-10.0.2-x86_64.ref.7.gz")).expect("bundled manual");
        let json = std::fs::read_to_string(root.join("qemu-10.0.2-x86_64.json")).expect("schema");
        let entries: Vec<SchemaInfo> = serde_json::from_str(&json).expect("entries");
        let docs = docs_from(&manual, &entries);
        let query = docs.get("query-block").expect("query-block documented");
        assert!(query.text.contains("BlockInfo"), "{}", query.text);
        assert_eq!(query.since.as_deref(), Some("0.14"));
        let block_info = docs.schema_type("BlockInfo").expect("BlockInfo named");
        assert_eq!(docs.qemu_name(block_info), Some("BlockInfo"));
        let info = docs.type_doc(block_info).expect("BlockInfo documented");
        assert!(info.members["removable"].contains("removable media"));
        // Members of a base: `blockdev-add`'s `node-name` is in BlockdevOptions.
        let options = docs.get("BlockdevOptions").expect("BlockdevOptions");
        assert!(options.members.contains_key("node-name"));
    }

    #[test]
    fn installed_manuals_follow_the_binary() {
        assert_eq!(
            installed_for(Path::new("/nonexistent/bin/qemu-system-x86_64")),
            None
        );
    }
}

//! Which manual belongs to a schema or to an installed QEMU program, and whether it is of
//! the schema's QEMU release.
//!
//! QEMU's packages install the manuals under the same prefix as the programs
//! (`<prefix>/bin/qemu-system-x86_64` → `<prefix>/share/man/man7/qemu-qmp-ref.7.gz`).
//! `qmp-codegen capture` stores the manual beside the schema it captures: `X.json` gets
//! `X.ref.7.gz` (or `X.ref.7` for an uncompressed manual), so a `build.rs` that generates
//! from `X.json` finds QEMU's names and docs without any QEMU installed.

use std::path::{Path, PathBuf};

use qmp_types::introspection::{SchemaInfo, SchemaInfoKind};

use super::{Manual, Program};

/// The endings of a manual stored beside a schema, preferred first.
pub const COMPANION_ENDINGS: [&str; 2] = [".ref.7.gz", ".ref.7"];

/// The manual stored beside `schema` (`X.json` → `X.ref.7.gz` or `X.ref.7`), if one exists.
pub fn companion_of(schema: &Path) -> Option<PathBuf> {
    COMPANION_ENDINGS
        .iter()
        .map(|ending| companion_path(schema, ending))
        .find(|path| path.is_file())
}

/// The file name (without `.gz`) of the manual documenting `program`.
pub fn man_page_name(program: Program) -> &'static str {
    match program {
        Program::SystemEmulator => "qemu-qmp-ref.7",
        Program::StorageDaemon => "qemu-storage-daemon-qmp-ref.7",
        Program::GuestAgent => "qemu-ga-ref.7",
    }
}

/// The manual documenting `program` that the installation of `binary` ships: in
/// `<prefix>/share/man/man7` where `binary` is `<prefix>/bin/NAME` (looked up for the path as
/// given, then with links resolved), compressed or not.
pub fn installed_manual(binary: &Path, program: Program) -> Option<PathBuf> {
    let resolved = std::fs::canonicalize(binary).ok();
    let name = man_page_name(program);
    [Some(binary.to_owned()), resolved]
        .into_iter()
        .flatten()
        .filter_map(|path| Some(path.parent()?.parent()?.join("share/man/man7")))
        .flat_map(|dir| [dir.join(format!("{name}.gz")), dir.join(name)])
        .find(|path| path.is_file())
}

/// Whether `bytes` start like a gzip stream.
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// The path of the manual with `ending` (one of [`COMPANION_ENDINGS`]) beside `schema`.
pub fn companion_path(schema: &Path, ending: &str) -> PathBuf {
    let name = schema
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".json").unwrap_or(&name);
    schema.with_file_name(format!("{stem}{ending}"))
}

/// The QEMU release of a schema file: the `qemu.major.minor.micro` of the `query-version`
/// sidecar beside it (`X.version`), else the first dotted number in its file name
/// (`qemu-10.0.2-x86_64.json` → `10.0.2`).
pub fn schema_release(schema: &Path) -> Option<String> {
    let sidecar = schema.with_extension("version");
    if let Ok(text) = std::fs::read_to_string(sidecar) {
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) {
            let qemu = &value["qemu"];
            let part = |key: &str| qemu[key].as_u64();
            if let (Some(major), Some(minor), Some(micro)) =
                (part("major"), part("minor"), part("micro"))
            {
                return Some(format!("{major}.{minor}.{micro}"));
            }
        }
    }
    let name = schema.file_name()?.to_string_lossy().into_owned();
    release_in_name(&name)
}

/// The first dotted release number in a file name (`qemu-7.2.22-x86_64.json` → `7.2.22`).
pub fn release_in_name(name: &str) -> Option<String> {
    name.split(['-', '_'])
        .find(|part| {
            part.contains('.')
                && part.starts_with(|c: char| c.is_ascii_digit())
                && part.split('.').take(2).all(|n| n.parse::<u64>().is_ok())
        })
        .map(|part| {
            part.split('.')
                .map_while(|n| n.parse::<u64>().ok())
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(".")
        })
}

/// A warning when `manual` documents another QEMU release than `release` (the schema's);
/// `None` when they agree or either is unknown. The manual is still used: names and docs
/// are taken only where the structure matches.
pub fn release_mismatch(manual: &Manual, release: Option<&str>) -> Option<String> {
    let (Some(documented), Some(release)) = (manual.version.as_deref(), release) else {
        return None;
    };
    (documented != release).then(|| {
        format!(
            "{}: the manual documents QEMU {documented}, the schema is QEMU {release}; \
             names and docs are taken only where they match the schema",
            manual.source
        )
    })
}

/// The program a schema comes from, by the commands only that program has: a system
/// emulator has `query-target`, the guest agent `guest-sync-delimited`; any other QMP
/// server (`qemu-storage-daemon`) counts as the storage daemon.
pub fn schema_program(entries: &[SchemaInfo]) -> Program {
    let has = |name: &str| {
        entries
            .iter()
            .any(|e| e.name == name && matches!(e.kind, SchemaInfoKind::Command { .. }))
    };
    if has("query-target") {
        Program::SystemEmulator
    } else if has("guest-sync-delimited") {
        Program::GuestAgent
    } else {
        Program::StorageDaemon
    }
}

/// A warning when `manual` documents another program than the one `entries` come from;
/// the manual is still used where its definitions match the schema.
pub fn program_mismatch(manual: &Manual, entries: &[SchemaInfo]) -> Option<String> {
    let schema = schema_program(entries);
    (manual.program != schema).then(|| {
        format!(
            "{}: the manual documents {}, the schema is of {}; names and docs are taken \
             only where they match the schema",
            manual.source,
            program_name(manual.program),
            program_name(schema)
        )
    })
}

/// How messages name a program.
pub fn program_name(program: Program) -> &'static str {
    match program {
        Program::SystemEmulator => "a system emulator (qemu-system-*)",
        Program::StorageDaemon => "qemu-storage-daemon",
        Program::GuestAgent => "the guest agent (qemu-ga)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companion_paths_replace_the_json_ending() {
        let schema = Path::new("/s/qemu-10.0.2-x86_64.json");
        assert_eq!(
            companion_path(schema, ".ref.7.gz"),
            Path::new("/s/qemu-10.0.2-x86_64.ref.7.gz")
        );
        assert_eq!(
            companion_path(Path::new("plain"), ".ref.7"),
            Path::new("plain.ref.7")
        );
    }

    #[test]
    fn installed_manuals_are_found_under_the_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("usr/bin");
        let man = dir.path().join("usr/share/man/man7");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::create_dir_all(&man).unwrap();
        let binary = bin.join("qemu-system-aarch64");
        std::fs::write(&binary, "").unwrap();
        assert_eq!(installed_manual(&binary, Program::SystemEmulator), None);
        std::fs::write(man.join("qemu-qmp-ref.7"), "").unwrap();
        assert_eq!(
            installed_manual(&binary, Program::SystemEmulator),
            Some(man.join("qemu-qmp-ref.7"))
        );
        std::fs::write(man.join("qemu-qmp-ref.7.gz"), "").unwrap();
        assert_eq!(
            installed_manual(&binary, Program::SystemEmulator),
            Some(man.join("qemu-qmp-ref.7.gz"))
        );
        assert_eq!(installed_manual(&binary, Program::StorageDaemon), None);
    }

    #[test]
    fn releases_come_from_file_names() {
        assert_eq!(
            release_in_name("qemu-7.2.22-x86_64.json").as_deref(),
            Some("7.2.22")
        );
        assert_eq!(
            release_in_name("qemu-10.0.2-storage-daemon.json").as_deref(),
            Some("10.0.2")
        );
        assert_eq!(release_in_name("schema.json"), None);
    }
}

//! QEMU's reference manuals, both layouts, read from the compressed copies in the repository
//! (the system emulators' and the guest agent's beside the bundled schemas, the storage
//! daemon's under `tests/fixtures/manuals`), from the installed files, and from broken input.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use qmp_build_tools::reference::{
    self, Branch, Definition, DefinitionKind, Manual, Member, Program, TypeExpr,
};
use qmp_build_tools::Error;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's copy of a manual: `system-10.0.2`, `storage-daemon-7.2.22`, `ga-10.0.2`
/// (the system emulators' and the agent's are bundled beside their schemas).
fn bundled_path(which: &str) -> PathBuf {
    if let Some(version) = which.strip_prefix("system-") {
        manifest().join(format!("schemas/qemu-{version}-x86_64.ref.7.gz"))
    } else if let Some(version) = which.strip_prefix("ga-") {
        manifest().join(format!("schemas/guest-agent/qemu-ga-{version}.ref.7.gz"))
    } else {
        manifest().join(format!("tests/fixtures/manuals/qemu-{which}.ref.7.gz"))
    }
}

/// Each manual parsed once for all tests.
fn bundled(which: &str) -> &'static Manual {
    static MANUALS: OnceLock<BTreeMap<&'static str, Manual>> = OnceLock::new();
    let manuals = MANUALS.get_or_init(|| {
        ALL.into_iter()
            .map(|which| {
                let path = bundled_path(which);
                match reference::read(&path) {
                    Ok(manual) => (which, manual),
                    Err(error) => panic!("{}: {error}", path.display()),
                }
            })
            .collect()
    });
    &manuals[which]
}

const ALL: [&str; 6] = [
    "system-7.2.22",
    "system-10.0.2",
    "storage-daemon-7.2.22",
    "storage-daemon-10.0.2",
    "ga-7.2.22",
    "ga-10.0.2",
];

fn uncompressed(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .read_to_string(&mut text)
        .unwrap();
    text
}

fn counts(manual: &Manual) -> BTreeMap<DefinitionKind, usize> {
    let mut counts = BTreeMap::new();
    for definition in manual.definitions.values() {
        *counts.entry(definition.kind).or_insert(0) += 1;
    }
    counts
}

fn named(name: &str) -> TypeExpr {
    TypeExpr::Named(name.to_owned())
}

fn array(name: &str) -> TypeExpr {
    TypeExpr::Array(Box::new(named(name)))
}

fn definition<'m>(manual: &'m Manual, name: &str) -> &'m Definition {
    manual
        .definitions
        .get(name)
        .unwrap_or_else(|| panic!("{}: no `{name}`", manual.source))
}

fn member_names(members: &[Member]) -> Vec<&str> {
    members.iter().map(|member| member.name.as_str()).collect()
}

#[test]
fn every_manual_parses_cleanly_as_its_program_and_release() {
    for which in ALL {
        let manual = bundled(which);
        let (program, version) = which.rsplit_once('-').unwrap();
        let expected = match program {
            "system" => Program::SystemEmulator,
            "storage-daemon" => Program::StorageDaemon,
            _ => Program::GuestAgent,
        };
        assert_eq!(manual.program, expected, "{which}");
        assert_eq!(manual.version.as_deref(), Some(version), "{which}");
        assert_eq!(manual.warnings, [], "{which}");
    }
}

#[test]
fn definitions_per_kind() {
    use DefinitionKind::*;
    let expected: [(&str, [usize; 5]); 6] = [
        // Command, Event, Enum, Object, Alternate
        ("system-7.2.22", [220, 52, 155, 457, 6]),
        ("system-10.0.2", [240, 56, 181, 511, 6]),
        ("storage-daemon-7.2.22", [74, 13, 78, 256, 5]),
        ("storage-daemon-10.0.2", [76, 13, 79, 279, 5]),
        ("ga-7.2.22", [42, 0, 7, 35, 1]),
        ("ga-10.0.2", [44, 0, 8, 37, 2]),
    ];
    for (which, numbers) in expected {
        let counts = counts(bundled(which));
        let found = [Command, Event, Enum, Object, Alternate]
            .map(|kind| counts.get(&kind).copied().unwrap_or(0));
        assert_eq!(found, numbers, "{which}");
    }
}

/// 10.0's headers are single lines (`.B Object  BlockInfo  (Since: 0.14)`): `grep -c` of
/// each kind agrees with the parse. 7.2's headings, likewise (`.SS \fBname\fP (Kind)`).
#[test]
fn counts_agree_with_the_header_lines() {
    for which in ALL {
        let manual = bundled(which);
        let text = uncompressed(&bundled_path(which));
        let counts = counts(manual);
        for (kind, word) in [
            (DefinitionKind::Command, "Command"),
            (DefinitionKind::Event, "Event"),
            (DefinitionKind::Enum, "Enum"),
            (DefinitionKind::Object, "Object"),
            (DefinitionKind::Alternate, "Alternate"),
        ] {
            let new_layout = format!(".B {word}  ");
            let old_layout = format!(" ({word})");
            let headers = text
                .lines()
                .filter(|line| {
                    line.starts_with(&new_layout)
                        || (line.starts_with(".SS \\fB") && line.ends_with(&old_layout))
                })
                .count();
            assert_eq!(
                counts.get(&kind).copied().unwrap_or(0),
                headers,
                "{which} {word}"
            );
        }
    }
}

#[test]
fn block_info_in_full() {
    let expected_members = [
        ("device", named("string"), false),
        ("qdev", named("string"), true),
        ("type", named("string"), false),
        ("removable", named("boolean"), false),
        ("locked", named("boolean"), false),
        ("tray_open", named("boolean"), true),
        ("io-status", named("BlockDeviceIoStatus"), true),
        ("inserted", named("BlockDeviceInfo"), true),
    ];
    for which in ["system-7.2.22", "system-10.0.2"] {
        let manual = bundled(which);
        let info = definition(manual, "BlockInfo");
        assert_eq!(info.kind, DefinitionKind::Object);
        assert_eq!(info.since.as_deref(), Some("0.14"), "{which}");
        assert_eq!(
            info.doc,
            "Block device information. This structure describes a virtual device and the \
             backing device associated with it."
        );
        let members: Vec<_> = info
            .members
            .iter()
            .map(|m| (m.name.as_str(), m.ty.clone().unwrap(), m.optional))
            .collect();
        let expected: Vec<_> = expected_members
            .iter()
            .map(|(name, ty, optional)| (*name, ty.clone(), *optional))
            .collect();
        assert_eq!(members, expected, "{which}");
        assert_eq!(
            info.members[7].doc,
            "`BlockDeviceInfo` describing the device if media is present"
        );
        assert_eq!(
            info.members[2].doc,
            "This field is returned only for compatibility reasons, it should not be used \
             (always returns 'unknown')"
        );
        assert!(info.bases.is_empty() && info.branches.is_empty() && info.returns.is_none());
    }
}

#[test]
fn blockdev_options_bases_and_branches() {
    for which in ["system-7.2.22", "system-10.0.2"] {
        let manual = bundled(which);
        let options = definition(manual, "BlockdevOptions");
        assert_eq!(options.members[0].name, "driver");
        assert_eq!(options.members[0].ty, Some(named("BlockdevDriver")));
        assert!(options.bases.is_empty(), "{which}");
        let branch = |value: &str| {
            options
                .branches
                .iter()
                .find(|branch| branch.value == value)
                .unwrap_or_else(|| panic!("{which}: no branch {value}"))
        };
        assert_eq!(
            branch("vmdk"),
            &Branch {
                tag: "driver".to_owned(),
                value: "vmdk".to_owned(),
                type_name: "BlockdevOptionsGenericCOWFormat".to_owned()
            }
        );
        assert_eq!(branch("bochs").type_name, "BlockdevOptionsGenericFormat");
        assert_eq!(branch("qcow2").type_name, "BlockdevOptionsQcow2");
        assert_eq!(options.branches.len(), 47, "{which}");

        // A base: "The members of BlockdevOptionsGenericFormat" inside a struct.
        let cow = definition(manual, "BlockdevOptionsGenericCOWFormat");
        assert_eq!(cow.bases, ["BlockdevOptionsGenericFormat"], "{which}");
        assert_eq!(member_names(&cow.members), ["backing"], "{which}");
        assert_eq!(cow.members[0].ty, Some(named("BlockdevRefOrNull")));

        // A command whose arguments are a named type.
        let add = definition(manual, "blockdev-add");
        assert_eq!(add.bases, ["BlockdevOptions"], "{which}");
        assert!(add.members.is_empty());
    }
}

#[test]
fn seven_two_names_argument_types_in_prose() {
    let manual = bundled("system-7.2.22");
    let sync = definition(manual, "blockdev-snapshot-sync");
    assert_eq!(sync.bases, ["BlockdevSnapshotSync"]);
    assert!(sync
        .doc
        .contains("For the arguments, see the documentation of BlockdevSnapshotSync."));
    assert_eq!(
        definition(manual, "blockdev-snapshot-internal-sync").bases,
        ["BlockdevSnapshotInternal"]
    );
}

#[test]
fn blockdev_ref_alternatives() {
    for which in ["system-7.2.22", "system-10.0.2"] {
        let manual = bundled(which);
        let reference = definition(manual, "BlockdevRef");
        assert_eq!(reference.kind, DefinitionKind::Alternate);
        let branches: Vec<_> = reference
            .members
            .iter()
            .map(|m| (m.name.as_str(), m.ty.clone(), m.optional))
            .collect();
        assert_eq!(
            branches,
            [
                ("definition", Some(named("BlockdevOptions")), false),
                ("reference", Some(named("string")), false)
            ],
            "{which}"
        );
        assert_eq!(
            reference.members[1].doc,
            "references the ID of an existing block device"
        );
        let or_null = definition(manual, "BlockdevRefOrNull");
        assert_eq!(or_null.members[2].ty, Some(named("null")), "{which}");
    }
}

#[test]
fn mirror_sync_mode_values() {
    for which in ["system-7.2.22", "system-10.0.2"] {
        let manual = bundled(which);
        let mode = definition(manual, "MirrorSyncMode");
        assert_eq!(mode.kind, DefinitionKind::Enum);
        assert_eq!(
            member_names(&mode.members),
            ["top", "full", "none", "incremental", "bitmap"],
            "{which}"
        );
        assert!(mode.members.iter().all(|m| m.ty.is_none() && !m.optional));
        assert_eq!(mode.members[2].doc, "only copy data written from now on");
        assert_eq!(mode.since.as_deref(), Some("1.3"));
    }
}

#[test]
fn query_block_returns() {
    let new = bundled("system-10.0.2");
    let returns = definition(new, "query-block").returns.clone().unwrap();
    assert_eq!(returns.ty, Some(array("BlockInfo")));
    assert_eq!(
        returns.doc,
        "a list of `BlockInfo` describing each virtual block device. Filter nodes that were \
         created implicitly are skipped over."
    );
    // `any` is written `value`.
    let qom_get = definition(new, "qom-get").returns.clone().unwrap();
    assert_eq!(qom_get.ty, Some(named("any")));

    let old = bundled("system-7.2.22");
    let returns = definition(old, "query-block").returns.clone().unwrap();
    assert_eq!(returns.ty, None);
    assert!(returns.doc.starts_with("a list of `BlockInfo` describing"));
    // 7.2's member arrays: `array of T`.
    let stats = definition(old, "BlockDeviceStats");
    let timed = stats.members.iter().find(|m| m.name == "timed_stats");
    assert_eq!(timed.unwrap().ty, Some(array("BlockDeviceTimedStats")));
}

/// The converter glues `.INDENT` onto the member line whose description is a list; the
/// members after it must not be lost.
#[test]
fn members_after_a_glued_indent_are_kept() {
    for which in ["system-7.2.22", "system-10.0.2"] {
        let manual = bundled(which);
        let mut password = member_names(&definition(manual, "SetPasswordOptions").members);
        password.sort_unstable();
        assert_eq!(password, ["connected", "password", "protocol"], "{which}");
        assert_eq!(
            member_names(&definition(manual, "VncInfo").members),
            ["enabled", "host", "family", "service", "auth", "clients"],
            "{which}"
        );
        let mut region = member_names(&definition(manual, "PciMemoryRegion").members);
        region.sort_unstable();
        assert_eq!(
            region,
            ["address", "bar", "mem_type_64", "prefetch", "size", "type"],
            "{which}"
        );
    }
    let manual = bundled("system-10.0.2");
    let protocol = &definition(manual, "SetPasswordOptions").members[0];
    assert_eq!(
        protocol.doc,
        "- 'vnc' to modify the VNC server password\n- 'spice' to modify the Spice server password"
    );
}

#[test]
fn deprecated_feature_is_documented() {
    for which in ["system-7.2.22", "system-10.0.2"] {
        let manual = bundled(which);
        let backup = definition(manual, "drive-backup");
        assert_eq!(backup.bases, ["DriveBackup"], "{which}");
        assert_eq!(
            backup.features,
            [Member {
                name: "deprecated".to_owned(),
                ty: None,
                optional: false,
                doc: "This command is deprecated. Use `blockdev-backup` instead.".to_owned(),
            }],
            "{which}"
        );
    }
}

#[test]
fn docs_carry_examples_errors_and_lists_as_markdown() {
    let manual = bundled("system-10.0.2");
    let sync = definition(manual, "blockdev-snapshot-sync");
    assert!(
        sync.doc.contains(
            "# Errors\n\n- If `device` is not a valid block device, DeviceNotFound\n\n# Example\n\n```text\n-> {"
        ),
        "{}",
        sync.doc
    );
    let old = bundled("system-7.2.22");
    let dgram = definition(old, "NetdevDgramOptions");
    assert!(
        dgram
            .doc
            .contains("| remote | local | okay? |\n|---|---|---|\n| absent | absent | no |"),
        "{}",
        dgram.doc
    );
}

/// No roff is left in any string of any manual, and nothing rustdoc would misread as a
/// link or an HTML tag.
#[test]
fn no_roff_residue_anywhere() {
    const RESIDUE: [&str; 12] = [
        "\\f",
        "\\(",
        "\\-",
        "\\&",
        "\\%",
        "\\e",
        ".INDENT",
        ".UNINDENT",
        ".sp",
        ".TP",
        ".IP",
        ".nf",
    ];
    for which in ALL {
        let manual = bundled(which);
        let mut strings: Vec<(String, &str)> = Vec::new();
        for definition in manual.definitions.values() {
            let name = &definition.name;
            strings.push((name.clone(), name));
            strings.push((format!("{name} doc"), &definition.doc));
            strings.extend(
                definition
                    .since
                    .iter()
                    .map(|s| (format!("{name} since"), s.as_str())),
            );
            for member in definition.members.iter().chain(&definition.features) {
                strings.push((format!("{name}.{}", member.name), &member.name));
                strings.push((format!("{name}.{} doc", member.name), &member.doc));
                if let Some(TypeExpr::Named(ty)) = &member.ty {
                    strings.push((format!("{name}.{} type", member.name), ty));
                }
            }
            for base in &definition.bases {
                strings.push((format!("{name} base"), base));
            }
            for branch in &definition.branches {
                strings.push((format!("{name} branch"), &branch.tag));
                strings.push((format!("{name} branch"), &branch.value));
                strings.push((format!("{name} branch"), &branch.type_name));
            }
            if let Some(returns) = &definition.returns {
                strings.push((format!("{name} returns"), &returns.doc));
            }
        }
        for (what, text) in strings {
            for residue in RESIDUE {
                assert!(
                    !text.contains(residue),
                    "{which} {what}: `{residue}` left in {text:?}"
                );
            }
        }
    }
}

#[test]
fn installed_manuals_parse_like_the_bundled_copies() {
    let installed = [
        ("/usr/share/man/man7", "10.0.2"),
        ("/opt/qemu-7.2/usr/share/man/man7", "7.2.22"),
    ];
    for (dir, version) in installed {
        for (file, which) in [
            ("qemu-qmp-ref.7.gz", format!("system-{version}")),
            (
                "qemu-storage-daemon-qmp-ref.7.gz",
                format!("storage-daemon-{version}"),
            ),
            ("qemu-ga-ref.7.gz", format!("ga-{version}")),
        ] {
            let path = Path::new(dir).join(file);
            if !path.exists() {
                println!("note: {} is not installed; skipped", path.display());
                continue;
            }
            let mut manual = reference::read(&path).unwrap();
            let bundled = bundled(&which);
            manual.source.clone_from(&bundled.source);
            assert!(
                &manual == bundled,
                "{} differs from {which}",
                path.display()
            );
        }
    }
}

/// The commands each manual documents as taking further arguments ("Additional arguments
/// depend on the type."): `device_add` (its device's properties) and `netdev_add` (its
/// union's variants) in the system emulators' manuals of both layouts, none elsewhere.
#[test]
fn additional_arguments_are_found_in_both_layouts() {
    for which in ALL {
        let found: Vec<&str> = bundled(which)
            .definitions
            .values()
            .filter(|d| d.documents_additional_arguments())
            .map(|d| d.name.as_str())
            .collect();
        let expected: &[&str] = if which.starts_with("system-") {
            &["device_add", "netdev_add"]
        } else {
            &[]
        };
        assert_eq!(found, expected, "{which}");
    }
}

/// Every doc string of every manual, as the doc of an item of a scratch crate, passes
/// `cargo doc` with `RUSTDOCFLAGS="-D warnings"` (and the allow-by-default
/// `unescaped_backticks`): no broken links, no stray HTML tags, no bare URLs.
#[test]
fn every_doc_renders_cleanly_under_rustdoc() {
    let mut lib = String::from("//! Every doc string of QEMU's manuals, one item each.\n");
    let mut count = 0;
    for which in ALL {
        for definition in bundled(which).definitions.values() {
            let mut docs = vec![(definition.name.clone(), &definition.doc)];
            for member in definition.members.iter().chain(&definition.features) {
                docs.push((format!("{}.{}", definition.name, member.name), &member.doc));
            }
            if let Some(returns) = &definition.returns {
                docs.push((format!("{} returns", definition.name), &returns.doc));
            }
            for (what, doc) in docs {
                count += 1;
                lib.push_str(&format!(
                    "// {which} {what}\n#[doc = {doc:?}]\npub struct Doc{count};\n"
                ));
            }
        }
    }
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reference-docs");
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"reference-docs\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(root.join("src/lib.rs"), lib).unwrap();
    let output = std::process::Command::new(env!("CARGO"))
        .args(["doc", "--quiet", "--offline"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", root.join("target"))
        .env(
            "RUSTDOCFLAGS",
            "-D warnings -D rustdoc::unescaped_backticks",
        )
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo doc of {count} doc strings failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(count > 13_000, "{count}");
}

// ---- bad input --------------------------------------------------------------------------

fn write_temp(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn not_a_man_page_is_an_error_naming_file_and_line() {
    let (_dir, path) = write_temp("schema.json", b"[{\"name\": \"query-status\"}]\n");
    let error = reference::read(&path).unwrap_err();
    let message = error.to_string();
    assert!(
        matches!(error, Error::Reference { line: 1, .. }),
        "{error:?}"
    );
    assert!(message.contains("schema.json:1:") && message.contains("not a man page"));
}

#[test]
fn empty_file_is_an_error() {
    let (_dir, path) = write_temp("empty.7", b"");
    let error = reference::read(&path).unwrap_err();
    assert!(
        error.to_string().contains("empty.7:1: the file is empty"),
        "{error}"
    );
}

#[test]
fn garbage_gzip_is_a_read_error_naming_the_file() {
    let mut bytes = vec![0x1f, 0x8b, 0x08, 0x00];
    bytes.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef, 0x00, 0x11, 0x22]);
    let (_dir, path) = write_temp("broken.7.gz", &bytes);
    let error = reference::read(&path).unwrap_err();
    assert!(matches!(error, Error::ReadReference { .. }), "{error:?}");
    assert!(error.to_string().contains("broken.7.gz"), "{error}");
}

#[test]
fn binary_content_is_an_error_with_its_line() {
    let (_dir, path) = write_temp("binary.7", b".TH \"QEMU-QMP-REF\"\nok\n\xff\xfe\n");
    let error = reference::read(&path).unwrap_err();
    assert!(
        matches!(error, Error::Reference { line: 3, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("not UTF-8"), "{error}");
}

#[test]
fn another_programs_man_page_is_an_error_at_its_title() {
    let text =
        ".\\\" comment\n.TH \"QEMU-IMG\" \"1\" \"Sep 05, 2025\" \"10.0.2\" \"QEMU\"\n.SH NAME\n";
    let error = reference::parse(text, "qemu-img.1").unwrap_err();
    assert!(
        matches!(error, Error::Reference { line: 2, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("QEMU-IMG"), "{error}");
}

/// A manual of another QEMU program parses as that program: the caller decides.
#[test]
fn another_qemu_manual_parses_as_that_program() {
    let manual = bundled("ga-10.0.2");
    assert_eq!(manual.program, Program::GuestAgent);
    assert!(manual.definitions.contains_key("guest-exec"));
}

#[test]
fn truncated_manuals_warn_or_fail_without_panicking() {
    for which in ["system-7.2.22", "system-10.0.2"] {
        let text = uncompressed(&bundled_path(which));
        let lines: Vec<&str> = text.lines().collect();
        for fraction in [0.0005, 0.01, 0.1, 0.37, 0.5, 0.9, 0.999] {
            let keep = (lines.len() as f64 * fraction) as usize;
            let truncated = lines[..keep].join("\n");
            let (_dir, path) = write_temp("cut.7.gz", &gzip(&truncated));
            match reference::read(&path) {
                Ok(manual) => {
                    let last = manual.warnings.last().expect("a truncation warning");
                    assert!(
                        last.message.contains("truncated") && last.line <= keep,
                        "{which} at {keep}: {last:?}"
                    );
                    assert!(manual.definitions.len() < 1000);
                }
                Err(error) => {
                    let message = error.to_string();
                    assert!(
                        message.contains("cut.7.gz:"),
                        "{which} at {keep}: {message}"
                    );
                }
            }
        }
        // Cut inside the gzip stream itself.
        let compressed = std::fs::read(bundled_path(which)).unwrap();
        let (_dir, path) = write_temp("cut.7.gz", &compressed[..compressed.len() / 2]);
        let error = reference::read(&path).unwrap_err();
        assert!(matches!(error, Error::ReadReference { .. }), "{error:?}");
    }
}

#[test]
fn a_truncated_definition_keeps_what_was_read() {
    let text = uncompressed(&bundled_path("system-10.0.2"));
    let cut = text.find(".B Object  BlockInfo  ").unwrap() + 400;
    let manual = reference::parse(&text[..cut], "cut.7").unwrap();
    let info = definition(&manual, "BlockInfo");
    assert!(info.members.len() >= 2, "{info:?}");
    assert!(manual
        .warnings
        .iter()
        .any(|w| w.message.contains("truncated")));
}

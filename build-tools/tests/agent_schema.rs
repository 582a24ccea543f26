//! The guest agent's schema made from its manual (issue 12): `capture --binary …/qemu-ga`
//! reproduces the bundled `schemas/guest-agent/` files from the installed agents, the
//! schema has QEMU's names and shapes, the generator accepts it, and bad manuals are
//! refused with the file named. (Its bindings are compiled by `tests/compile.rs`.)

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use qmp_build_tools::reference::{self, EMPTY_OBJECT};
use qmp_build_tools::{agent_schema, engine, Error};
use qmp_types::introspection::{SchemaInfo, SchemaInfoKind};

fn bundled_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/guest-agent")
}

fn bundled(version: &str) -> Vec<SchemaInfo> {
    let path = bundled_dir().join(format!("qemu-ga-{version}.json"));
    let text = std::fs::read_to_string(&path).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn entry<'s>(schema: &'s [SchemaInfo], name: &str) -> &'s SchemaInfoKind {
    &schema
        .iter()
        .find(|entry| entry.name == name)
        .unwrap_or_else(|| panic!("no `{name}`"))
        .kind
}

const AGENTS: [(&str, &str); 2] = [
    ("/usr/sbin/qemu-ga", "10.0.2"),
    ("/opt/qemu-7.2/usr/sbin/qemu-ga", "7.2.22"),
];

#[test]
fn capture_reproduces_the_bundled_agent_schemas() {
    let newer_manual = bundled_dir().join("qemu-ga-10.0.2.ref.7.gz");
    for (binary, version) in AGENTS {
        if !Path::new(binary).exists() {
            println!("note: {binary} is not installed; skipped");
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let mut command = Command::cargo_bin("qmp-codegen").unwrap();
        command
            .args(["capture", "--binary", binary, "--dir"])
            .arg(dir.path());
        if version.starts_with('7') {
            command.arg("--returns-from").arg(&newer_manual);
        }
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        assert!(!stderr.contains("warning"), "{stderr}");
        for file in [
            format!("qemu-ga-{version}.json"),
            format!("qemu-ga-{version}.ref.7.gz"),
        ] {
            let made = std::fs::read(dir.path().join(&file)).unwrap();
            let kept = std::fs::read(bundled_dir().join(&file)).unwrap();
            assert!(
                made == kept,
                "{file} differs from schemas/guest-agent/{file}"
            );
        }
    }
}

#[test]
fn agent_schema_has_qemus_names_and_shapes() {
    for version in ["7.2.22", "10.0.2"] {
        let schema = bundled(version);
        let SchemaInfoKind::Command {
            arg_type, ret_type, ..
        } = entry(&schema, "guest-exec")
        else {
            panic!("guest-exec is not a command")
        };
        assert_eq!(arg_type, "q_obj_guest-exec-arg");
        assert_eq!(ret_type, "GuestExec", "{version}");
        let SchemaInfoKind::Object { members, .. } = entry(&schema, arg_type) else {
            panic!("arguments are not an object")
        };
        let names: Vec<(&str, &str, bool)> = members
            .iter()
            .map(|m| (m.name.as_str(), m.type_.as_str(), m.is_optional()))
            .collect();
        assert_eq!(
            &names[..2],
            [("path", "str", false), ("arg", "[str]", true)]
        );

        let SchemaInfoKind::Command { ret_type, .. } = entry(&schema, "guest-get-fsinfo") else {
            panic!()
        };
        assert_eq!(ret_type, "[GuestFilesystemInfo]", "{version}");
        assert!(matches!(
            entry(&schema, "[GuestFilesystemInfo]"),
            SchemaInfoKind::Array { element_type } if element_type == "GuestFilesystemInfo"
        ));
        let SchemaInfoKind::Command { arg_type, .. } = entry(&schema, "guest-info") else {
            panic!()
        };
        assert_eq!(arg_type, EMPTY_OBJECT);
        assert!(matches!(
            entry(&schema, "GuestFsfreezeStatus"),
            SchemaInfoKind::Enum { values: Some(values), .. } if values == &["thawed", "frozen"]
        ));
        // An alternate: an integer or a named `whence` value.
        assert!(matches!(
            entry(&schema, "GuestFileWhence"),
            SchemaInfoKind::Alternate { members }
                if members.iter().map(|m| m.type_.as_str()).collect::<Vec<_>>() == ["int", "QGASeek"]
        ));
    }
    // A union with its base's members merged in: the tag is one of its members.
    let schema = bundled("10.0.2");
    let SchemaInfoKind::Object {
        members,
        tag,
        variants,
    } = entry(&schema, "GuestCpuStats")
    else {
        panic!()
    };
    assert_eq!(tag.as_deref(), Some("type"));
    assert!(members.iter().any(|m| m.name == "type"));
    assert_eq!(variants[0].type_, "GuestLinuxCpuStats");
    // A command whose return 7.2 gives in prose only: "Nothing on success." is the empty
    // object; types come from the later manual.
    let old = bundled("7.2.22");
    assert!(matches!(
        entry(&old, "guest-file-close"),
        SchemaInfoKind::Command { ret_type, .. } if ret_type == EMPTY_OBJECT
    ));
}

#[test]
fn generator_accepts_both_agent_schemas() {
    for version in ["7.2.22", "10.0.2"] {
        let path = bundled_dir().join(format!("qemu-ga-{version}.json"));
        let json = std::fs::read_to_string(&path).unwrap();
        let output = engine::generate(&json, "qemu-ga", &Default::default()).unwrap();
        assert!(output.code.contains("pub struct GuestExec"), "{version}");
        assert_eq!(
            output.counts["command"],
            (
                42 + 2 * usize::from(version == "10.0.2"),
                42 + 2 * usize::from(version == "10.0.2")
            )
        );
    }
}

#[test]
fn a_manual_of_another_program_is_refused() {
    let system = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/qemu-10.0.2-x86_64.ref.7.gz");
    let error = agent_schema::from_manual(&system, None).unwrap_err();
    assert!(matches!(error, Error::Reference { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("qemu-10.0.2-x86_64.ref.7.gz:1: the manual of SystemEmulator"),
        "{error}"
    );
}

#[test]
fn a_truncated_manual_is_an_error_or_a_warning_naming_the_file() {
    let manual = reference::read(&bundled_dir().join("qemu-ga-10.0.2.ref.7.gz")).unwrap();
    let text = {
        use std::io::Read;
        let bytes = std::fs::read(bundled_dir().join("qemu-ga-10.0.2.ref.7.gz")).unwrap();
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .unwrap();
        text
    };
    let dir = tempfile::tempdir().unwrap();
    for fraction in [0.02, 0.3, 0.6, 0.95] {
        let cut = (text.len() as f64 * fraction) as usize;
        let cut = (0..=cut).rev().find(|&i| text.is_char_boundary(i)).unwrap();
        let path = dir.path().join("qemu-ga-ref.7");
        std::fs::write(&path, &text[..cut]).unwrap();
        match agent_schema::from_manual(&path, None) {
            Ok(agent) => {
                assert!(agent.schema.len() < reference::to_schema(&manual, None).unwrap().len());
                assert!(
                    agent
                        .warnings
                        .iter()
                        .any(|w| w.contains("qemu-ga-ref.7:") && w.contains("truncated")),
                    "{:?}",
                    agent.warnings
                );
            }
            Err(error) => assert!(error.to_string().contains("qemu-ga-ref.7:"), "{error}"),
        }
    }
}

/// `qmp-codegen capture --binary /usr/sbin/qemu-ga` with `args`, into a temporary
/// directory: (success, stderr, files written).
fn capture_agent(args: &[&std::ffi::OsStr]) -> (bool, String, usize) {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("qmp-codegen")
        .unwrap()
        .args(["capture", "--binary", AGENTS[0].0, "--dir"])
        .arg(dir.path())
        .args(args)
        .output()
        .unwrap();
    let written = std::fs::read_dir(dir.path()).unwrap().count();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        written,
    )
}

#[test]
fn capture_refuses_bad_agent_manuals_naming_the_file() {
    let system = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/qemu-10.0.2-x86_64.ref.7.gz");
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut-qemu-ga-ref.7.gz");
    let whole = std::fs::read(bundled_dir().join("qemu-ga-10.0.2.ref.7.gz")).unwrap();
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();

    // The QMP manual given as the agent's, or as the one to take return types from.
    for flag in ["--agent-manual", "--returns-from"] {
        let (ok, stderr, written) = capture_agent(&[flag.as_ref(), system.as_os_str()]);
        assert!(!ok, "{flag}: {stderr}");
        assert!(
            stderr.contains("qemu-10.0.2-x86_64.ref.7.gz:1: the manual of SystemEmulator, not of the guest agent"),
            "{flag}: {stderr}"
        );
        assert_eq!(written, 0, "{flag}: nothing is written");
    }
    // A compressed manual cut in half.
    let (ok, stderr, written) = capture_agent(&["--agent-manual".as_ref(), cut.as_os_str()]);
    assert!(!ok, "{stderr}");
    assert!(
        stderr.contains("cannot read reference manual") && stderr.contains("cut-qemu-ga-ref.7.gz"),
        "{stderr}"
    );
    assert_eq!(written, 0);
    let error = agent_schema::from_manual(&cut, None).unwrap_err();
    assert!(matches!(error, Error::ReadReference { .. }), "{error:?}");
}

#[test]
fn the_qmp_manual_for_agent_bindings_is_named_in_a_warning() {
    let system = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/qemu-10.0.2-x86_64.ref.7.gz");
    let output = Command::cargo_bin("qmp-codegen")
        .unwrap()
        .args([
            "generate",
            "--agent",
            "--only-command",
            "guest-info",
            "--reference",
        ])
        .arg(&system)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("qemu-10.0.2-x86_64.ref.7.gz: the manual documents a system emulator")
            && stderr.contains("the schema is of the guest agent"),
        "{stderr}"
    );
    // Nothing of the QMP manual is taken: use-site names.
    let code = String::from_utf8_lossy(&output.stdout);
    assert!(code.contains("pub struct GuestInfo"), "{code}");
    assert!(!code.contains("guest agent version"), "{code}");
}

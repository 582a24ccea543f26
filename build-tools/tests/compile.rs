//! Compile and decode test of generated bindings.
//!
//! Writes a tiny crate under `CARGO_TARGET_TMPDIR` whose only dependency is `qmp-types`: it
//! `include!`s the bindings for every bundled schema with its bundled reference manual (QEMU's
//! names and docs), for the `query-qmp-schema` of `qemu-storage-daemon` 7.2 and 10.0 (captured
//! live, so another real binary's schema is covered too) with the manual that release
//! installed, for the guest agent 7.2 and 10.0.2 schemas made from its manuals
//! (`schemas/guest-agent/`), plus the 10.0.2 bindings pruned to a few
//! commands and events and without unstable items, each into a module of a crate with
//! `#![deny(warnings, missing_docs)]`, the 10.0.2 bindings with both serde directions, the
//! 10.0.2 bindings without a manual (names from use sites), and a few 10.0.2 commands with
//! attributes and derives added through `type_attributes` (`Config::type_attribute`).
//! `cargo test` on it must build warning-free and pass its own tests
//! (`tests/bindings_crate/live.rs`), which start real QEMU 7.2 and 10.0 through `qmp-testkit`
//! and decode their answers and events into the generated types; `cargo clippy --all-targets
//! -- -D warnings` on it must pass too (users run clippy on crates that `include!` bindings),
//! and so must `cargo doc` with `RUSTDOCFLAGS=-D warnings` (QEMU's text as rustdoc: links,
//! lists, examples).
//! The crate's target directory lives under `CARGO_TARGET_TMPDIR` too, so repeated runs are
//! incremental.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use std::sync::Arc;

use qmp_build_tools::bundled::{self, BUNDLED};
use qmp_build_tools::engine::{self, Settings};
use qmp_build_tools::reference::{self, Manual};
use qmp_build_tools::type_attributes::TypeAttribute;
use qmp_testkit::{QemuProcess, Release};
use qmp_types::blocking::Client;
use qmp_types::client::ClientConfig;

/// The `query-qmp-schema` answer of `qemu` (`what` names it in messages).
fn schema_of(qemu: &QemuProcess, what: &str) -> String {
    let client = Client::connect_unix(qemu.socket(), ClientConfig::default())
        .unwrap_or_else(|e| panic!("connect to {what}: {e}"));
    let schema = client
        .execute_raw("query-qmp-schema", None)
        .unwrap_or_else(|e| panic!("query-qmp-schema of {what}: {e}"));
    schema.to_string()
}

/// The `query-qmp-schema` answer of a freshly started `qemu-storage-daemon` of `release`.
fn storage_daemon_schema(release: Release) -> String {
    let daemon = QemuProcess::storage_daemon(release);
    schema_of(
        &daemon,
        &format!("qemu-storage-daemon {}", release.version()),
    )
}

/// The `query-qmp-schema` answer of a freshly started `program` (`qemu-system-aarch64`) of
/// `release` with `-machine none`.
fn system_schema(release: Release, program: &str) -> String {
    let qemu = QemuProcess::emulator_none(release, program);
    schema_of(&qemu, &format!("{program} {}", release.version()))
}

/// The manual bundled with the bundled schema `file`.
fn bundled_manual(file: &str) -> Arc<Manual> {
    let (name, bytes) =
        bundled::find_reference(file).unwrap_or_else(|| panic!("no manual bundled for {file}"));
    Arc::new(reference::read_bytes(bytes, name).unwrap_or_else(|e| panic!("{name}: {e}")))
}

/// The storage daemon's manual as `release` installed it.
fn storage_daemon_manual(release: Release) -> Arc<Manual> {
    let path = release
        .root()
        .join("usr/share/man/man7/qemu-storage-daemon-qmp-ref.7.gz");
    Arc::new(reference::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Settings with a reference manual.
fn with_manual(manual: Arc<Manual>) -> Settings {
    Settings {
        reference: Some(manual),
        ..Settings::default()
    }
}

/// The workspace root (`build-tools/..`).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

/// `qemu-10.0.2-x86_64.json` → `qemu_10_0_2_x86_64`.
fn module_name(file: &str) -> String {
    file.trim_end_matches(".json")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Writes `text` unless the file already holds it (keeps the crate's build incremental).
fn write(path: &Path, text: &str) {
    if fs::read_to_string(path).ok().as_deref() != Some(text) {
        fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    }
}

#[test]
fn generated_bindings_compile_warning_free_and_decode_real_qemu_answers() {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bindings-crate");
    fs::create_dir_all(root.join("src")).expect("crate dir");
    fs::create_dir_all(root.join("tests")).expect("crate tests dir");
    let ws = workspace();
    write(
        &root.join("Cargo.toml"),
        &format!(
            "[package]\nname = \"qmp-bindings-check\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             publish = false\n\n[dependencies]\nqmp-types = {{ path = {:?} }}\n\n\
             [dev-dependencies]\nqmp-testkit = {{ path = {:?} }}\n\n[workspace]\n",
            ws.join("qmp-types").display().to_string(),
            ws.join("testkit").display().to_string(),
        ),
    );
    // The workspace's lock file: same dependency versions, no resolution needed.
    if let Ok(lock) = fs::read_to_string(ws.join("Cargo.lock")) {
        write(&root.join("Cargo.lock"), &lock);
    }
    let mut lib = String::from(
        "//! Bindings generated by qmp-build-tools, built by its compile test.\n\
         #![deny(warnings, missing_docs)]\n\n",
    );
    let mut variants: Vec<(String, String, String, Settings)> = BUNDLED
        .iter()
        .map(|(file, json)| {
            let doc = format!("Every item of `{file}`, with QEMU's names and docs.");
            (
                module_name(file),
                doc,
                (*json).to_owned(),
                with_manual(bundled_manual(file)),
            )
        })
        .collect();
    for release in Release::ALL {
        let json = storage_daemon_schema(release);
        variants.push((
            format!("storage_daemon_{}", module_name(release.version())),
            format!("Every item of `qemu-storage-daemon` {}.", release.version()),
            json,
            with_manual(storage_daemon_manual(release)),
        ));
    }
    // The guest agent's schemas, made from its manuals by `capture` (issue 12).
    for file in ["qemu-ga-7.2.22.json", "qemu-ga-10.0.2.json"] {
        let path = ws.join("schemas/guest-agent").join(file);
        let json =
            fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        let manual = path.with_file_name(file.replace(".json", ".ref.7.gz"));
        let manual = reference::read(&manual).unwrap_or_else(|e| panic!("{e}"));
        variants.push((
            module_name(file),
            format!("Every item of the guest agent's `{file}`, with QEMU's names and docs."),
            json,
            with_manual(Arc::new(manual)),
        ));
    }
    let newest = BUNDLED.last().expect("a bundled schema");
    let newest_manual = bundled_manual(newest.0);
    variants.push((
        "use_site".to_owned(),
        format!("`{}` without a manual: names from use sites.", newest.0),
        newest.1.to_owned(),
        Settings::default(),
    ));
    let mut pruned = with_manual(newest_manual.clone());
    pruned.selection.only_commands = Some(
        [
            "query-status",
            "blockdev-add",
            "query-named-block-nodes",
            "query-memory-devices",
        ]
        .map(String::from)
        .into(),
    );
    pruned.selection.only_events = Some(["STOP", "BLOCK_JOB_COMPLETED"].map(String::from).into());
    variants.push((
        "pruned".to_owned(),
        format!("`{}` pruned to a few commands and events.", newest.0),
        newest.1.to_owned(),
        pruned,
    ));
    let mut stable = with_manual(newest_manual.clone());
    stable.selection.exclude_unstable = true;
    variants.push((
        "stable".to_owned(),
        format!("`{}` without unstable items.", newest.0),
        newest.1.to_owned(),
        stable,
    ));
    // The user's attributes and derives (`Config::type_attribute` / `type_derive`).
    let mut hooks = with_manual(newest_manual.clone());
    hooks.selection.only_commands = Some(["query-status", "device_add"].map(String::from).into());
    hooks.selection.only_events = Some(["STOP"].map(String::from).into());
    hooks.type_attributes = [
        ("StatusInfo", "#[derive(Eq, Hash)]"),
        ("StatusInfo", "#[serde(deny_unknown_fields)]"),
        ("query-status", "#[derive(Eq, Hash)]"),
        (".", "#[doc(alias = \"qmp_hooks\")]"),
    ]
    .map(|(path, attribute)| TypeAttribute {
        path: path.to_owned(),
        attribute: attribute.to_owned(),
    })
    .into();
    variants.push((
        "hooks".to_owned(),
        format!(
            "`{}` pruned, with attributes and derives added by the user.",
            newest.0
        ),
        newest.1.to_owned(),
        hooks,
    ));
    let both = Settings {
        both_directions: true,
        ..with_manual(newest_manual)
    };
    variants.push((
        "both".to_owned(),
        format!(
            "`{}` with `Serialize` and `Deserialize` on every type.",
            newest.0
        ),
        newest.1.to_owned(),
        both,
    ));
    for (module, doc, json, settings) in &variants {
        let output = engine::generate(json, module, settings)
            .unwrap_or_else(|e| panic!("generate {module}: {e}"));
        if module == "hooks" {
            // `"."` reaches every type: each struct and enum carries the alias.
            let items = output.code.matches("\npub struct ").count()
                + output.code.matches("\npub enum ").count();
            let marked = output.code.matches("#[doc(alias = \"qmp_hooks\")]").count();
            assert!(
                items > 5 && marked == items,
                "{marked} of {items} items marked"
            );
        }
        write(&root.join("src").join(format!("{module}.rs")), &output.code);
        lib.push_str(&format!(
            "/// {doc}\npub mod {module} {{\n    include!(\"{module}.rs\");\n}}\n\n"
        ));
    }
    // One module for both bundled releases (issue 11), each with its manual.
    let merged = engine::generate_merged(
        BUNDLED
            .iter()
            .map(|(file, json)| engine::SchemaSource {
                entries: serde_json::from_str(json).expect("bundled schema parses"),
                source: (*file).to_owned(),
                release: reference::companion::release_in_name(file),
                reference: Some(bundled_manual(file)),
            })
            .collect(),
        &Settings::default(),
    )
    .unwrap_or_else(|e| panic!("merge the bundled schemas: {e}"));
    write(&root.join("src/merged.rs"), &merged.code);
    lib.push_str(
        "/// One module for every bundled QEMU release, merged.\npub mod merged {\n    \
         include!(\"merged.rs\");\n}\n\n",
    );
    // One module for two targets of one release (issue 11): the bundled 10.0.2 x86_64 schema
    // and the schema of the 10.0.2 aarch64 emulator the install script installs, captured
    // live, each with the 10.0.2 manual (one manual covers every target).
    let aarch64 = system_schema(Release::V10_0, "qemu-system-aarch64");
    let targets = engine::generate_merged(
        [
            (newest.0, newest.1.to_owned()),
            ("qemu-10.0.2-aarch64.json", aarch64),
        ]
        .into_iter()
        .map(|(file, json)| engine::SchemaSource {
            entries: serde_json::from_str(&json).unwrap_or_else(|e| panic!("{file} parses: {e}")),
            source: file.to_owned(),
            release: reference::companion::release_in_name(file),
            reference: Some(bundled_manual(newest.0)),
        })
        .collect(),
        &Settings::default(),
    )
    .unwrap_or_else(|e| panic!("merge the 10.0.2 x86_64 and aarch64 schemas: {e}"));
    // Both targets' own commands are there, each saying where it is available.
    for (command, only_in) in [
        ("query-sev", "qemu-10.0.2-x86_64"),
        ("query-gic-capabilities", "qemu-10.0.2-aarch64"),
    ] {
        let (_, rest) = targets
            .code
            .split_once(&format!("name = \"{command}\","))
            .unwrap_or_else(|| panic!("`{command}` missing from the x86_64 + aarch64 merge"));
        // `available_in = ["..."]`: the list up to its closing bracket.
        let available = rest
            .split_once("available_in")
            .and_then(|(_, a)| a.split_once(']'))
            .map(|(list, _)| list);
        assert!(
            available.is_some_and(|a| a.contains(only_in) && !a.contains(", ")),
            "`{command}` should be available in {only_in} only: {available:?}"
        );
    }
    write(&root.join("src/targets.rs"), &targets.code);
    lib.push_str(
        "/// One module for the x86_64 and aarch64 targets of QEMU 10.0.2, merged.\n\
         pub mod targets {\n    include!(\"targets.rs\");\n}\n\n",
    );
    write(&root.join("src/lib.rs"), &lib);
    write(
        &root.join("tests/live.rs"),
        include_str!("bindings_crate/live.rs"),
    );

    let output = cargo(&root, "test", &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the bindings crate failed to build or its tests failed\n{stderr}\n{stdout}"
    );
    assert!(!stderr.contains("warning:"), "warnings:\n{stderr}");
    // The live tests really ran (a filter or a rename must not make this pass vacuously).
    assert!(stdout.contains("test live_qemu_10_0 ... ok"), "{stdout}");
    assert!(stdout.contains("test live_qemu_7_2 ... ok"), "{stdout}");
    assert!(
        stdout.contains("test both_directions_round_trip_the_whole_schema ... ok"),
        "{stdout}"
    );
    assert!(
        stdout.contains("test user_attributes_and_derives_reach_the_types ... ok"),
        "{stdout}"
    );

    let output = cargo(&root, "clippy", &["--all-targets", "--", "-D", "warnings"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "clippy found problems in the bindings\n{stderr}"
    );
    assert!(!stderr.contains("warning:"), "clippy warnings:\n{stderr}");

    let output = cargo(&root, "doc", &["--no-deps"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "rustdoc rejects the generated docs\n{stderr}"
    );
    assert!(!stderr.contains("warning:"), "rustdoc warnings:\n{stderr}");
    let page = root
        .join("../bindings-target/doc/qmp_bindings_check/qemu_10_0_2_x86_64/struct.BlockInfo.html");
    let page = fs::read_to_string(&page).unwrap_or_else(|e| panic!("{}: {e}", page.display()));
    assert!(
        page.contains("Block device information."),
        "QEMU's text on BlockInfo"
    );
}

/// Runs `cargo SUBCOMMAND --manifest-path ... ARGS` on the bindings crate at `root`, with its
/// own target directory.
fn cargo(root: &Path, subcommand: &str, args: &[&str]) -> std::process::Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    Command::new(cargo)
        .arg(subcommand)
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .args(args)
        .env(
            "CARGO_TARGET_DIR",
            PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bindings-target"),
        )
        .env_remove("RUSTFLAGS")
        .env("RUSTDOCFLAGS", "-D warnings")
        .output()
        .unwrap_or_else(|e| panic!("run cargo {subcommand}: {e}"))
}

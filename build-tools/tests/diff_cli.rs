//! `qmp-codegen diff OLD NEW [--json]` on the bundled schemas and on bad input.

use assert_cmd::Command;

fn schema(file: &str) -> String {
    format!("{}/../schemas/{file}", env!("CARGO_MANIFEST_DIR"))
}

fn codegen() -> Command {
    Command::cargo_bin("qmp-codegen").unwrap()
}

#[test]
fn human_report_of_the_bundled_releases() {
    let output = codegen()
        .args([
            "diff",
            &schema("qemu-7.2.22-x86_64.json"),
            &schema("qemu-10.0.2-x86_64.json"),
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("\nCommands added (19):\n"), "{text}");
    assert!(
        text.contains("\n  query-status/ret-type/singlestep\n"),
        "{text}"
    );
    assert!(text.contains("\nMembers made optional (3):\n"), "{text}");
}

#[test]
fn json_report_by_bundled_schema_name() {
    // Bundled schemas can be named by file name alone, as for `generate`.
    let output = codegen()
        .args([
            "diff",
            "--json",
            "qemu-7.2.22-x86_64.json",
            "qemu-10.0.2-x86_64.json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let changes = json["changes"].as_array().unwrap();
    assert!(changes.contains(&serde_json::json!({
        "path": "x-query-rdma",
        "change": "command-removed"
    })));
    assert!(changes.contains(&serde_json::json!({
        "path": "object-add/arg-type/qom-type/^sev-snp-guest",
        "change": "enum-value-added",
        "features": []
    })));
}

#[test]
fn types_renamed_by_qemu_come_from_the_manuals_beside_the_schemas() {
    let diff = |extra: &[&str]| {
        let output = codegen()
            .args([
                "diff",
                "--json",
                &schema("qemu-7.2.22-x86_64.json"),
                &schema("qemu-10.0.2-x86_64.json"),
            ])
            .args(extra)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        json["changes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["change"] == "type-renamed")
            .cloned()
            .collect::<Vec<_>>()
    };
    let renamed = diff(&[]);
    // The 9 renames the naming stability test lists, each once, under its shortest path.
    assert_eq!(renamed.len(), 9, "{renamed:#?}");
    assert!(renamed.contains(&serde_json::json!({
        "path": "blockdev-create/arg-type/options/+luks/cipher-alg",
        "change": "type-renamed",
        "old": "QCryptoCipherAlgorithm",
        "new": "QCryptoCipherAlgo"
    })));
    assert!(renamed.contains(&serde_json::json!({
        "path": "query-cpus-fast/ret-type/[]/+s390x/cpu-state",
        "change": "type-renamed",
        "old": "CpuS390State",
        "new": "S390CpuState"
    })));
    assert!(diff(&["--no-reference"]).is_empty());
    // One side's manual alone names nothing to compare.
    let not_a_manual = schema("qemu-7.2.22-x86_64.version");
    let output = codegen()
        .args([
            "diff",
            &schema("qemu-7.2.22-x86_64.json"),
            &schema("qemu-10.0.2-x86_64.json"),
            "--old-reference",
            &not_a_manual,
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("qemu-7.2.22-x86_64.version"), "{stderr}");
}

#[test]
fn same_schema_twice_has_no_changes() {
    let file = schema("qemu-10.0.2-x86_64.json");
    codegen()
        .args(["diff", &file, &file])
        .assert()
        .success()
        .stdout("No changes.\n");
}

#[test]
fn bad_input_fails_with_a_message_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        r#"[{"name":"x","meta-type":"event","arg-type":"9"}]"#,
    )
    .unwrap();
    let output = codegen()
        .args(["diff", &schema("qemu-7.2.22-x86_64.json")])
        .arg(&broken)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let message = String::from_utf8(output.stderr).unwrap();
    assert!(message.contains("new schema broken.json"), "{message}");
    assert!(message.contains("`9`"), "{message}");

    let output = codegen()
        .args(["diff", "does-not-exist.json", "qemu-10.0.2-x86_64.json"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let message = String::from_utf8(output.stderr).unwrap();
    assert!(message.contains("does-not-exist.json"), "{message}");

    // NEW is required.
    codegen()
        .args(["diff", "qemu-10.0.2-x86_64.json"])
        .assert()
        .failure();
}

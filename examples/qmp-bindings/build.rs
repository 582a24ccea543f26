//! Generates one module of typed bindings for both bundled QEMU releases (7.2.22 and 10.0.2)
//! into `OUT_DIR`, from the schemas and manuals bundled into `qmp-build-tools` (schemas you
//! captured with `qmp-codegen capture` work the same through `Config::schemas([paths])`).
//! Only what the programs use is generated, which keeps the build fast.

fn main() -> Result<(), qmp_build_tools::Error> {
    qmp_build_tools::Config::new()
        .bundled_schemas(["qemu-7.2.22-x86_64.json", "qemu-10.0.2-x86_64.json"])
        .file_name("qmp.rs")
        .only_commands([
            "query-version",
            "query-status",
            "query-audiodevs",
            "stop",
            "cont",
            "quit",
        ])
        .only_events(["STOP", "RESUME", "SHUTDOWN"])
        .write()?;
    Ok(())
}

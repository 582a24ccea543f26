//! Generates typed bindings for the two bundled QEMU releases into `OUT_DIR`, one file each,
//! from the schemas bundled into `qmp-build-tools` (a schema you captured with `qmp-codegen
//! capture` works the same through `Config::schema(path)`). Only what the programs use is
//! generated, which keeps the build fast.

fn main() -> Result<(), qmp_build_tools::Error> {
    for (schema, file) in [
        ("qemu-7.2.22-x86_64.json", "qmp_7_2.rs"),
        ("qemu-10.0.2-x86_64.json", "qmp_10_0.rs"),
    ] {
        qmp_build_tools::Config::new()
            .bundled_schema(schema)
            .file_name(file)
            .only_commands(["query-version", "query-status", "stop", "cont", "quit"])
            .only_events(["STOP", "RESUME", "SHUTDOWN"])
            .write()?;
    }
    Ok(())
}

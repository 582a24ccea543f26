//! Bundles the workspace's `schemas/*.json` and the guest agent's `schemas/guest-agent/*.json`
//! into the binary, with the reference manual stored beside each (`X.ref.7.gz`): writes
//! `bundled.rs` (lists of file names and `include_str!`s / `include_bytes!`s, oldest QEMU
//! release first) into `OUT_DIR`.
//!
//! `build-tools/schemas` is a symbolic link to the workspace's `schemas/`, so a packaged crate
//! carries the files (cargo copies what a link points to). No schema at all is a build error:
//! the CLI's defaults depend on them.

use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").ok_or("CARGO_MANIFEST_DIR unset")?);
    let dir = manifest.join("schemas");
    let schemas = schemas_in(&dir)?;
    if schemas.is_empty() {
        return Err(format!("no `*.json` schema in {}", dir.display()).into());
    }
    let agent_schemas = schemas_in(&dir.join("guest-agent"))?;
    let mut out = String::new();
    list_schemas(
        &mut out,
        "BUNDLED",
        "Schemas bundled from `schemas/`, oldest QEMU release first: (file name, JSON).",
        &schemas,
    );
    list_schemas(
        &mut out,
        "BUNDLED_AGENT",
        "Guest-agent schemas bundled from `schemas/guest-agent/` (made from the agent's \
         manual), oldest release first: (file name, JSON).",
        &agent_schemas,
    );
    out.push_str(
        "\n/// Reference manuals bundled from `schemas/` and `schemas/guest-agent/` \
         (`X.ref.7.gz` beside `X.json`): (file name, gzip bytes).\n\
         pub static BUNDLED_REFERENCES: &[(&str, &[u8])] = &[\n",
    );
    for (_, name, path) in schemas.iter().chain(&agent_schemas) {
        let stem = name.strip_suffix(".json").unwrap_or(name);
        let reference = path.with_file_name(format!("{stem}.ref.7.gz"));
        println!("cargo:rerun-if-changed={}", reference.display());
        if let Ok(reference) = fs::canonicalize(&reference) {
            out.push_str(&format!(
                "    (\"{stem}.ref.7.gz\", include_bytes!({:?})),\n",
                reference.display().to_string()
            ));
        }
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").ok_or("OUT_DIR unset")?);
    write(&out_dir.join("bundled.rs"), &out)?;
    Ok(())
}

/// The `*.json` files of `dir` (none when it does not exist), oldest release first: (release
/// numbers, file name, path).
type Schemas = Vec<(Vec<u64>, String, PathBuf)>;

fn schemas_in(dir: &Path) -> Result<Schemas, String> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(format!(
                "cannot read the bundled schemas in {}: {e}",
                dir.display()
            ))
        }
    };
    let mut schemas: Schemas = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            Some((version(&name), name, p))
        })
        .collect();
    schemas.sort();
    Ok(schemas)
}

/// Appends `pub static NAME: &[(&str, &str)]` listing `schemas` with `include_str!`.
fn list_schemas(out: &mut String, name: &str, doc: &str, schemas: &Schemas) {
    out.push_str(&format!(
        "/// {doc}\npub static {name}: &[(&str, &str)] = &[\n"
    ));
    for (_, file, path) in schemas {
        let path = fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        println!("cargo:rerun-if-changed={}", path.display());
        out.push_str(&format!(
            "    ({file:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
}

/// The release numbers in a file name such as `qemu-10.0.2-x86_64.json` → `[10, 0, 2]`.
fn version(name: &str) -> Vec<u64> {
    name.split(['-', '_'])
        .find(|part| part.contains('.') && part.starts_with(|c: char| c.is_ascii_digit()))
        .map(|v| v.split('.').map_while(|n| n.parse().ok()).collect())
        .unwrap_or_default()
}

/// Writes `text` unless the file already holds it (an unchanged file triggers no rebuild).
fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if fs::read_to_string(path).ok().as_deref() != Some(text) {
        fs::write(path, text)?;
    }
    Ok(())
}

//! The `query-qmp-schema` captures bundled from the workspace's `schemas/` folder (by the
//! build script), so the CLI works without QEMU or a schema file.

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// The newest bundled schema: (file name, JSON).
pub fn newest() -> Option<(&'static str, &'static str)> {
    BUNDLED.last().copied()
}

/// The bundled schema with this file name.
pub fn find(name: &str) -> Option<(&'static str, &'static str)> {
    BUNDLED.iter().find(|(file, _)| *file == name).copied()
}

/// The reference manual bundled with the bundled schema `schema` (its `X.ref.7.gz`):
/// (file name, compressed bytes).
pub fn find_reference(schema: &str) -> Option<(&'static str, &'static [u8])> {
    let stem = schema.strip_suffix(".json")?;
    BUNDLED_REFERENCES
        .iter()
        .find(|(file, _)| file.strip_suffix(".ref.7.gz") == Some(stem))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_both_captured_releases_oldest_first() {
        let names: Vec<&str> = BUNDLED.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            ["qemu-7.2.22-x86_64.json", "qemu-10.0.2-x86_64.json"]
        );
        assert_eq!(newest().map(|(n, _)| n), Some("qemu-10.0.2-x86_64.json"));
        assert!(find("qemu-7.2.22-x86_64.json").is_some_and(|(_, j)| j.starts_with('[')));
    }
}

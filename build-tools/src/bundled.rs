//! The `query-qmp-schema` captures bundled from the workspace's `schemas/` folder, and the
//! guest agent's schemas from `schemas/guest-agent/` (by the build script), so the CLI and
//! [`crate::Config`] work without QEMU, a schema file or a checkout.

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// The newest bundled schema: (file name, JSON).
pub fn newest() -> Option<(&'static str, &'static str)> {
    BUNDLED.last().copied()
}

/// The newest bundled guest-agent schema: (file name, JSON).
pub fn newest_agent() -> Option<(&'static str, &'static str)> {
    BUNDLED_AGENT.last().copied()
}

/// The bundled schema (QMP or guest agent) with this file name.
pub fn find(name: &str) -> Option<(&'static str, &'static str)> {
    BUNDLED
        .iter()
        .chain(BUNDLED_AGENT)
        .find(|(file, _)| *file == name)
        .copied()
}

/// The file names of every bundled schema, QMP first, for messages.
pub fn names() -> impl Iterator<Item = &'static str> {
    BUNDLED.iter().chain(BUNDLED_AGENT).map(|(file, _)| *file)
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

    #[test]
    fn bundles_both_guest_agent_releases_with_their_manuals() {
        let names: Vec<&str> = BUNDLED_AGENT.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["qemu-ga-7.2.22.json", "qemu-ga-10.0.2.json"]);
        assert_eq!(newest_agent().map(|(n, _)| n), Some("qemu-ga-10.0.2.json"));
        for name in names {
            let (_, json) = find(name).unwrap();
            assert!(json.contains("\"guest-sync-delimited\""), "{name}");
            let (manual, bytes) = find_reference(name).unwrap();
            assert_eq!(manual, name.replace(".json", ".ref.7.gz"));
            assert!(bytes.starts_with(&[0x1f, 0x8b]), "{manual} is not gzip");
        }
        // The QMP default is unchanged.
        assert_eq!(newest().map(|(n, _)| n), Some("qemu-10.0.2-x86_64.json"));
    }
}

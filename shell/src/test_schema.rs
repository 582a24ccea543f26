//! The bundled QEMU 10.0.2 schema, read once, for the unit tests of the pure parts.

use std::sync::OnceLock;

use crate::schema::Schema;

/// The indexed `schemas/qemu-10.0.2-x86_64.json`.
pub fn schema_10_0() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../schemas/qemu-10.0.2-x86_64.json"
        );
        let text = std::fs::read_to_string(path).expect("bundled schema");
        Schema::new(serde_json::from_str(&text).expect("schema JSON")).expect("indexable schema")
    })
}

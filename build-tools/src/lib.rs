//! `qmp-build-tools`: generate typed Rust from `query-qmp-schema` output.

//! The generator's error type: every failure names the input (file, entry, path) it is about.

use std::path::PathBuf;

use crate::naming::NamingError;

/// Everything that can go wrong between reading a schema and writing the bindings.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The schema file could not be read.
    #[error("cannot read schema {path}: {source}")]
    ReadSchema {
        /// The file that was being read.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The output file (or its directory) could not be written.
    #[error("cannot write bindings to {path}: {source}")]
    Write {
        /// The file that was being written.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The schema is not well-formed JSON, or not a JSON array.
    #[error(
        "malformed schema JSON at line {line}, column {column} (byte offset {offset}): {message}; \
         expected the `return` array of `query-qmp-schema`"
    )]
    Json {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// 0-based byte offset of the error.
        offset: usize,
        /// What the JSON parser reported.
        message: String,
    },
    /// One entry of the schema array is not a valid `SchemaInfo`.
    #[error("schema entry #{index} ({name}): {message}")]
    Entry {
        /// 0-based position of the entry in the schema array.
        index: usize,
        /// The entry's `name` (`<unnamed>` when it has none).
        name: String,
        /// What is wrong with it.
        message: String,
    },
    /// The entries break a rule of the schema (duplicate names, a type reference that does
    /// not resolve, …): see [`qmp_types::introspection::validate`].
    #[error(transparent)]
    Schema(#[from] qmp_types::introspection::SchemaError),
    /// Rust names could not be assigned to the schema's types.
    #[error("naming the schema's types: {0}")]
    Naming(#[from] NamingError),
    /// A command given to `only_commands` is not in the schema.
    #[error("`only_commands` names `{0}`, which is not a command of the schema")]
    UnknownCommand(String),
    /// An event given to `only_events` is not in the schema.
    #[error("`only_events` names `{0}`, which is not an event of the schema")]
    UnknownEvent(String),
    /// A reference manual could not be read or decompressed.
    #[error("cannot read reference manual {path}: {source}")]
    ReadReference {
        /// The file that was being read.
        path: PathBuf,
        /// The I/O or decompression error.
        source: std::io::Error,
    },
    /// A reference manual is not one QEMU's QMP reference manuals, or cannot be read as one.
    #[error("reference manual {}:{line}: {message}", path.display())]
    Reference {
        /// The manual.
        path: PathBuf,
        /// 1-based line of the (uncompressed) manual.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// `Config::bundled_schema` named a schema that is not bundled.
    #[error("no bundled schema is called `{name}`; bundled: {bundled}")]
    UnknownBundledSchema {
        /// The file name asked for.
        name: String,
        /// The bundled schemas' file names, comma-separated.
        bundled: String,
    },
    /// An attribute given to `Config::type_attribute` (or `type_derive`) is not Rust.
    #[error(
        "the attribute `{attribute}` for types `{path}` does not parse ({message}); expected \
         outer attributes such as `#[derive(Hash)]`"
    )]
    TypeAttribute {
        /// The path it was given for.
        path: String,
        /// The attribute text as given.
        attribute: String,
        /// What the parser reported.
        message: String,
    },
    /// A merge of schemas was asked for with an empty list of schemas.
    #[error("no schemas to merge: give at least one schema")]
    NoSchemas,
    /// More schemas than one merge takes.
    #[error(
        "{0} schemas given; one merge takes at most {max}",
        max = crate::merge::Releases::MAX
    )]
    TooManySchemas(usize),
    /// Schemas of different programs cannot be merged.
    #[error(
        "cannot merge {other} ({other_program}) into bindings for {first} ({first_program}): \
         schemas of different programs describe different servers; generate one module per \
         program"
    )]
    MixedPrograms {
        /// The first schema given.
        first: String,
        /// What program it is of.
        first_program: String,
        /// The first schema of another program.
        other: String,
        /// What program that one is of.
        other_program: String,
    },
    /// `Config::generate` was called without a schema.
    #[error(
        "no schema given: call `Config::schema(path)` or `Config::bundled_schema(name)` first"
    )]
    NoSchema,
    /// `Config::write` has no output directory: none was set and `OUT_DIR` is unset.
    #[error(
        "no output directory: call `Config::out_dir(dir)` or run from a build script (OUT_DIR)"
    )]
    NoOutDir,
    /// The generated tokens do not parse as a Rust file: a bug in this crate.
    #[error("internal error: the generated code does not parse ({0}); please report this bug")]
    Format(String),
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

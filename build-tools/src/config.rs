//! The `build.rs` front end: a [`Config`] builder in the style of `prost-build`, and the
//! one-call [`generate_bindings`] for the common case.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::{env, fs};

use crate::bundled;
use crate::engine::{self, Settings};
use crate::error::{Error, Result};
use crate::reference::{self, companion, Manual};
use crate::type_attributes::TypeAttribute;

/// The default output file name.
const DEFAULT_FILE_NAME: &str = "qmp.rs";

/// Settings for generating bindings from a `build.rs`.
///
/// # Examples
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), qmp_build_tools::Error> {
///     qmp_build_tools::Config::new()
///         .schema("schemas/qemu-10.0.2-x86_64.json")
///         .exclude_unstable(true)
///         .only_commands(["query-status", "stop", "cont"])
///         .only_events(["STOP", "RESUME"])
///         .write()?;
///     Ok(())
/// }
/// ```
/// and in the crate: `mod qmp { include!(concat!(env!("OUT_DIR"), "/qmp.rs")); }`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    schema: Option<SchemaChoice>,
    reference: ReferenceChoice,
    out_dir: Option<PathBuf>,
    file_name: Option<String>,
    settings: Settings,
}

/// Where the schema comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum SchemaChoice {
    /// A JSON file.
    File(PathBuf),
    /// A schema bundled into this crate, by file name.
    Bundled(String),
    /// Several JSON files, merged into one module (see [`Config::schemas`]).
    Files(Vec<PathBuf>),
    /// Several bundled schemas, merged into one module (see [`Config::bundled_schemas`]).
    BundledSet(Vec<String>),
}

/// Where QEMU's reference manual comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum ReferenceChoice {
    /// The manual stored beside the schema (`X.ref.7.gz`), if there is one.
    #[default]
    BesideSchema,
    /// This file.
    File(PathBuf),
    /// None: names from use sites only, no QEMU docs.
    Without,
}

impl Config {
    /// A configuration with defaults: every command and event, unstable items included,
    /// output `qmp.rs` in `OUT_DIR`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The `query-qmp-schema` output (a JSON file) to generate from. This or
    /// [`Config::bundled_schema`] is required.
    pub fn schema(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.schema = Some(SchemaChoice::File(path.into()));
        self
    }

    /// Several schemas (QEMU releases, or targets of one release) for **one** module that
    /// covers them all: types are merged by name, a member is required only where every
    /// release requires it, enum values and variants are the union, and commands, events,
    /// members and values say which releases have them (docs, and
    /// `qmp_types::Command::AVAILABLE_IN`); a member whose type differs between releases gets one
    /// that decodes what each sends (the README lists the cases of the bundled pair). Each schema uses the
    /// manual stored beside it (unless [`Config::no_reference`]; [`Config::reference`],
    /// one manual, does not apply); releases are labelled by the `.version` sidecar or the
    /// file name. One path is the same as [`Config::schema`]; none is
    /// [`Error::NoSchemas`].
    ///
    /// # Examples
    /// ```no_run
    /// // build.rs: one module for QEMU 7.2 and 10.0
    /// fn main() -> Result<(), qmp_build_tools::Error> {
    ///     qmp_build_tools::Config::new()
    ///         .schemas(["qemu-7.2.22-x86_64.json", "qemu-10.0.2-x86_64.json"])
    ///         .write()?;
    ///     Ok(())
    /// }
    /// ```
    pub fn schemas<I, P>(&mut self, paths: I) -> &mut Self
    where
        I: IntoIterator<Item = P>,
        P: Into<PathBuf>,
    {
        self.schema = Some(SchemaChoice::Files(
            paths.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// A schema bundled into this crate, by file name: `qemu-10.0.2-x86_64.json`,
    /// `qemu-7.2.22-x86_64.json`, or the guest agent's `qemu-ga-10.0.2.json`,
    /// `qemu-ga-7.2.22.json` (made from the agent's manual), with the manual bundled beside
    /// it (unless [`Config::reference`] or [`Config::no_reference`] say otherwise). No file
    /// or checkout is needed.
    ///
    /// # Examples
    /// ```no_run
    /// // build.rs: typed guest-agent bindings for `qmp_types::qga::GuestAgent`
    /// fn main() -> Result<(), qmp_build_tools::Error> {
    ///     qmp_build_tools::Config::new()
    ///         .bundled_schema("qemu-ga-10.0.2.json")
    ///         .file_name("qga.rs")
    ///         .write()?;
    ///     Ok(())
    /// }
    /// ```
    pub fn bundled_schema(&mut self, file_name: impl Into<String>) -> &mut Self {
        self.schema = Some(SchemaChoice::Bundled(file_name.into()));
        self
    }

    /// Several bundled schemas (see [`Config::bundled_schema`]), each with its bundled
    /// manual, merged into **one** module as [`Config::schemas`] merges files.
    ///
    /// # Examples
    /// ```no_run
    /// // build.rs: one module for QEMU 7.2 and 10.0, no checkout needed
    /// fn main() -> Result<(), qmp_build_tools::Error> {
    ///     qmp_build_tools::Config::new()
    ///         .bundled_schemas(["qemu-7.2.22-x86_64.json", "qemu-10.0.2-x86_64.json"])
    ///         .write()?;
    ///     Ok(())
    /// }
    /// ```
    pub fn bundled_schemas<I, S>(&mut self, file_names: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.schema = Some(SchemaChoice::BundledSet(
            file_names.into_iter().map(Into::into).collect(),
        ));
        self
    }

    /// QEMU's reference manual for the schema (`qemu-qmp-ref.7.gz`, or
    /// `qemu-storage-daemon-qmp-ref.7.gz` for the storage daemon; `.7` or `.7.gz`), which
    /// gives the generated types QEMU's names and QEMU's documentation. By default the
    /// manual `qmp-codegen capture` stored beside the schema (`X.json` → `X.ref.7.gz`) is
    /// used when it exists; without any manual, types are named from their use sites.
    pub fn reference(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.reference = ReferenceChoice::File(path.into());
        self
    }

    /// Uses no reference manual, not even one stored beside the schema: types are named
    /// from their use sites and documented with wire names only.
    pub fn no_reference(&mut self) -> &mut Self {
        self.reference = ReferenceChoice::Without;
        self
    }

    /// The directory [`Config::write`] writes into (default: `OUT_DIR`).
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The name of the written file (default: `qmp.rs`).
    pub fn file_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.file_name = Some(name.into());
        self
    }

    /// Whether to drop unstable items (`unstable` feature or `x-` name): commands, events,
    /// optional members and enum values, and the types only they reach.
    pub fn exclude_unstable(&mut self, exclude: bool) -> &mut Self {
        self.settings.selection.exclude_unstable = exclude;
        self
    }

    /// Whether every type derives both `Serialize` and `Deserialize` (default: no). By default
    /// a type derives only the direction it travels in (`Serialize` for what is sent to QEMU,
    /// `Deserialize` for what is received), which builds about twice as fast; turn this on to
    /// re-encode answers (each command's `Output`) and events (each event's struct), or to
    /// decode arguments (proxies, recorders, tests). The CLI's flag is `--both-directions`.
    pub fn both_directions(&mut self, both: bool) -> &mut Self {
        self.settings.both_directions = both;
        self
    }

    /// Adds `attribute` to the generated types `path` selects, like `prost-build`'s
    /// `type_attribute`. `attribute` is one or more outer attributes as Rust source
    /// (`"#[derive(Hash)]"`, `"#[serde(deny_unknown_fields)]"`), placed after the generated
    /// derives; `path` is `"."` for every generated type, or one type by its Rust name
    /// (`BlockInfo`, `QueryBlock`, `BlockdevOptionsVariant` for a union's variant enum,
    /// `Event`), its QEMU name, or for a command or event its wire name (`query-block`,
    /// `BLOCK_JOB_COMPLETED`). May be called more than once; attributes keep their order.
    ///
    /// A union's variant enum is a type of its own: give it the attribute too where the
    /// derive needs it (`Hash` on a union). Enums already derive `Eq` and `Hash`; a type
    /// travelling one way has only that direction's serde derive (see
    /// [`Config::both_directions`]), so a `#[serde(...)]` attribute needs it to derive one.
    ///
    /// # Errors
    /// [`Config::generate`] fails with [`Error::TypeAttribute`], naming the attribute, when
    /// it does not parse as attributes.
    ///
    /// # Examples
    /// ```no_run
    /// // build.rs
    /// fn main() -> Result<(), qmp_build_tools::Error> {
    ///     qmp_build_tools::Config::new()
    ///         .bundled_schema("qemu-10.0.2-x86_64.json")
    ///         .only_commands(["query-status"])
    ///         .type_attribute("StatusInfo", "#[derive(Eq, Hash)]")
    ///         .type_attribute("query-status", "#[must_use]")
    ///         .write()?;
    ///     Ok(())
    /// }
    /// ```
    pub fn type_attribute(
        &mut self,
        path: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Self {
        self.settings.type_attributes.push(TypeAttribute {
            path: path.into(),
            attribute: attribute.into(),
        });
        self
    }

    /// Derives `derive` (a trait path or several, comma-separated: `"Hash"`,
    /// `"Eq, Hash"`, `"my_crate::Audit"`) on the generated types `path` selects: the same
    /// as `type_attribute(path, "#[derive(...)]")`, which says what `path` selects.
    pub fn type_derive(&mut self, path: impl Into<String>, derive: impl AsRef<str>) -> &mut Self {
        let attribute = format!("#[derive({})]", derive.as_ref());
        self.type_attribute(path, attribute)
    }

    /// Gives a type a name of your choice; `from` is a schema name (masked, e.g. `"17"`, or a
    /// command or event name) or the Rust name the generator would assign.
    pub fn rename_type(&mut self, from: impl Into<String>, to: impl Into<String>) -> &mut Self {
        self.settings.renames.insert(from.into(), to.into());
        self
    }

    /// Generates only these commands (by wire name) and the types they reach; may be called
    /// more than once. Once `only_commands` or `only_events` is used, only what they list is
    /// generated (no events unless listed with `only_events`, and vice versa).
    pub fn only_commands<I, S>(&mut self, commands: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        extend(&mut self.settings.selection.only_commands, commands);
        self
    }

    /// Generates only these events (by wire name) and the types they reach; see
    /// [`Config::only_commands`].
    pub fn only_events<I, S>(&mut self, events: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        extend(&mut self.settings.selection.only_events, events);
        self
    }

    /// Generates the bindings and returns the formatted source.
    ///
    /// # Errors
    /// [`Error::NoSchema`] without a schema, [`Error::ReadSchema`] when it cannot be read,
    /// [`Error::ReadReference`] / [`Error::Reference`] for a reference manual that cannot be
    /// read, and every error of the pipeline (malformed schema, unknown selected command, …).
    pub fn generate(&self) -> Result<String> {
        Ok(self.run(&mut |_| {})?.code)
    }

    /// Reads the inputs and runs the engine; `warn` receives what should not go unnoticed
    /// (a manual of another QEMU release).
    fn run(&self, warn: &mut dyn FnMut(&str)) -> Result<engine::Output> {
        let several = match &self.schema {
            Some(SchemaChoice::Files(paths)) => Some(
                paths
                    .iter()
                    .map(|path| self.read_merged_schema(path))
                    .collect::<Result<Vec<_>>>()?,
            ),
            Some(SchemaChoice::BundledSet(names)) => Some(
                names
                    .iter()
                    .map(|name| self.read_merged_bundled(name))
                    .collect::<Result<Vec<_>>>()?,
            ),
            _ => None,
        };
        if let Some(schemas) = several {
            let output = engine::generate_merged(schemas, &self.settings)?;
            for warning in &output.warnings {
                warn(warning);
            }
            return Ok(output);
        }
        let (json, source, release) = match self.schema.as_ref().ok_or(Error::NoSchema)? {
            SchemaChoice::File(path) => {
                let json = fs::read_to_string(path).map_err(|source| Error::ReadSchema {
                    path: path.clone(),
                    source,
                })?;
                let source = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                (Cow::Owned(json), source, companion::schema_release(path))
            }
            SchemaChoice::Bundled(name) => {
                let json = bundled_json(name)?;
                (
                    Cow::Borrowed(json),
                    name.clone(),
                    companion::release_in_name(name),
                )
            }
            SchemaChoice::Files(_) | SchemaChoice::BundledSet(_) => return Err(Error::NoSchemas),
        };
        let mut settings = self.settings.clone();
        let (entries, manual) = engine::parse_while(&json, || self.read_reference());
        if let Some(manual) = manual? {
            if let Some(warning) = companion::release_mismatch(&manual, release.as_deref()) {
                warn(&warning);
            }
            settings.reference = Some(Arc::new(manual));
        }
        let output = engine::generate_parsed(entries?, &source, &settings)?;
        for warning in &output.warnings {
            warn(warning);
        }
        Ok(output)
    }

    /// One schema of a merge, read and parsed, with the manual beside it.
    fn read_merged_schema(&self, path: &Path) -> Result<engine::SchemaSource> {
        let json = fs::read_to_string(path).map_err(|source| Error::ReadSchema {
            path: path.to_owned(),
            source,
        })?;
        let reference = match self.reference {
            ReferenceChoice::Without => None,
            _ => companion::companion_of(path)
                .map(|manual| reference::read(&manual))
                .transpose()?
                .map(Arc::new),
        };
        Ok(engine::SchemaSource {
            entries: crate::parse::parse(&json)?,
            source: path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            release: companion::schema_release(path),
            reference,
        })
    }

    /// One bundled schema of a merge, parsed, with its bundled manual.
    fn read_merged_bundled(&self, name: &str) -> Result<engine::SchemaSource> {
        let json = bundled_json(name)?;
        let reference = match self.reference {
            ReferenceChoice::Without => None,
            _ => bundled::find_reference(name)
                .map(|(file, bytes)| reference::read_bytes(bytes, file))
                .transpose()?
                .map(Arc::new),
        };
        Ok(engine::SchemaSource {
            entries: crate::parse::parse(json)?,
            source: name.to_owned(),
            release: companion::release_in_name(name),
            reference,
        })
    }

    /// The manual to use, if any, read.
    fn read_reference(&self) -> Result<Option<Manual>> {
        match (&self.reference, &self.schema) {
            (ReferenceChoice::Without, _) => Ok(None),
            (ReferenceChoice::File(path), _) => reference::read(path).map(Some),
            (ReferenceChoice::BesideSchema, Some(SchemaChoice::File(schema))) => {
                companion::companion_of(schema)
                    .map(|path| reference::read(&path))
                    .transpose()
            }
            (ReferenceChoice::BesideSchema, Some(SchemaChoice::Bundled(name))) => {
                bundled::find_reference(name)
                    .map(|(file, bytes)| reference::read_bytes(bytes, file))
                    .transpose()
            }
            (
                ReferenceChoice::BesideSchema,
                None | Some(SchemaChoice::Files(_) | SchemaChoice::BundledSet(_)),
            ) => Ok(None),
        }
    }

    /// Generates the bindings into `out_dir/file_name`, rewriting the file only when its
    /// content changes, and prints `cargo:rerun-if-changed=` for the schema and the manual
    /// (and `cargo:warning=` for a manual of another QEMU release). Returns the path.
    ///
    /// # Errors
    /// [`Error::NoOutDir`] without an output directory, [`Error::Write`] when writing fails,
    /// and the errors of [`Config::generate`].
    pub fn write(&self) -> Result<PathBuf> {
        let files: &[PathBuf] = match &self.schema {
            Some(SchemaChoice::File(schema)) => std::slice::from_ref(schema),
            Some(SchemaChoice::Files(schemas)) => schemas,
            _ => &[],
        };
        for schema in files {
            println!("cargo:rerun-if-changed={}", schema.display());
            if self.reference == ReferenceChoice::BesideSchema {
                // Also when absent, so a manual stored later is picked up.
                for ending in companion::COMPANION_ENDINGS {
                    let path = companion::companion_path(schema, ending);
                    println!("cargo:rerun-if-changed={}", path.display());
                }
            }
        }
        if let ReferenceChoice::File(path) = &self.reference {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        let code = self
            .run(&mut |warning| println!("cargo:warning={warning}"))?
            .code;
        let dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(Error::NoOutDir)?,
        };
        let path = dir.join(self.file_name.as_deref().unwrap_or(DEFAULT_FILE_NAME));
        write_if_changed(&path, &code)?;
        Ok(path)
    }
}

/// The JSON of the bundled schema `name`, or [`Error::UnknownBundledSchema`] listing the
/// bundled ones.
fn bundled_json(name: &str) -> Result<&'static str> {
    bundled::find(name)
        .map(|(_, json)| json)
        .ok_or_else(|| Error::UnknownBundledSchema {
            name: name.to_owned(),
            bundled: bundled::names().collect::<Vec<_>>().join(", "),
        })
}

/// Generates bindings for every command and event of `schema` into `OUT_DIR/file_name`: the
/// common `build.rs` case.
///
/// # Errors
/// See [`Config::write`].
///
/// # Examples
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), qmp_build_tools::Error> {
///     qmp_build_tools::generate_bindings("qemu-schema.json", "qmp.rs")?;
///     Ok(())
/// }
/// ```
pub fn generate_bindings(schema: impl AsRef<Path>, file_name: &str) -> Result<PathBuf> {
    Config::new()
        .schema(schema.as_ref())
        .file_name(file_name)
        .write()
}

/// Adds names to an optional set, creating it.
fn extend<I, S>(set: &mut Option<BTreeSet<String>>, names: I)
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    set.get_or_insert_with(BTreeSet::new)
        .extend(names.into_iter().map(Into::into));
}

/// Writes `text` to `path` unless the file already holds exactly it (so an unchanged output
/// does not trigger rebuilds of the including crate). Creates the directory.
fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    let fail = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(fail)?;
    }
    fs::write(path, text).map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = r#"[
        {"name":"stop","meta-type":"command","arg-type":"0","ret-type":"0"},
        {"name":"0","meta-type":"object","members":[]}
    ]"#;

    #[test]
    fn write_only_rewrites_changed_output() {
        let dir = tempfile::tempdir().unwrap();
        let schema = dir.path().join("s.json");
        fs::write(&schema, SCHEMA).unwrap();
        let mut config = Config::new();
        config.schema(&schema).out_dir(dir.path().join("out"));
        let path = config.write().unwrap();
        assert_eq!(path, dir.path().join("out/qmp.rs"));
        let first = fs::metadata(&path).unwrap().modified().unwrap();
        // Make an unchanged write detectable: backdate the file, then write again.
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(old)
            .unwrap();
        config.write().unwrap();
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), old);
        assert!(first > old);
        fs::write(&path, "stale").unwrap();
        config.write().unwrap();
        assert!(fs::read_to_string(&path)
            .unwrap()
            .contains("pub struct Stop"));
    }

    #[test]
    fn bundled_agent_schema_needs_no_file() {
        let code = Config::new()
            .bundled_schema("qemu-ga-7.2.22.json")
            .generate()
            .unwrap();
        assert!(code.contains("pub struct GuestInfo"), "no guest-info");
        // The bundled manual names and documents the types.
        assert!(code.contains("pub struct GuestAgentInfo"));
        assert!(code.contains("guest agent version"));
        let err = Config::new()
            .bundled_schema("qemu-ga-1.0.json")
            .generate()
            .unwrap_err();
        let message = err.to_string();
        assert!(
            matches!(err, Error::UnknownBundledSchema { .. }),
            "{message}"
        );
        assert!(message.contains("`qemu-ga-1.0.json`"), "{message}");
        assert!(message.contains("qemu-ga-10.0.2.json"), "{message}");
    }

    #[test]
    fn several_bundled_schemas_merge_and_an_unknown_name_is_named() {
        let code = Config::new()
            .bundled_schemas(["qemu-7.2.22-x86_64.json", "qemu-10.0.2-x86_64.json"])
            .only_commands(["query-audiodevs", "x-query-profile", "query-status"])
            .generate()
            .unwrap();
        assert!(
            code.contains("available_in = [\"10.0.2\"]"),
            "query-audiodevs"
        );
        assert!(
            code.contains("available_in = [\"7.2.22\"]"),
            "x-query-profile"
        );
        assert!(code.contains("available_in = [\"7.2.22\", \"10.0.2\"]"));
        let err = Config::new()
            .bundled_schemas(["qemu-7.2.22-x86_64.json", "qemu-9.9.9-x86_64.json"])
            .generate()
            .unwrap_err();
        assert!(
            matches!(&err, Error::UnknownBundledSchema { name, .. } if name == "qemu-9.9.9-x86_64.json"),
            "{err}"
        );
        let err = Config::new()
            .bundled_schemas(Vec::<String>::new())
            .generate()
            .unwrap_err();
        assert!(matches!(err, Error::NoSchemas), "{err}");
    }

    #[test]
    fn several_schemas_merge_and_none_is_an_error() {
        let err = Config::new()
            .schemas(Vec::<PathBuf>::new())
            .generate()
            .unwrap_err();
        assert!(matches!(err, Error::NoSchemas), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("qemu-1.0.0-x86_64.json");
        let new = dir.path().join("qemu-2.0.0-x86_64.json");
        fs::write(&old, SCHEMA).unwrap();
        fs::write(
            &new,
            r#"[
                {"name":"stop","meta-type":"command","arg-type":"0","ret-type":"0"},
                {"name":"cont","meta-type":"command","arg-type":"0","ret-type":"0"},
                {"name":"0","meta-type":"object","members":[]}
            ]"#,
        )
        .unwrap();
        let code = Config::new().schemas([&old, &new]).generate().unwrap();
        assert!(
            code.contains(r#"#[qmp(name = "stop", available_in = ["1.0.0", "2.0.0"])]"#),
            "{code}"
        );
        assert!(code.contains(r#"#[qmp(name = "cont", available_in = ["2.0.0"])]"#));
    }

    #[test]
    fn missing_schema_and_out_dir_are_errors() {
        assert!(matches!(Config::new().generate(), Err(Error::NoSchema)));
        let err = Config::new()
            .schema("/nonexistent/s.json")
            .generate()
            .unwrap_err();
        assert!(err.to_string().contains("/nonexistent/s.json"), "{err}");
    }

    #[test]
    fn both_directions_reaches_the_generated_code() {
        let dir = tempfile::tempdir().unwrap();
        let schema = dir.path().join("s.json");
        fs::write(&schema, SCHEMA).unwrap();
        let mut config = Config::new();
        config.schema(&schema);
        assert!(!config.generate().unwrap().contains("Deserialize"));
        let code = config.both_directions(true).generate().unwrap();
        assert!(code.contains("::qmp_types::DeserializeObject"), "{code}");
        assert!(code.contains("::qmp_types::SerializeObject"), "{code}");
    }

    #[test]
    fn type_attributes_reach_the_selected_types_and_bad_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let schema = dir.path().join("s.json");
        fs::write(&schema, SCHEMA).unwrap();
        let mut config = Config::new();
        config
            .schema(&schema)
            .type_derive("stop", "Eq, Hash")
            .type_attribute(".", "#[doc(alias = \"everywhere\")]");
        let code = config.generate().unwrap();
        let stop = code.find("pub struct Stop").unwrap();
        let event = code.find("pub enum Event").unwrap();
        assert!(code[..stop].contains("#[derive(Eq, Hash)]"), "{code}");
        assert!(!code[stop..].contains("#[derive(Eq, Hash)]"), "{code}");
        assert!(code[stop..event].contains("everywhere"), "{code}");
        let err = config
            .type_attribute("Stop", "#[derive(Hash")
            .generate()
            .unwrap_err();
        assert!(matches!(err, Error::TypeAttribute { .. }), "{err}");
        assert!(err.to_string().contains("`#[derive(Hash`"), "{err}");
    }

    #[test]
    fn unknown_only_command_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let schema = dir.path().join("s.json");
        fs::write(&schema, SCHEMA).unwrap();
        let err = Config::new()
            .schema(&schema)
            .only_commands(["cont"])
            .generate()
            .unwrap_err();
        assert!(matches!(err, Error::UnknownCommand(ref c) if c == "cont"));
    }
}

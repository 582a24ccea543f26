//! The `qmp-codegen` command line: arguments (clap) and their execution, which fills
//! [`Settings`] and calls the same [`engine`] as [`crate::Config`].

use std::borrow::Cow;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::bundled;
use crate::diff::DiffSide;
use crate::engine::{self, Settings};
use crate::error::Error;
use crate::reference::{self, companion, Manual};
use crate::type_attributes::TypeAttribute;
use crate::{agent_schema, capture};

/// `qmp-codegen`: typed Rust bindings from QEMU's `query-qmp-schema` output.
#[derive(Debug, Parser)]
#[command(name = "qmp-codegen", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate Rust bindings from a schema.
    Generate(GenerateArgs),
    /// List every schema entity with the Rust type generated for it (`name<TAB>type`).
    Names(NamesArgs),
    /// List what changed between two schemas (commands, events, members, enum values,
    /// features), by path from the commands and events.
    Diff(DiffArgs),
    /// Capture `query-qmp-schema` from a QEMU program or a running QMP server into
    /// `qemu-<version>-<target>.json` (plus a `.version` sidecar); see [`crate::capture`].
    Capture(capture::CaptureArgs),
}

/// Arguments of `generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// `query-qmp-schema` output (JSON file, or the file name of a bundled schema, QMP or
    /// guest agent such as `qemu-ga-10.0.2.json`); default: the newest bundled QMP schema.
    /// Several schemas (releases, or targets of one release) give one module covering all
    /// of them, each with the manual beside it (see `qmp_build_tools::merge`).
    #[arg(value_name = "SCHEMA")]
    pub schemas: Vec<PathBuf>,
    /// Without SCHEMA: the newest bundled guest-agent schema (made from the agent's manual)
    /// instead of the newest QMP schema.
    #[arg(long, conflicts_with = "schemas")]
    pub agent: bool,
    /// Write the bindings to FILE instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// QEMU's reference manual for the schema.
    #[command(flatten)]
    pub reference: ReferenceArgs,
    /// Print counts per meta-type, naming collisions, what the reference manual could not
    /// name and (several schemas) every member whose type differs between them to stderr.
    #[arg(short, long)]
    pub verbose: bool,
    /// Leave out unstable items (`unstable` feature or `x-` name).
    #[arg(long)]
    pub exclude_unstable: bool,
    /// Derive both `Serialize` and `Deserialize` on every type (default: only the direction
    /// each type travels in, which builds about twice as fast).
    #[arg(long)]
    pub both_directions: bool,
    /// Generate only this command (repeatable) and the types it reaches.
    #[arg(long = "only-command", value_name = "COMMAND")]
    pub only_commands: Vec<String>,
    /// Generate only this event (repeatable) and the types it reaches.
    #[arg(long = "only-event", value_name = "EVENT")]
    pub only_events: Vec<String>,
    /// Rename a type: schema name or assigned Rust name, `=`, the new name (repeatable).
    #[arg(long = "rename", value_name = "FROM=TO", value_parser = parse_rename)]
    pub renames: Vec<(String, String)>,
    /// Derive traits on the types PATH selects (repeatable): `.` for every type, or a Rust,
    /// QEMU or wire name, `=`, the traits (`Eq, Hash`); see `Config::type_derive`. Derives
    /// come before the attributes of `--type-attribute`.
    #[arg(long = "type-derive", value_name = "PATH=DERIVE", value_parser = parse_type_setting)]
    pub type_derives: Vec<(String, String)>,
    /// Add attributes to the types PATH selects (repeatable): PATH as for `--type-derive`,
    /// `=`, outer attributes (`#[serde(deny_unknown_fields)]`); see `Config::type_attribute`.
    #[arg(
        long = "type-attribute",
        value_name = "PATH=ATTRIBUTE",
        value_parser = parse_type_setting
    )]
    pub type_attributes: Vec<(String, String)>,
}

/// Arguments of `names`.
#[derive(Debug, Args)]
pub struct NamesArgs {
    /// `query-qmp-schema` output (JSON file, or the file name of a bundled schema, QMP or
    /// guest agent such as `qemu-ga-10.0.2.json`); default: the newest bundled QMP schema.
    /// Several schemas: `release<TAB>name<TAB>type` lines with the merged module's types.
    #[arg(value_name = "SCHEMA")]
    pub schemas: Vec<PathBuf>,
    /// Without SCHEMA: the newest bundled guest-agent schema (made from the agent's manual)
    /// instead of the newest QMP schema.
    #[arg(long, conflicts_with = "schemas")]
    pub agent: bool,
    /// QEMU's reference manual for the schema.
    #[command(flatten)]
    pub reference: ReferenceArgs,
}

/// Where `generate` and `names` take QEMU's reference manual (QEMU's type names and
/// documentation) from.
#[derive(Debug, Args)]
pub struct ReferenceArgs {
    /// QEMU's reference manual (`qemu-qmp-ref.7.gz`, `qemu-storage-daemon-qmp-ref.7.gz`;
    /// `.7` or `.7.gz`); default: the manual stored beside the schema (`X.json` →
    /// `X.ref.7.gz`), or the one bundled with a bundled schema.
    #[arg(long, value_name = "FILE", conflicts_with = "no_reference")]
    pub reference: Option<PathBuf>,
    /// Use no reference manual: types named from their use sites, no QEMU docs.
    #[arg(long)]
    pub no_reference: bool,
}

/// Arguments of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The older schema (JSON file, or the file name of a bundled schema).
    pub old: PathBuf,
    /// The newer schema (JSON file, or the file name of a bundled schema).
    pub new: PathBuf,
    /// Print the changes as JSON (`{"changes": [{"path", "change", ...}]}`) for tools.
    #[arg(long)]
    pub json: bool,
    /// The older schema's reference manual; default: the one stored beside it (or bundled
    /// with it). With both schemas' manuals, types QEMU renamed are reported too.
    #[arg(long, value_name = "FILE", conflicts_with = "no_reference")]
    pub old_reference: Option<PathBuf>,
    /// The newer schema's reference manual; default as for `--old-reference`.
    #[arg(long, value_name = "FILE", conflicts_with = "no_reference")]
    pub new_reference: Option<PathBuf>,
    /// Use no reference manuals (no renames reported).
    #[arg(long)]
    pub no_reference: bool,
}

/// Why a `qmp-codegen` run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// The generator failed.
    #[error(transparent)]
    Generate(#[from] Error),
    /// No SCHEMA was given and none is bundled.
    #[error("no SCHEMA given and no schema is bundled into this binary")]
    NoBundledSchema,
    /// `--reference` names one manual, but several schemas were given.
    #[error(
        "--reference names one manual, but {0} schemas were given: each schema of a merge \
         uses the manual stored beside it (X.json → X.ref.7.gz); use --no-reference for none"
    )]
    ReferenceForMerge(usize),
    /// `diff` could not compare the schemas.
    #[error(transparent)]
    Diff(#[from] crate::diff::DiffError),
    /// `capture` failed.
    #[error(transparent)]
    Capture(#[from] Box<capture::CaptureError>),
    /// Standard output or error could not be written.
    #[error("cannot write to {stream}: {source}")]
    Output {
        /// `stdout` or `stderr`.
        stream: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Runs the parsed command line, writing results to `stdout` and diagnostics to `stderr`.
///
/// # Errors
/// [`CliError`] naming what failed (the schema entry for a bad schema).
pub fn run(cli: Cli, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<(), CliError> {
    match cli.command {
        Command::Generate(args) => generate(args, stdout, stderr),
        Command::Names(args) if args.schemas.len() > 1 => {
            let sources = load_all(&args.schemas, false, &args.reference, stderr)?;
            let listing = engine::merged_names_listing(sources, &Default::default())?;
            write_out(stdout, "stdout", listing.as_bytes())
        }
        Command::Names(args) => {
            let schema = load(args.schemas.first().map(PathBuf::as_path), args.agent)?;
            let (manual, warning) = load_reference(&args.reference, &schema)?;
            if let Some(warning) = warning {
                write_warning(stderr, warning)?;
            }
            let listing =
                engine::names_with_reference(&schema.json, &Default::default(), manual.as_ref())?;
            write_out(stdout, "stdout", listing.as_bytes())
        }
        Command::Diff(args) => diff(args, stdout, stderr),
        Command::Capture(args) => {
            match args.binary.as_deref().filter(|b| agent_schema::is_agent(b)) {
                Some(agent) => agent_schema::run(
                    agent,
                    args.agent_manual.as_deref(),
                    args.returns_from.as_deref(),
                    args.output.clone(),
                    args.dir.clone(),
                    stderr,
                ),
                None => capture::run(args, stderr),
            }
            .map_err(CliError::from)
        }
    }
}

/// `diff`.
fn diff(args: DiffArgs, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Result<(), CliError> {
    let old = load(Some(&args.old), false)?;
    let new = load(Some(&args.new), false)?;
    let manual = |reference: &Option<PathBuf>, schema: &Schema| {
        let choice = ReferenceArgs {
            reference: reference.clone(),
            no_reference: args.no_reference,
        };
        load_reference(&choice, schema)
    };
    let (old_manual, old_warning) = manual(&args.old_reference, &old)?;
    let (new_manual, new_warning) = manual(&args.new_reference, &new)?;
    for warning in [old_warning, new_warning].into_iter().flatten() {
        write_warning(stderr, warning)?;
    }
    let changes = crate::diff::diff_sides(
        DiffSide {
            name: &old.name,
            json: &old.json,
            manual: old_manual.as_ref(),
        },
        DiffSide {
            name: &new.name,
            json: &new.json,
            manual: new_manual.as_ref(),
        },
    )?;
    if !args.json {
        return write_out(stdout, "stdout", changes.to_string().as_bytes());
    }
    serde_json::to_writer_pretty(&mut *stdout, &changes).map_err(|e| CliError::Output {
        stream: "stdout",
        source: e.into(),
    })?;
    write_out(stdout, "stdout", b"\n")
}

/// `generate`.
fn generate(
    args: GenerateArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<(), CliError> {
    let sources = load_all(&args.schemas, args.agent, &args.reference, stderr)?;
    let names: Vec<String> = sources.iter().map(|s| s.source.clone()).collect();
    let mut settings = Settings::default();
    settings.selection.exclude_unstable = args.exclude_unstable;
    settings.both_directions = args.both_directions;
    if !args.only_commands.is_empty() {
        settings.selection.only_commands = Some(args.only_commands.into_iter().collect());
    }
    if !args.only_events.is_empty() {
        settings.selection.only_events = Some(args.only_events.into_iter().collect());
    }
    settings.renames = args.renames.into_iter().collect();
    let derives = args
        .type_derives
        .into_iter()
        .map(|(path, derive)| (path, format!("#[derive({derive})]")));
    settings.type_attributes = derives
        .chain(args.type_attributes)
        .map(|(path, attribute)| TypeAttribute { path, attribute })
        .collect();
    let output = engine::generate_merged(sources, &settings)?;
    for warning in &output.warnings {
        write_warning(stderr, warning)?;
    }
    if args.verbose {
        let mut report = format!(
            "schema {}\n{:<10} {:>7} {:>10}\n",
            names.join(" + "),
            "meta-type",
            "schema",
            "generated"
        );
        for (meta, (total, generated)) in &output.counts {
            report.push_str(&format!("{meta:<10} {total:>7} {generated:>10}\n"));
        }
        report.push_str(&format!(
            "naming collisions resolved: {}\n",
            output.collisions.len()
        ));
        for collision in &output.collisions {
            report.push_str(&format!("  {collision}\n"));
        }
        if let Some((named, total)) = output.qemu_named {
            report.push_str(&format!(
                "QEMU names from the reference manual: {named} of {total} named types\n"
            ));
            for note in &output.reference_notes {
                report.push_str(&format!("  {note}\n"));
            }
        }
        if names.len() > 1 {
            report.push_str(&format!(
                "members whose type differs between the schemas: {}\n",
                output.type_changes.len()
            ));
            for change in &output.type_changes {
                report.push_str(&format!("  {change}\n"));
            }
        }
        write_out(stderr, "stderr", report.as_bytes())?;
    }
    match args.output {
        Some(path) => std::fs::write(&path, &output.code)
            .map_err(|source| Error::Write { path, source }.into()),
        None => write_out(stdout, "stdout", output.code.as_bytes()),
    }
}

/// The schemas `paths` (none: the newest bundled one, of the guest agent with `agent`),
/// parsed, each with its reference manual and release.
fn load_all(
    paths: &[PathBuf],
    agent: bool,
    reference: &ReferenceArgs,
    stderr: &mut dyn Write,
) -> Result<Vec<engine::SchemaSource>, CliError> {
    if paths.len() > 1 && reference.reference.is_some() {
        return Err(CliError::ReferenceForMerge(paths.len()));
    }
    let paths: Vec<Option<&Path>> = if paths.is_empty() {
        vec![None]
    } else {
        paths.iter().map(|p| Some(p.as_path())).collect()
    };
    let mut sources = Vec::with_capacity(paths.len());
    for path in paths {
        let schema = load(path, agent)?;
        let (entries, manual) =
            engine::parse_while(&schema.json, || load_reference(reference, &schema));
        let (manual, warning) = manual?;
        if let Some(warning) = warning {
            write_warning(stderr, warning)?;
        }
        let release = match &schema.path {
            Some(path) => companion::schema_release(path),
            None => companion::release_in_name(&schema.name),
        };
        sources.push(engine::SchemaSource {
            entries: entries?,
            source: schema.name,
            release,
            reference: manual.map(Arc::new),
        });
    }
    Ok(sources)
}

/// A schema to work on.
struct Schema {
    /// Its file name, for headers and messages.
    name: String,
    /// Its text.
    json: Cow<'static, str>,
    /// The file it was read from; `None` for a bundled schema.
    path: Option<PathBuf>,
}

/// The schema to work on: a file, else a bundled schema of that file name, else (no SCHEMA)
/// the newest bundled one (of the guest agent with `agent`).
fn load(schema: Option<&Path>, agent: bool) -> Result<Schema, CliError> {
    let bundled = |(name, json): (&'static str, &'static str)| Schema {
        name: name.to_owned(),
        json: Cow::Borrowed(json),
        path: None,
    };
    let Some(path) = schema else {
        let newest = if agent {
            bundled::newest_agent()
        } else {
            bundled::newest()
        };
        return newest.map(bundled).ok_or(CliError::NoBundledSchema);
    };
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    match std::fs::read_to_string(path) {
        Ok(json) => Ok(Schema {
            name,
            json: Cow::Owned(json),
            path: Some(path.to_owned()),
        }),
        Err(source) => match bundled::find(&path.to_string_lossy()) {
            Some(found) => Ok(bundled(found)),
            None => Err(Error::ReadSchema {
                path: path.to_owned(),
                source,
            }
            .into()),
        },
    }
}

/// The reference manual for `schema` as `args` choose: the given file, none, or the one
/// stored beside the schema file (bundled with a bundled schema). A manual of another QEMU
/// release is used, with the warning returned beside it.
fn load_reference(
    args: &ReferenceArgs,
    schema: &Schema,
) -> Result<(Option<Manual>, Option<String>), CliError> {
    if args.no_reference {
        return Ok((None, None));
    }
    let manual = match (&args.reference, &schema.path) {
        (Some(file), _) => reference::read(file)?,
        (None, Some(path)) => match companion::companion_of(path) {
            Some(file) => reference::read(&file)?,
            None => return Ok((None, None)),
        },
        (None, None) => match bundled::find_reference(&schema.name) {
            Some((name, bytes)) => reference::read_bytes(bytes, name)?,
            None => return Ok((None, None)),
        },
    };
    let release = match &schema.path {
        Some(path) => companion::schema_release(path),
        None => companion::release_in_name(&schema.name),
    };
    let warning = companion::release_mismatch(&manual, release.as_deref());
    Ok((Some(manual), warning))
}

/// Writes `warning: {warning}` to `stderr`.
fn write_warning(stderr: &mut dyn Write, warning: impl std::fmt::Display) -> Result<(), CliError> {
    write_out(stderr, "stderr", format!("warning: {warning}\n").as_bytes())
}

/// Writes `bytes` to a standard stream.
fn write_out(stream: &mut dyn Write, name: &'static str, bytes: &[u8]) -> Result<(), CliError> {
    stream
        .write_all(bytes)
        .and_then(|()| stream.flush())
        .map_err(|source| CliError::Output {
            stream: name,
            source,
        })
}

/// Parses `FROM=TO`.
fn parse_rename(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((from, to)) if !from.is_empty() && !to.is_empty() => {
            Ok((from.to_owned(), to.to_owned()))
        }
        _ => Err(format!("expected FROM=TO, got `{text}`")),
    }
}

/// `PATH=TEXT` of `--type-derive` and `--type-attribute`, split at the first `=` (a path
/// has none; an attribute may).
fn parse_type_setting(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((path, value)) if !path.is_empty() && !value.is_empty() => {
            Ok((path.to_owned(), value.to_owned()))
        }
        _ => Err(format!("expected PATH=VALUE, got `{text}`")),
    }
}

impl From<capture::CaptureError> for CliError {
    fn from(error: capture::CaptureError) -> Self {
        CliError::Capture(Box::new(error))
    }
}

//! QEMU's QMP reference manuals (`qemu-qmp-ref.7`, `qemu-storage-daemon-qmp-ref.7`,
//! `qemu-ga-ref.7`, plain or gzip-compressed as shipped) read into a [`Manual`]: QEMU's own
//! type names, member types, optionality, branches, bases, returns, features, `Since:`
//! versions and doc text as Markdown.
//!
//! Reading is layered: `roff` splits the man page into requests and text and decodes
//! escapes, `blocks` nests them into the page's block structure, one module per layout
//! turns that structure into definitions — `heading_layout` for QEMU 7 (definitions are
//! `.SS` subsections), `tagged_layout` for QEMU 10 (definitions are tagged paragraphs) —
//! and `markdown` renders text for rustdoc.
//!
//! Conventions of the result: QEMU writes the builtin `any` as `value`, read back as `any`;
//! QEMU's placeholder "Not documented" is read as an empty doc; 7.2's build conditions
//! (`If:`) and 10.0's (`Availability:`) stay in the docs, as *Availability*: `COND`.
//!
//! ```no_run
//! # fn main() -> qmp_build_tools::Result<()> {
//! let manual = qmp_build_tools::reference::read("qemu-qmp-ref.7.gz".as_ref())?;
//! let block_info = &manual.definitions["BlockInfo"];
//! println!("{} members, since {:?}", block_info.members.len(), block_info.since);
//! # Ok(())
//! # }
//! ```

mod blocks;
pub mod companion;
mod heading_layout;
mod markdown;
mod members;
mod model;
mod roff;
mod schema;
mod sections;
mod tagged_layout;

pub use model::*;
pub use schema::{to_schema, EMPTY_OBJECT};

use std::collections::btree_map::Entry;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The first bytes of a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Reads a manual from `path`, gzip-compressed (detected by its magic bytes) or not.
///
/// # Errors
///
/// [`Error::ReadReference`] when the file cannot be read or decompressed,
/// [`Error::Reference`] when it is not a QEMU QMP reference manual (see [`parse`]).
pub fn read(path: &Path) -> Result<Manual> {
    let bytes = std::fs::read(path).map_err(|source| Error::ReadReference {
        path: path.to_owned(),
        source,
    })?;
    read_bytes(&bytes, &path.display().to_string())
}

/// Reads a manual from its file's bytes, gzip-compressed (detected by its magic bytes) or
/// not; `source` names it in messages.
///
/// # Errors
///
/// As [`read`].
pub fn read_bytes(bytes: &[u8], source: &str) -> Result<Manual> {
    let path = Path::new(source);
    let read_error = |source| Error::ReadReference {
        path: path.to_owned(),
        source,
    };
    let decompressed;
    let bytes = if bytes.starts_with(&GZIP_MAGIC) {
        let mut text = Vec::with_capacity(bytes.len() * 6);
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut text)
            .map_err(read_error)?;
        decompressed = text;
        decompressed.as_slice()
    } else {
        bytes
    };
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let offset = error.valid_up_to();
        let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
        Error::Reference {
            path: path.to_owned(),
            line,
            message: format!("not UTF-8 text (byte offset {offset} of the uncompressed text)"),
        }
    })?;
    parse(text, source)
}

/// Parses the text of a manual; `source` names it in messages.
///
/// Another QEMU program's manual parses as that program ([`Manual::program`]); the caller
/// decides whether it fits. What could not be read cleanly (unknown roff, a file that ends
/// inside a block or before its closing section, an unreadable list item) is reported in
/// [`Manual::warnings`].
///
/// # Errors
///
/// [`Error::Reference`], naming `source` and the line, when the text is empty, is not a man
/// page (no `.TH` title line), is the man page of something other than a QEMU QMP reference
/// manual, or holds no definition in either known layout.
pub fn parse(text: &str, source: &str) -> Result<Manual> {
    let error = |line, message: String| Error::Reference {
        path: PathBuf::from(source),
        line,
        message,
    };
    if text.trim().is_empty() {
        return Err(error(1, "the file is empty".to_owned()));
    }
    let lines = roff::lex(text);
    let (title_line, title) = lines
        .iter()
        .find_map(|line| match line.kind {
            roff::LineKind::Request { name: "TH", args } => Some((line.number, args)),
            _ => None,
        })
        .ok_or_else(|| {
            error(
                1,
                "not a man page: no `.TH` title line (expected QEMU's `qemu-qmp-ref.7`, \
                 `qemu-storage-daemon-qmp-ref.7` or `qemu-ga-ref.7`)"
                    .to_owned(),
            )
        })?;
    let fields = title_fields(title);
    let program = match fields.first().map(String::as_str) {
        Some("QEMU-QMP-REF") => Program::SystemEmulator,
        Some("QEMU-STORAGE-DAEMON-QMP-REF") => Program::StorageDaemon,
        Some("QEMU-GA-REF") => Program::GuestAgent,
        other => {
            return Err(error(
                title_line,
                format!(
                    "the man page of `{}`, not a QEMU QMP reference manual (expected the title \
                     QEMU-QMP-REF, QEMU-STORAGE-DAEMON-QMP-REF or QEMU-GA-REF)",
                    other.unwrap_or("")
                ),
            ))
        }
    };
    let version = fields.get(3).filter(|v| !v.is_empty()).cloned();

    let mut warnings = Vec::new();
    let tree = blocks::build(&lines, &mut warnings);
    let read = if tagged_layout::recognises(&tree, &mut warnings) {
        tagged_layout::definitions
    } else if heading_layout::recognises(&tree, &mut warnings) {
        heading_layout::definitions
    } else {
        return Err(error(
            title_line,
            "no definition in either known layout (QEMU 7's `.SS name (Kind)` headings or \
             QEMU 10's `.B Kind  name` entries); is the file truncated?"
                .to_owned(),
        ));
    };
    let found = sections::read_definitions(tree, read, &mut warnings);
    let mut definitions = std::collections::BTreeMap::new();
    for definition in found {
        match definitions.entry(definition.name.clone()) {
            Entry::Vacant(slot) => {
                slot.insert(definition);
            }
            Entry::Occupied(first) => warnings.push(Warning {
                line: definition.line,
                message: format!(
                    "`{}` is defined again (first at line {}); the first definition is kept",
                    definition.name,
                    first.get().line
                ),
            }),
        }
    }
    if !has_closing_section(&lines) {
        warnings.push(Warning {
            line: lines.last().map_or(1, |line| line.number),
            message: "the manual ends without its closing COPYRIGHT section; the file may be \
                      truncated, and the last definition incomplete"
                .to_owned(),
        });
    }
    warnings.sort_by_key(|warning| warning.line);
    Ok(Manual {
        source: source.to_owned(),
        program,
        version,
        definitions,
        warnings,
    })
}

/// The quoted or bare fields of a `.TH` line.
fn title_fields(args: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut rest = args.trim();
    while !rest.is_empty() {
        let (field, after) = match rest.strip_prefix('"') {
            Some(quoted) => quoted.split_once('"').unwrap_or((quoted, "")),
            None => rest.split_once(char::is_whitespace).unwrap_or((rest, "")),
        };
        fields.push(field.to_owned());
        rest = after.trim_start();
    }
    fields
}

/// Whether the page ends with the section the converter writes last (`.SH COPYRIGHT`).
fn has_closing_section(lines: &[roff::Line<'_>]) -> bool {
    lines.iter().rev().any(|line| {
        matches!(
            line.kind,
            roff::LineKind::Request { name: "SH", args } if args.trim_matches('"') == "COPYRIGHT"
        )
    })
}

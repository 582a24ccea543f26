//! Stage 4: the model and the assigned names → Rust tokens (`quote!`).
//!
//! Output order is fixed: commands, events, the `Event` enum, then every other type, each
//! section sorted by Rust name. All paths are absolute (`::qmp_types::...`; decoding helpers
//! live in `qmp_types::__private`), so the file works `include!`d into any module of a crate
//! that depends on `qmp-types` only.

mod docs;
mod fields;
mod roots;
mod types;

use std::collections::{BTreeMap, HashMap, HashSet};

use proc_macro2::{Ident, Span, TokenStream};
use qmp_types::introspection::{SchemaInfo, SchemaInfoKind};
use quote::quote;

use crate::error::{Error, Result};
use crate::model::{is_deprecated, Model, Usage};
use crate::naming::TypeNames;

/// Emits the bindings for `model`, named by `names`.
///
/// # Errors
/// [`Error::Entry`] when `names` has no Rust name for a generated type.
pub fn emit(model: &Model, names: &TypeNames) -> Result<TokenStream> {
    let mut emitter = Emitter::new(model, names);
    emitter.run()
}

/// Emission state: inputs plus what has been produced so far.
struct Emitter<'a> {
    model: &'a Model,
    names: &'a TypeNames,
    /// Object entries whose Rust type is a command or event struct (same assigned name).
    absorbed: HashMap<usize, usize>,
    /// Every Rust type name in use, to pick collision-free names for union variant enums.
    taken: HashSet<String>,
    /// Parsed Rust type expressions by schema name.
    types: HashMap<String, TokenStream>,
}

impl<'a> Emitter<'a> {
    fn new(model: &'a Model, names: &'a TypeNames) -> Self {
        let mut absorbed = HashMap::new();
        for (i, entry) in model.entries.iter().enumerate() {
            let arg_type = match &entry.kind {
                SchemaInfoKind::Command { arg_type, .. } | SchemaInfoKind::Event { arg_type } => {
                    arg_type
                }
                _ => continue,
            };
            if !model.is_generated(i) {
                continue;
            }
            if let (Some(arg), Some(own), Some(of_arg)) = (
                model.position(arg_type),
                names.type_name(&entry.name),
                names.type_name(arg_type),
            ) {
                if own == of_arg {
                    absorbed.insert(arg, i);
                }
            }
        }
        let taken = names
            .iter()
            .map(|(_, rust)| rust)
            .chain(["Event".to_owned()])
            .collect();
        Emitter {
            model,
            names,
            absorbed,
            taken,
            types: HashMap::new(),
        }
    }

    fn run(&mut self) -> Result<TokenStream> {
        let mut commands = BTreeMap::new();
        let mut events = BTreeMap::new();
        let mut types = BTreeMap::new();
        let mut event_variants = Vec::new();
        for (i, entry) in self.model.entries.iter().enumerate() {
            if !self.model.is_generated(i) {
                continue;
            }
            match &entry.kind {
                SchemaInfoKind::Command { .. } => {
                    let name = self.type_name(i)?;
                    commands.insert(name.to_string(), self.command(i, entry)?);
                }
                SchemaInfoKind::Event { .. } => {
                    let name = self.type_name(i)?;
                    events.insert(name.to_string(), self.event(i, entry)?);
                    event_variants.push((entry, name));
                }
                // Absorbed into a command or event struct, or `::qmp_types::Empty`.
                SchemaInfoKind::Object { .. }
                    if self.absorbed.contains_key(&i)
                        || self.model.is_empty_object(&entry.name) => {}
                SchemaInfoKind::Object { .. }
                | SchemaInfoKind::Enum { .. }
                | SchemaInfoKind::Alternate { .. } => {
                    let name = self.type_name(i)?;
                    types.insert(name.to_string(), self.named_type(i, entry, &name)?);
                }
                SchemaInfoKind::Builtin { .. } | SchemaInfoKind::Array { .. } => {}
            }
        }
        let event_enum = roots::event_enum(&event_variants);
        let commands = commands.values();
        let events = events.values();
        let types = types.values();
        Ok(quote! {
            #(#commands)*
            #(#events)*
            #event_enum
            #(#types)*
        })
    }

    /// The Rust type name of the entry at `i`, as an identifier.
    fn type_name(&self, i: usize) -> Result<Ident> {
        let entry = &self.model.entries[i];
        let name = self
            .names
            .type_name(&entry.name)
            .ok_or_else(|| no_name(i, entry))?;
        ident(name).ok_or_else(|| Error::Entry {
            index: i,
            name: entry.name.clone(),
            message: format!("assigned Rust name `{name}` is not an identifier"),
        })
    }

    /// The Rust type for a reference from entry `from` to schema type `target`; boxed when the
    /// reference closes a cycle.
    fn type_ref(&mut self, from: usize, target: &str) -> Result<TokenStream> {
        let ty = match self.types.get(target) {
            Some(ty) => ty.clone(),
            None => {
                let text = self.names.rust_type(target).ok_or_else(|| {
                    let i = self.model.position(target).unwrap_or(from);
                    no_name(i, &self.model.entries[i])
                })?;
                let ty: TokenStream = text.parse().map_err(|e| Error::Entry {
                    index: from,
                    name: self.model.entries[from].name.clone(),
                    message: format!("assigned Rust type `{text}` does not parse: {e}"),
                })?;
                self.types.insert(target.to_owned(), ty.clone());
                ty
            }
        };
        Ok(if self.model.is_boxed(from, target) {
            quote!(Box<#ty>)
        } else {
            ty
        })
    }

    /// Whether the schema type `name` (or, for an array, its element) is deprecated.
    /// An argument object absorbed into a command or event struct counts as deprecated when
    /// that command or event is.
    fn type_deprecated(&self, name: &str) -> bool {
        let name = self.model.element_of(name).unwrap_or(name);
        let Some(i) = self.model.position(name) else {
            return false;
        };
        let own = is_deprecated(&self.model.entries[i].features);
        own || self
            .absorbed
            .get(&i)
            .is_some_and(|&root| is_deprecated(&self.model.entries[root].features))
    }
}

/// The serde derives (and the `crate` attribute) for a usage.
fn serde_derives(usage: Usage) -> (Vec<TokenStream>, TokenStream) {
    let mut derives = Vec::new();
    if usage.input {
        derives.push(quote!(::qmp_types::serde::Serialize));
    }
    if usage.output {
        derives.push(quote!(::qmp_types::serde::Deserialize));
    }
    let krate = if derives.is_empty() {
        TokenStream::new()
    } else {
        quote!(#[serde(crate = "::qmp_types::serde")])
    };
    (derives, krate)
}

/// `#[deprecated]` when `yes`.
fn deprecated_attr(yes: bool) -> TokenStream {
    if yes {
        quote!(#[deprecated])
    } else {
        TokenStream::new()
    }
}

/// `#[allow(deprecated)]` when `yes`.
fn allow_deprecated(yes: bool) -> TokenStream {
    if yes {
        quote!(#[allow(deprecated)])
    } else {
        TokenStream::new()
    }
}

/// `#[allow(clippy::large_enum_variant)]` for an enum whose variants hold generated types
/// (union variants, alternatives, events).
///
/// Variant sizes depend on the schema (`ObjectAddVariant::ThrottleGroup` is 1 KiB, most of its
/// siblings a few hundred bytes), and boxing the big ones would make the API (`Box::new` to
/// build, deref to match) change whenever QEMU grows a type. The values are short-lived
/// messages, so the size is not worth that; the allow keeps crates that `include!` the file
/// clippy-clean under `-D warnings`. (A `reason = ...` needs Rust 1.81, above the MSRV.)
fn allow_large_variants() -> TokenStream {
    quote!(#[allow(clippy::large_enum_variant)])
}

/// An identifier for a (valid) Rust type name.
fn ident(name: &str) -> Option<Ident> {
    syn::parse_str::<Ident>(name).ok()
}

/// A plain identifier for an internal name known to be valid.
fn plain_ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// The error for a type the naming stage left without a name.
fn no_name(index: usize, entry: &SchemaInfo) -> Error {
    Error::Entry {
        index,
        name: entry.name.clone(),
        message: "no Rust name was assigned to this type".to_owned(),
    }
}

/// The first identifier among `Unknown`, `UnknownValue`, `Unknown2`, … not in `taken`: the
/// fallback variant of an enum or union whose own values might be called `unknown`.
fn fallback_ident(taken: &[Ident]) -> Ident {
    let taken: HashSet<String> = taken.iter().map(ToString::to_string).collect();
    ["Unknown".to_owned(), "UnknownValue".to_owned()]
        .into_iter()
        .chain((2..).map(|n| format!("Unknown{n}")))
        .find(|name| !taken.contains(name))
        .map_or_else(|| plain_ident("Unknown"), |name| plain_ident(&name))
}

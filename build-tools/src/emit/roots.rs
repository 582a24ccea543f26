//! Commands and events → their structs (deriving `Command` / `Event`), and the `Event` enum
//! over all events with its fallback for events the bindings do not know.

use proc_macro2::{Ident, TokenStream};
use qmp_types::introspection::{SchemaInfo, SchemaInfoKind};
use quote::quote;

use super::docs::DocTable;
use super::types::StructHead;
use super::{
    allow_deprecated, allow_large_variants, deprecated_attr, docs, fallback_ident, serde_derives,
    Emitter, SerdeDerives,
};
use crate::error::Result;
use crate::ident::{unique_idents, variant_ident};
use crate::model::is_deprecated;

impl Emitter<'_, '_> {
    /// The struct of command entry `i`.
    pub(super) fn command(&mut self, i: usize, entry: &SchemaInfo) -> Result<TokenStream> {
        let SchemaInfoKind::Command {
            arg_type,
            ret_type,
            allow_oob,
        } = &entry.kind
        else {
            return Ok(TokenStream::new());
        };
        let wire = &entry.name;
        let returns = if self.model.is_empty_object(ret_type) {
            None
        } else {
            Some(self.type_ref(i, ret_type)?)
        };
        let returns_text = match returns {
            Some(_) => self.names.rust_type(ret_type).unwrap_or_default(),
            None => "::qmp_types::Empty".to_owned(),
        };
        let mut own = vec![format!(
            "QMP command `{wire}`: returns `{returns_text}`; allow OOB: {}.",
            if *allow_oob { "yes" } else { "no" }
        )];
        own.extend(docs::features(wire, &entry.features));
        own.extend(self.wrapped_arguments_line(arg_type, "arguments"));
        let (available, available_in) = self.root_availability(i);
        own.extend(available);
        let lines = self.item_docs(i, own);
        let mut qmp_args = vec![quote!(name = #wire)];
        if let Some(returns) = returns {
            qmp_args.push(quote!(returns = #returns));
        }
        if *allow_oob {
            qmp_args.push(quote!(allow_oob));
        }
        qmp_args.extend(available_in);
        let ident = self.type_name(i)?;
        let aliases = Self::aliases(&ident, &[wire]);
        let user = self.user_attributes(&[&ident.to_string(), wire])?;
        let head = StructHead {
            ident,
            docs: lines,
            usage: self.model.usage(i),
            deprecated: is_deprecated(&entry.features),
            extra_derives: vec![quote!(::qmp_types::Command)],
            attrs: quote!(#aliases #[qmp(#(#qmp_args),*)] #user),
            additional_arguments: self
                .definition(i)
                .is_some_and(|def| def.documents_additional_arguments()),
        };
        self.root_struct(i, arg_type, head)
    }

    /// The struct of event entry `i`.
    pub(super) fn event(&mut self, i: usize, entry: &SchemaInfo) -> Result<TokenStream> {
        let SchemaInfoKind::Event { arg_type } = &entry.kind else {
            return Ok(TokenStream::new());
        };
        let wire = &entry.name;
        let mut own = vec![format!("QMP event `{wire}`.")];
        own.extend(docs::features(wire, &entry.features));
        own.extend(self.wrapped_arguments_line(arg_type, "data"));
        let (available, available_in) = self.root_availability(i);
        own.extend(available);
        let lines = self.item_docs(i, own);
        let ident = self.type_name(i)?;
        let aliases = Self::aliases(&ident, &[wire]);
        let user = self.user_attributes(&[&ident.to_string(), wire])?;
        let mut qmp_args = vec![quote!(name = #wire)];
        qmp_args.extend(available_in);
        let head = StructHead {
            ident,
            docs: lines,
            usage: self.model.usage(i),
            deprecated: is_deprecated(&entry.features),
            extra_derives: vec![quote!(::qmp_types::Event)],
            attrs: quote!(#aliases #[qmp(#(#qmp_args),*)] #user),
            additional_arguments: false,
        };
        self.root_struct(i, arg_type, head)
    }

    /// The doc line of a command or event struct that wraps its argument type (a type of its
    /// own: named by QEMU, shared, or used elsewhere); `None` when the struct is the argument
    /// object itself.
    fn wrapped_arguments_line(&self, arg_type: &str, what: &str) -> Option<String> {
        let arg = self.model.position(arg_type)?;
        if self.absorbed.contains_key(&arg) || self.model.is_empty_object(arg_type) {
            return None;
        }
        let rust = self.names.rust_type(arg_type)?;
        Some(format!(
            "The {what} are a [`{rust}`] (a type of its own: QEMU names it, or other \
             commands, events or types use it too)."
        ))
    }

    /// A command or event struct: the argument object itself when it carries the command's
    /// name (or is empty), else a newtype around the argument object's own type.
    fn root_struct(
        &mut self,
        i: usize,
        arg_type: &str,
        mut head: StructHead,
    ) -> Result<TokenStream> {
        let Some(arg) = self.model.position(arg_type) else {
            return Ok(TokenStream::new());
        };
        if self.absorbed.contains_key(&arg) {
            let own = self.model.usage(arg);
            head.usage.input |= own.input;
            head.usage.output |= own.output;
            return self.object(arg, head);
        }
        if self.model.is_empty_object(arg_type) {
            return self.object(arg, head);
        }
        let inner = self.type_ref(i, arg_type)?;
        let doc = self.docs.attrs(&head.docs);
        let deprecated = deprecated_attr(head.deprecated);
        let allow = allow_deprecated(head.deprecated || self.type_deprecated(arg_type));
        let (mut derives, serde_crate) = serde_derives(head.usage, SerdeDerives::Serde);
        derives.extend(head.extra_derives);
        let (ident, attrs) = (&head.ident, &head.attrs);
        Ok(quote! {
            #doc
            #deprecated
            #allow
            #[derive(Debug, Clone, PartialEq, #(#derives),*)]
            #serde_crate
            #attrs
            pub struct #ident(pub #inner);
        })
    }
}

impl Emitter<'_, '_> {
    /// The `Event` enum over every generated event.
    pub(super) fn event_enum(&self) -> Result<TokenStream> {
        let mut events = Vec::new();
        for (i, entry) in self.model.entries.iter().enumerate() {
            if self.model.is_generated(i) && matches!(entry.kind, SchemaInfoKind::Event { .. }) {
                events.push((entry, self.type_name(i)?));
            }
        }
        let user = self.user_attributes(&["Event"])?;
        Ok(event_enum(&events, &user, &self.docs))
    }
}

/// The `Event` enum over `events` (entry, struct name), sorted by wire name, with the user's
/// attributes `user`.
fn event_enum(
    events: &[(&SchemaInfo, Ident)],
    user: &TokenStream,
    doc_table: &DocTable,
) -> TokenStream {
    let mut events: Vec<&(&SchemaInfo, Ident)> = events.iter().collect();
    events.sort_by(|(a, _), (b, _)| a.name.cmp(&b.name));
    // Variants are named after the wire name (`Event::Stop(StopEvent)`), even where the
    // struct's name had to avoid a collision.
    let wires: Vec<&str> = events.iter().map(|(e, _)| e.name.as_str()).collect();
    let variants = unique_idents(&wires, variant_ident);
    let fallback = fallback_ident(&variants);
    let deprecated = events.iter().any(|(e, _)| is_deprecated(&e.features));
    let arms = events.iter().zip(&variants).map(|((entry, ty), variant)| {
        let wire = &entry.name;
        let doc = doc_table.attrs(&[format!("Event `{wire}`.")]);
        quote! { #doc #[qmp(name = #wire)] #variant(#ty) }
    });
    let allow = allow_deprecated(deprecated);
    let allow_large = allow_large_variants();
    quote! {
        /// Every event of these bindings, decoded by name (`qmp_types::EventSet`), with a
        /// fallback that keeps the name and raw data of an event the bindings do not know.
        #allow
        #allow_large
        #[derive(Debug, Clone, PartialEq, ::qmp_types::EventSet)]
        #user
        pub enum Event {
            #(#arms,)*
            /// An event these bindings do not know.
            #[qmp(unknown)]
            #fallback(::qmp_types::UnknownEvent),
        }
    }
}

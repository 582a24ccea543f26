//! Derive macros for QMP bindings (placeholder until implemented).
use proc_macro::TokenStream;

/// Implements `qmp_types::Command`.
#[proc_macro_derive(Command, attributes(qmp))]
pub fn derive_command(_input: TokenStream) -> TokenStream { TokenStream::new() }
/// Implements `qmp_types::Event`.
#[proc_macro_derive(Event, attributes(qmp))]
pub fn derive_event(_input: TokenStream) -> TokenStream { TokenStream::new() }
/// Implements `qmp_types::EventSet`.
#[proc_macro_derive(EventSet, attributes(qmp))]
pub fn derive_event_set(_input: TokenStream) -> TokenStream { TokenStream::new() }
/// Implements `qmp_types::OpenEnum`.
#[proc_macro_derive(OpenEnum, attributes(qmp))]
pub fn derive_open_enum(_input: TokenStream) -> TokenStream { TokenStream::new() }

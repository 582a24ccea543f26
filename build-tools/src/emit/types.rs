//! Named schema types → Rust items: objects (structs), flat unions (a struct with a flattened,
//! internally tagged enum), alternates (untagged enums) and enums (open enums).

use proc_macro2::{Ident, TokenStream};
use qmp_types::introspection::{EnumMember, JsonType, SchemaInfo, SchemaInfoKind};
use quote::quote;

use super::docs::DocTable;
use super::fields::Field;
use super::{
    allow_deprecated, allow_large_variants, deprecated_attr, docs, fallback_ident, plain_ident,
    serde_derives, Emitter, SerdeDerives,
};
use crate::error::{Error, Result};
use crate::ident::{unique_idents, variant_ident};
use crate::model::{is_deprecated, Usage};

/// What a struct is besides its members: name, docs, derives, extra attributes.
pub(super) struct StructHead {
    /// The struct's identifier.
    pub ident: Ident,
    /// Its documentation lines.
    pub docs: Vec<String>,
    /// The directions it travels in.
    pub usage: Usage,
    /// Whether the item itself is deprecated.
    pub deprecated: bool,
    /// Derives beyond `Debug`, `Clone`, `PartialEq` and serde (e.g. `::qmp_types::Command`).
    pub extra_derives: Vec<TokenStream>,
    /// Extra attributes (e.g. `#[qmp(name = "...")]`).
    pub attrs: TokenStream,
    /// Whether the struct also keeps further arguments QEMU's manual documents beyond its
    /// members (a command's, see [`crate::reference::Definition::documents_additional_arguments`]),
    /// in a flattened map. Not for unions, whose variants already carry them; a command struct
    /// that wraps a named argument type (`netdev_add`'s union `Netdev`) has no fields of its
    /// own and ignores it.
    pub additional_arguments: bool,
}

impl Emitter<'_, '_> {
    /// A named type that is not a command or event: object, union, alternate or enum.
    pub(super) fn named_type(
        &mut self,
        i: usize,
        entry: &SchemaInfo,
        ident: &Ident,
    ) -> Result<TokenStream> {
        let meta = entry.kind.meta_type();
        let qemu_name = self.names.qemu_name(&entry.name);
        let mut own = vec![docs::schema_origin(qemu_name, meta, self.model.path(i))];
        own.extend(docs::features(&entry.name, &entry.features));
        own.extend(self.type_availability(i));
        let lines = self.item_docs(i, own);
        let deprecated = is_deprecated(&entry.features);
        let aliases = Self::aliases(ident, qemu_name.as_slice());
        let mut known_as = vec![ident.to_string()];
        known_as.extend(qemu_name.map(str::to_owned));
        let known_as: Vec<&str> = known_as.iter().map(String::as_str).collect();
        let attrs = ItemAttrs {
            aliases,
            user: self.user_attributes(&known_as)?,
        };
        match &entry.kind {
            SchemaInfoKind::Object { .. } => {
                let head = StructHead {
                    ident: ident.clone(),
                    docs: lines,
                    usage: self.model.usage(i),
                    deprecated,
                    extra_derives: Vec::new(),
                    attrs: attrs.after_derives(),
                    additional_arguments: false,
                };
                self.object(i, head)
            }
            SchemaInfoKind::Enum { members, values } => {
                let values = EnumMember::of(members, values);
                let value_docs = values
                    .iter()
                    .map(|value| {
                        let mut lines = self.qemu_member_lines(i, &value.name);
                        lines.extend(self.value_availability(i, &value.name));
                        lines
                    })
                    .collect::<Vec<_>>();
                Ok(open_enum(
                    ident,
                    &lines,
                    &attrs,
                    deprecated,
                    &values,
                    &value_docs,
                    &self.docs,
                ))
            }
            SchemaInfoKind::Alternate { members } => {
                let types: Vec<&str> = members.iter().map(|m| m.type_.as_str()).collect();
                self.alternate(i, ident, &lines, &attrs, deprecated, &types)
            }
            _ => Ok(TokenStream::new()),
        }
    }

    /// The struct for object entry `i` (plus its variant enum when it is a union, and a
    /// constructor when it is sent to QEMU).
    pub(super) fn object(&mut self, i: usize, head: StructHead) -> Result<TokenStream> {
        let model = self.model;
        let SchemaInfoKind::Object {
            members,
            tag,
            variants,
        } = &model.entries[i].kind
        else {
            return Ok(TokenStream::new());
        };
        let mut fields = self.fields(i, members, head.usage)?;
        let union = match tag {
            Some(tag) => {
                let position = fields.iter().position(|f| &f.member.name == tag);
                let tag_field = position
                    .map(|p| fields.remove(p))
                    .ok_or_else(|| Error::Entry {
                        index: i,
                        name: model.entries[i].name.clone(),
                        message: format!("union tag `{tag}` is not a member"),
                    })?;
                Some(self.union_variants(i, &head, &tag_field, variants)?)
            }
            None => None,
        };
        let any_deprecated = head.deprecated
            || fields.iter().any(|f| f.deprecated)
            || union.as_ref().is_some_and(|u| u.deprecated);
        let allow = allow_deprecated(any_deprecated);
        let additional = (head.additional_arguments && union.is_none())
            .then(|| self.additional_arguments_field(&fields));
        let which = if union.is_some() || additional.is_some() {
            SerdeDerives::Serde
        } else {
            SerdeDerives::Lean
        };
        let (mut derives, serde_crate) = serde_derives(head.usage, which);
        let all_optional = fields.iter().all(|f| f.member.is_optional());
        if head.usage.input && all_optional && union.is_none() {
            derives.insert(0, quote!(Default));
        }
        derives.extend(head.extra_derives.iter().cloned());
        let doc = self.docs.attrs(&head.docs);
        let deprecated = deprecated_attr(head.deprecated);
        let attrs = &head.attrs;
        let ident = &head.ident;
        let declarations = fields.iter().map(|f| &f.tokens);
        let (flatten, variant_enum) = match &union {
            Some(u) => {
                let (field, enum_ident) = (&u.field, &u.enum_ident);
                let wire = &u.tag_wire;
                let mut lines = self.qemu_member_lines(i, wire);
                lines.push(format!(
                    "Wire name `{wire}`: the union's tag, with the members of the variant it \
                     selects (flattened into this object)."
                ));
                let doc = self.docs.attrs(&lines);
                (
                    quote! {
                        #doc
                        #[serde(flatten)]
                        pub #field: #enum_ident,
                    },
                    u.tokens.clone(),
                )
            }
            None => (TokenStream::new(), TokenStream::new()),
        };
        let additional_declaration = additional.as_ref().map(|a| &a.declaration);
        let constructor = if head.usage.input {
            let params = fields
                .iter()
                .map(|f| self.constructor_param(i, f))
                .collect::<Vec<_>>();
            constructor(
                ident,
                &fields,
                &params,
                union.as_ref(),
                additional.as_ref(),
                any_deprecated,
                &self.docs,
            )
        } else {
            TokenStream::new()
        };
        Ok(quote! {
            #doc
            #deprecated
            #allow
            #[derive(Debug, Clone, PartialEq, #(#derives),*)]
            #serde_crate
            #attrs
            pub struct #ident {
                #(#declarations,)*
                #flatten
                #additional_declaration
            }
            #constructor
            #variant_enum
        })
    }

    /// The flattened map of further arguments, named so that no member's field has the name.
    fn additional_arguments_field(&self, fields: &[Field<'_>]) -> AdditionalArguments {
        let taken: Vec<String> = fields.iter().map(|f| f.ident.to_string()).collect();
        let ident = std::iter::once(ADDITIONAL_ARGUMENTS.to_owned())
            .chain((2..).map(|n| format!("{ADDITIONAL_ARGUMENTS}{n}")))
            .find(|name| !taken.contains(name))
            .map_or_else(
                || plain_ident(ADDITIONAL_ARGUMENTS),
                |name| plain_ident(&name),
            );
        let doc = self.docs.attrs(&[
            "Further arguments, beyond the members above: QEMU's manual says this command \
             takes more, which depend on the type (for `device_add`, the properties of the \
             device `driver` names; `-device DRIVER,help` lists them). They are sent \
             flattened into the same JSON object as the members; keep the members' own keys \
             out of this map (a key in both would be sent twice)."
                .to_owned(),
        ]);
        let declaration = quote! {
            #doc
            #[serde(flatten)]
            pub #ident: ::qmp_types::serde_json::Map<
                ::std::string::String,
                ::qmp_types::serde_json::Value,
            >,
        };
        AdditionalArguments { ident, declaration }
    }

    /// The internally tagged enum of a union's variants.
    fn union_variants(
        &mut self,
        i: usize,
        head: &StructHead,
        tag: &Field<'_>,
        variants: &[qmp_types::introspection::Variant],
    ) -> Result<Union> {
        let enum_ident = self.variant_enum_name(&head.ident);
        let tag_wire = tag.member.name.clone();
        // Tag values without a variant entry carry no further members.
        let mut cases: Vec<(String, Option<&str>)> = variants
            .iter()
            .map(|v| (v.case.clone(), Some(v.type_.as_str())))
            .collect();
        if let Some(SchemaInfoKind::Enum { members, values }) =
            self.model.get(&tag.member.type_).map(|e| &e.kind)
        {
            for value in EnumMember::of(members, values) {
                if !variants.iter().any(|v| v.case == value.name) {
                    cases.push((value.name, None));
                }
            }
        }
        let tag_absent = self.tag_absent(i);
        let mut wires: Vec<&str> = cases.iter().map(|(c, _)| c.as_str()).collect();
        if tag_absent.is_some() {
            wires.push("untagged");
        }
        let mut idents = unique_idents(&wires, variant_ident);
        let untagged_ident = tag_absent.as_ref().and_then(|_| idents.pop());
        let fallback = fallback_ident(&idents);
        let usage = head.usage;
        let mut deprecated = false;
        let mut arms = Vec::with_capacity(cases.len());
        let mut conversions = Vec::new();
        for ((case, ty), ident) in cases.iter().zip(&idents) {
            let rename = union_rename(usage, case);
            match ty {
                Some(ty) if !self.model.is_empty_object(ty) => {
                    deprecated |= self.type_deprecated(ty);
                    let payload = self.type_ref(i, ty)?;
                    let doc = self.docs.attrs(&[format!("`{tag_wire}` = `{case}`.")]);
                    arms.push(quote! { #doc #rename #ident(#payload) });
                    conversions.push(self.conversion(i, ident, ty, payload));
                }
                _ => {
                    let doc = self
                        .docs
                        .attrs(&[format!("`{tag_wire}` = `{case}`: no further members.")]);
                    arms.push(quote! { #doc #rename #ident });
                }
            }
        }
        if let (Some((case, releases)), Some(untagged)) = (&tag_absent, &untagged_ident) {
            // The members of the variant `case`, sent without the tag (no `From`: the
            // variant `case` takes the same type).
            let payload = match cases.iter().find(|(c, _)| c == case) {
                Some((_, Some(ty))) => Some(self.type_ref(i, ty)?),
                _ => None,
            };
            let doc = self.docs.attrs(&[format!(
                "No `{tag_wire}` member: `{}` is a plain struct in {releases}, with the members \
                 of the variant `{case}`.",
                head.ident
            )]);
            let mut attrs = TokenStream::new();
            if usage.input {
                attrs.extend(quote!(#[serde(untagged)]));
            }
            if usage.output {
                attrs.extend(quote!(#[qmp(tag_absent)]));
            }
            arms.push(match payload {
                Some(payload) => quote! { #doc #attrs #untagged(#payload) },
                None => quote! { #doc #attrs #untagged },
            });
        }
        let fallback_doc = self.docs.attrs(&[
            "A tag value these bindings do not know, with every member as sent, the tag \
             included. (A known tag value whose members do not decode is an error.)"
                .to_owned(),
        ]);
        let mut fallback_attrs = TokenStream::new();
        let mut head_attrs = TokenStream::new();
        let mut derives = Vec::new();
        if usage.input {
            derives.push(quote!(::qmp_types::serde::Serialize));
            head_attrs.extend(quote!(#[serde(crate = "::qmp_types::serde", tag = #tag_wire)]));
            fallback_attrs.extend(quote! {
                #[serde(
                    untagged,
                    serialize_with = "::qmp_types::__private::serialize_unknown_members"
                )]
            });
        }
        if usage.output {
            derives.push(quote!(::qmp_types::DeserializeUnion));
            head_attrs.extend(quote!(#[qmp(tag = #tag_wire)]));
            fallback_attrs.extend(quote!(#[qmp(unknown)]));
        }
        let doc = self.docs.attrs(&[format!(
            "The variants of `{}`, selected by its member `{tag_wire}`.",
            head.ident
        )]);
        let user = self.user_attributes(&[&enum_ident.to_string()])?;
        let allow = allow_deprecated(deprecated);
        let allow_large = allow_large_variants();
        let tokens = quote! {
            #doc
            #allow
            #allow_large
            #[derive(Debug, Clone, PartialEq, #(#derives),*)]
            #head_attrs
            #user
            pub enum #enum_ident {
                #(#arms,)*
                #fallback_doc
                #fallback_attrs
                #fallback(::qmp_types::serde_json::Map<String, ::qmp_types::serde_json::Value>),
            }
        };
        let mut tokens = tokens;
        if usage.input {
            tokens.extend(from_impls(&enum_ident, &conversions, deprecated));
        }
        Ok(Union {
            field: tag.ident.clone(),
            enum_ident,
            tag_wire,
            tokens,
            deprecated,
        })
    }

    /// The name of the union's variant enum (chosen by [`super::Plan`]).
    fn variant_enum_name(&self, union: &Ident) -> Ident {
        let union = union.to_string();
        match self.variant_enums.get(&union) {
            Some(name) => plain_ident(name),
            None => plain_ident(&format!("{union}Variant")),
        }
    }

    /// The untagged enum of an alternate.
    fn alternate(
        &mut self,
        i: usize,
        ident: &Ident,
        lines: &[String],
        attrs: &ItemAttrs,
        deprecated: bool,
        types: &[&str],
    ) -> Result<TokenStream> {
        let usage = self.model.usage(i);
        let candidates: Vec<String> = types.iter().map(|t| self.alternative_name(t)).collect();
        let candidates: Vec<&str> = candidates.iter().map(String::as_str).collect();
        let idents = unique_idents(&candidates, variant_ident);
        let mut any_deprecated = deprecated;
        let mut arms = Vec::with_capacity(types.len());
        let mut conversions = Vec::new();
        for (ty, variant) in types.iter().zip(idents) {
            any_deprecated |= self.type_deprecated(ty);
            let json = self.alternative_json(i, ty)?;
            let doc = self
                .docs
                .attrs(&[format!("Alternative `{}`.", self.alternative_name(ty))]);
            let dispatch = if usage.output {
                quote!(#[qmp(json = #json)])
            } else {
                TokenStream::new()
            };
            if json == "null" {
                arms.push(quote! { #doc #dispatch #variant });
            } else {
                let payload = self.type_ref(i, ty)?;
                arms.push(quote! { #doc #dispatch #variant(#payload) });
                conversions.push(self.conversion(i, &variant, ty, payload));
            }
        }
        let doc = self.docs.attrs(lines);
        let deprecated = deprecated_attr(deprecated);
        let allow = allow_deprecated(any_deprecated);
        let allow_large = allow_large_variants();
        let mut derives = Vec::new();
        let mut serde_attrs = TokenStream::new();
        if usage.input {
            derives.push(quote!(::qmp_types::serde::Serialize));
            serde_attrs = quote!(#[serde(crate = "::qmp_types::serde", untagged)]);
        }
        if usage.output {
            derives.push(quote!(::qmp_types::DeserializeAlternate));
        }
        let conversions = if usage.input {
            from_impls(ident, &conversions, any_deprecated)
        } else {
            TokenStream::new()
        };
        let (aliases, user) = (&attrs.aliases, &attrs.user);
        Ok(quote! {
            #doc
            #aliases
            #deprecated
            #allow
            #allow_large
            #[derive(Debug, Clone, PartialEq, #(#derives),*)]
            #serde_attrs
            #user
            pub enum #ident {
                #(#arms,)*
            }
            #conversions
        })
    }

    /// A variant `variant` of an enum emitted for entry `i` holding schema type `ty` as
    /// `payload`, for [`from_impls`]: what it converts from, and whether it boxes.
    fn conversion(
        &self,
        i: usize,
        variant: &Ident,
        ty: &str,
        payload: TokenStream,
    ) -> (Ident, TokenStream, bool) {
        match self.types.get(ty) {
            Some(inner) if self.model.is_boxed(i, ty) => (variant.clone(), inner.clone(), true),
            _ => (variant.clone(), payload, false),
        }
    }

    /// The JSON type that selects alternative `ty` of alternate entry `i` (QAPI gives every
    /// alternative a distinct one).
    fn alternative_json(&self, i: usize, ty: &str) -> Result<&'static str> {
        let json = match self.model.get(ty).map(|e| &e.kind) {
            Some(SchemaInfoKind::Builtin { json_type }) => match json_type {
                JsonType::String => Some("string"),
                JsonType::Number | JsonType::Int => Some("number"),
                JsonType::Boolean => Some("boolean"),
                JsonType::Null => Some("null"),
                JsonType::Object => Some("object"),
                JsonType::Array => Some("array"),
                JsonType::Value => None,
            },
            Some(SchemaInfoKind::Enum { .. }) => Some("string"),
            Some(SchemaInfoKind::Object { .. }) => Some("object"),
            Some(SchemaInfoKind::Array { .. }) => Some("array"),
            _ => None,
        };
        json.ok_or_else(|| Error::Entry {
            index: i,
            name: self.model.entries[i].name.clone(),
            message: format!(
                "alternative `{ty}` has no JSON type of its own (QAPI allows none of type `any` \
                 or another alternate)"
            ),
        })
    }

    /// How the constructor of object entry `i` takes field `f`.
    fn constructor_param(&self, i: usize, f: &Field<'_>) -> Param {
        let target = f.member.type_.as_str();
        let convertible = match self.model.get(target).map(|e| &e.kind) {
            Some(SchemaInfoKind::Builtin { json_type }) => *json_type == JsonType::String,
            Some(
                SchemaInfoKind::Object { .. }
                | SchemaInfoKind::Enum { .. }
                | SchemaInfoKind::Alternate { .. },
            ) => true,
            _ => false,
        };
        match self.types.get(target) {
            Some(inner) if self.model.is_boxed(i, target) => Param::Boxed(inner.clone()),
            _ if convertible => Param::Into,
            _ => Param::AsIs,
        }
    }

    /// The variant name of an alternative: its JSON type for builtins, else its type name.
    fn alternative_name(&self, ty: &str) -> String {
        match self.model.get(ty).map(|e| &e.kind) {
            Some(SchemaInfoKind::Builtin { json_type }) => match json_type {
                JsonType::String => "Str",
                JsonType::Number => "Number",
                JsonType::Int => "Int",
                JsonType::Boolean => "Bool",
                JsonType::Null => "Null",
                JsonType::Object => "Object",
                JsonType::Array => "Array",
                JsonType::Value => "Any",
            }
            .to_owned(),
            Some(SchemaInfoKind::Array { element_type }) => {
                format!("{}List", self.alternative_name(element_type))
            }
            _ => self.names.type_name(ty).unwrap_or(ty).to_owned(),
        }
    }
}

/// The wire name of a union's variant: for serde when the union is sent, for
/// `DeserializeUnion` when it is received.
fn union_rename(usage: Usage, case: &str) -> TokenStream {
    let mut attrs = TokenStream::new();
    if usage.input {
        attrs.extend(quote!(#[serde(rename = #case)]));
    }
    if usage.output {
        attrs.extend(quote!(#[qmp(rename = #case)]));
    }
    attrs
}

/// A union's variant enum and the field holding it.
struct Union {
    /// The flattened field (named after the tag member).
    field: Ident,
    /// The enum's name.
    enum_ident: Ident,
    /// The tag member's wire name.
    tag_wire: String,
    /// The enum item.
    tokens: TokenStream,
    /// Whether a variant's type is deprecated.
    deprecated: bool,
}

/// The attributes of a named type besides its docs, derives and serde's.
pub(super) struct ItemAttrs {
    /// `#[doc(alias = ...)]` for QEMU's name.
    aliases: TokenStream,
    /// The user's attributes (`Config::type_attribute`), placed after the derives so that
    /// helper attributes such as `#[serde(...)]` follow the derive that declares them.
    user: TokenStream,
}

impl ItemAttrs {
    /// Both, for a struct, whose extra attributes all go after its derives.
    fn after_derives(&self) -> TokenStream {
        let (aliases, user) = (&self.aliases, &self.user);
        quote!(#aliases #user)
    }
}

/// The field name of the further arguments (a suffix is added if a member has it).
const ADDITIONAL_ARGUMENTS: &str = "additional_arguments";

/// The flattened map of a command's further arguments.
struct AdditionalArguments {
    /// The field's identifier.
    ident: Ident,
    /// The field's declaration with its docs and `#[serde(flatten)]`.
    declaration: TokenStream,
}

/// How a constructor takes a required member.
enum Param {
    /// As declared (numbers, booleans, arrays, `any`).
    AsIs,
    /// `impl Into<T>` of the declared type (strings, named types), converted.
    Into,
    /// `impl Into<T>` for a field of type `Box<T>`, converted and boxed.
    Boxed(TokenStream),
}

/// `impl X { pub fn new(required...) -> Self }`: optional members start as `None`; strings and
/// named types are taken as `impl Into<..>`, and a field boxed to break a recursion is boxed
/// here, so callers write neither `.into()` nor `Box::new`.
fn constructor(
    ident: &Ident,
    fields: &[Field<'_>],
    kinds: &[Param],
    union: Option<&Union>,
    additional: Option<&AdditionalArguments>,
    any_deprecated: bool,
    doc_table: &DocTable,
) -> TokenStream {
    let mut params = Vec::new();
    let mut inits = Vec::with_capacity(fields.len() + 1);
    for (f, kind) in fields.iter().zip(kinds) {
        let (name, ty) = (&f.ident, &f.ty);
        if f.member.is_optional() {
            inits.push(quote!(#name: None));
            continue;
        }
        match kind {
            Param::AsIs => {
                params.push(quote!(#name: #ty));
                inits.push(quote!(#name));
            }
            Param::Into => {
                params.push(quote!(#name: impl ::core::convert::Into<#ty>));
                inits.push(quote!(#name: #name.into()));
            }
            Param::Boxed(inner) => {
                params.push(quote!(#name: impl ::core::convert::Into<#inner>));
                inits.push(quote!(#name: ::std::boxed::Box::new(#name.into())));
            }
        }
    }
    if let Some(u) = union {
        let (field, ty) = (&u.field, &u.enum_ident);
        params.push(quote!(#field: impl ::core::convert::Into<#ty>));
        inits.push(quote!(#field: #field.into()));
    }
    let with_argument = additional.map(|a| {
        let field = &a.ident;
        inits.push(quote!(#field: ::qmp_types::serde_json::Map::new()));
        let doc = doc_table.attrs(&[format!(
            "Adds the further argument `name` (see [`Self::{field}`]), replacing an earlier \
             value of the same name."
        )]);
        quote! {
            #doc
            #[must_use]
            pub fn with_argument(
                mut self,
                name: impl ::core::convert::Into<::std::string::String>,
                value: impl ::core::convert::Into<::qmp_types::serde_json::Value>,
            ) -> Self {
                self.#field.insert(name.into(), value.into());
                self
            }
        }
    });
    let many = if params.len() > 7 {
        quote!(#[allow(clippy::too_many_arguments)])
    } else {
        TokenStream::new()
    };
    let allow = allow_deprecated(any_deprecated);
    let doc = doc_table.attrs(&[if params.is_empty() {
        "Creates the value with every optional member unset.".to_owned()
    } else {
        "Creates the value from its required members (in schema order); optional members \
         start unset: set them on the public fields or with struct update syntax."
            .to_owned()
    }]);
    quote! {
        #allow
        impl #ident {
            #doc
            #many
            pub fn new(#(#params),*) -> Self {
                Self { #(#inits),* }
            }
            #with_argument
        }
    }
}

/// `impl From<Payload> for Enum` for each `(variant, payload)` whose payload type no other
/// variant has (a boxed payload converts from its inner type), plus `From<&str>` when a
/// variant holds a `String`.
fn from_impls(
    enum_ident: &Ident,
    variants: &[(Ident, TokenStream, bool)],
    any_deprecated: bool,
) -> TokenStream {
    let allow = allow_deprecated(any_deprecated);
    let key = |ty: &TokenStream| ty.to_string();
    let mut impls = TokenStream::new();
    for (variant, payload, boxed) in variants {
        if variants
            .iter()
            .filter(|(_, p, _)| key(p) == key(payload))
            .count()
            > 1
        {
            continue;
        }
        let value = if *boxed {
            quote!(::std::boxed::Box::new(value))
        } else {
            quote!(value)
        };
        impls.extend(quote! {
            #allow
            impl ::core::convert::From<#payload> for #enum_ident {
                #[inline]
                fn from(value: #payload) -> Self {
                    Self::#variant(#value)
                }
            }
        });
        if key(payload) == "String" {
            impls.extend(quote! {
                #allow
                impl ::core::convert::From<&str> for #enum_ident {
                    #[inline]
                    fn from(value: &str) -> Self {
                        Self::#variant(::std::string::String::from(value))
                    }
                }
            });
        }
    }
    impls
}

/// An open enum: one unit variant per value plus the fallback keeping unknown values.
fn open_enum(
    ident: &Ident,
    lines: &[String],
    attrs: &ItemAttrs,
    deprecated: bool,
    values: &[EnumMember],
    value_docs: &[Vec<String>],
    doc_table: &DocTable,
) -> TokenStream {
    let wires: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
    let idents = unique_idents(&wires, variant_ident);
    let fallback = fallback_ident(&idents);
    let any_deprecated = deprecated || values.iter().any(|v| is_deprecated(&v.features));
    let arms = values
        .iter()
        .zip(&idents)
        .zip(value_docs)
        .map(|((value, variant), qemu)| {
            let wire = &value.name;
            let mut lines = qemu.clone();
            lines.push(format!("Wire value `{wire}`."));
            lines.extend(docs::features(wire, &value.features));
            let doc = doc_table.attrs(&lines);
            let deprecated = deprecated_attr(is_deprecated(&value.features));
            quote! { #doc #deprecated #[qmp(rename = #wire)] #variant }
        });
    let doc = doc_table.attrs(lines);
    let deprecated = deprecated_attr(deprecated);
    let allow = allow_deprecated(any_deprecated);
    let (aliases, user) = (&attrs.aliases, &attrs.user);
    quote! {
        #doc
        #aliases
        #deprecated
        #allow
        #[derive(Debug, Clone, PartialEq, Eq, Hash, ::qmp_types::OpenEnum)]
        #user
        pub enum #ident {
            #(#arms,)*
            /// A value these bindings do not know, as sent.
            #[qmp(unknown)]
            #fallback(String),
        }
    }
}

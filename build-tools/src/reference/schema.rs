//! A manual turned into the `query-qmp-schema` model, for programs that cannot be asked for
//! their schema (the guest agent): the same [`SchemaInfo`] entries the generator reads, with
//! QEMU's own type names instead of masked numbers.
//!
//! The rules, chosen to read as if QEMU had written the schema:
//! - Builtins get QEMU's names (`string` → `str`, `boolean` → `bool`, `int`, `number`,
//!   `null`, `any`), each entered once as a `builtin` entry; `[T]` is an `array` entry.
//! - An object's members are its bases' members (recursively, in order) followed by its own;
//!   a union is an object with `tag` and `variants` (tag from its branches).
//! - A command's or event's arguments: its named type when the manual says only "The members
//!   of X"; otherwise an implicit object named as QEMU names it, `q_obj_<name>-arg`; none at
//!   all is QEMU's empty object `q_empty`.
//! - A command's return: the manual's type (10.0 layout). A 7.2-layout manual states returns
//!   only in prose, so the type comes from `return_types` (a manual of a later release of the
//!   same program) where that manual types the command and every type it names is defined
//!   here; "Nothing on success." is `q_empty`; anything else, and a 10.0 command without a
//!   `Return` section, returns `any`, which decodes every answer.
//! - A definition's features become the entry's features.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;

use qmp_types::introspection::{
    AlternateMember, EnumMember, JsonType, ObjectMember, SchemaInfo, SchemaInfoKind, Variant,
};

use super::model::{Definition, DefinitionKind, Manual, TypeExpr};
use crate::error::{Error, Result};

/// QEMU's name for the empty object (arguments of argument-less commands, returns of
/// commands that return nothing).
pub const EMPTY_OBJECT: &str = "q_empty";

/// Deeper base chains than this are a cycle.
const MAX_BASE_DEPTH: usize = 32;

/// Converts `manual` into schema entries; see the module documentation for the rules.
///
/// # Errors
///
/// [`Error::Reference`], naming the manual and the definition's line, when a member has no
/// type, a type or base the manual does not define, or bases that form a cycle.
pub fn to_schema(manual: &Manual, return_types: Option<&Manual>) -> Result<Vec<SchemaInfo>> {
    let mut builder = Builder {
        manual,
        entries: Vec::new(),
        defined: HashSet::new(),
    };
    let mut definitions: Vec<&Definition> = manual.definitions.values().collect();
    definitions.sort_by_key(|definition| definition.line);
    for definition in definitions {
        builder.definition(definition, return_types)?;
    }
    Ok(builder.entries)
}

struct Builder<'m> {
    manual: &'m Manual,
    entries: Vec<SchemaInfo>,
    defined: HashSet<String>,
}

impl<'m> Builder<'m> {
    fn error(&self, definition: &Definition, message: String) -> Error {
        Error::Reference {
            path: PathBuf::from(&self.manual.source),
            line: definition.line,
            message: format!("`{}`: {message}", definition.name),
        }
    }

    fn push(&mut self, name: String, features: Vec<String>, kind: SchemaInfoKind) {
        if self.defined.insert(name.clone()) {
            self.entries.push(SchemaInfo {
                name,
                features,
                kind,
            });
        }
    }

    fn definition(&mut self, definition: &Definition, return_types: Option<&Manual>) -> Result<()> {
        let features: Vec<String> = definition.features.iter().map(|f| f.name.clone()).collect();
        let kind = match definition.kind {
            DefinitionKind::Enum => {
                let values: Vec<String> =
                    definition.members.iter().map(|m| m.name.clone()).collect();
                SchemaInfoKind::Enum {
                    members: Some(
                        values
                            .iter()
                            .map(|name| EnumMember {
                                name: name.clone(),
                                features: Vec::new(),
                            })
                            .collect(),
                    ),
                    values: Some(values),
                }
            }
            DefinitionKind::Object => {
                let members = self.members(definition, definition, 0)?;
                let tag = definition.branches.first().map(|branch| branch.tag.clone());
                if let Some(tag) = &tag {
                    if !members.iter().any(|member| &member.name == tag) {
                        return Err(self.error(
                            definition,
                            format!("union tag `{tag}` is not one of its members"),
                        ));
                    }
                }
                let mut variants = Vec::new();
                for branch in &definition.branches {
                    self.defined_type(definition, &branch.type_name)?;
                    variants.push(Variant {
                        case: branch.value.clone(),
                        type_: branch.type_name.clone(),
                    });
                }
                SchemaInfoKind::Object {
                    members,
                    tag,
                    variants,
                }
            }
            DefinitionKind::Alternate => {
                let mut members = Vec::new();
                for member in &definition.members {
                    let Some(ty) = &member.ty else {
                        return Err(self.error(
                            definition,
                            format!("alternative `{}` has no type", member.name),
                        ));
                    };
                    members.push(AlternateMember {
                        type_: self.type_name(definition, ty)?,
                    });
                }
                SchemaInfoKind::Alternate { members }
            }
            DefinitionKind::Command => SchemaInfoKind::Command {
                arg_type: self.arguments(definition)?,
                ret_type: self.returns(definition, return_types)?,
                allow_oob: false,
            },
            DefinitionKind::Event => SchemaInfoKind::Event {
                arg_type: self.arguments(definition)?,
            },
        };
        self.push(definition.name.clone(), features, kind);
        Ok(())
    }

    /// The members of an object: its bases' first, then its own.
    fn members(
        &mut self,
        owner: &Definition,
        definition: &Definition,
        depth: usize,
    ) -> Result<Vec<ObjectMember>> {
        if depth > MAX_BASE_DEPTH {
            return Err(self.error(owner, "its bases form a cycle".to_owned()));
        }
        let mut members = Vec::new();
        for base in &definition.bases {
            let base_definition = self.defined_type(definition, base)?;
            members.extend(self.members(owner, base_definition, depth + 1)?);
        }
        for member in &definition.members {
            let Some(ty) = &member.ty else {
                return Err(self.error(definition, format!("member `{}` has no type", member.name)));
            };
            members.push(ObjectMember {
                name: member.name.clone(),
                type_: self.type_name(definition, ty)?,
                default: member.optional.then_some(serde_json::Value::Null),
                features: Vec::new(),
            });
        }
        Ok(members)
    }

    /// A command's or event's `arg-type`.
    fn arguments(&mut self, definition: &Definition) -> Result<String> {
        if definition.members.is_empty() {
            match definition.bases.as_slice() {
                [] => return Ok(self.empty_object()),
                [base] => {
                    self.defined_type(definition, base)?;
                    return Ok(base.clone());
                }
                _ => {}
            }
        }
        let name = format!("q_obj_{}-arg", definition.name);
        let members = self.members(definition, definition, 0)?;
        self.push(
            name.clone(),
            Vec::new(),
            SchemaInfoKind::Object {
                members,
                tag: None,
                variants: Vec::new(),
            },
        );
        Ok(name)
    }

    /// A command's `ret-type`.
    fn returns(
        &mut self,
        definition: &Definition,
        return_types: Option<&Manual>,
    ) -> Result<String> {
        let returns = definition.returns.as_ref();
        if let Some(ty) = returns.and_then(|returns| returns.ty.as_ref()) {
            return self.type_name(definition, ty);
        }
        let borrowed = return_types
            .and_then(|other| other.definitions.get(&definition.name))
            .and_then(|other| other.returns.as_ref())
            .and_then(|other| other.ty.as_ref())
            .filter(|ty| self.defines_all(ty));
        if let Some(ty) = borrowed {
            return self.type_name(definition, ty);
        }
        let nothing = returns.is_some_and(|returns| returns.doc.starts_with("Nothing on success"));
        Ok(if nothing {
            self.empty_object()
        } else {
            self.builtin("any", JsonType::Value)
        })
    }

    /// Whether every type `ty` names, and everything they reach, is defined in this manual.
    fn defines_all(&self, ty: &TypeExpr) -> bool {
        let mut seen = BTreeSet::new();
        let mut pending = vec![ty.clone()];
        while let Some(ty) = pending.pop() {
            let name = match ty {
                TypeExpr::Array(element) => {
                    pending.push(*element);
                    continue;
                }
                TypeExpr::Named(name) => name,
            };
            if builtin(&name).is_some() || !seen.insert(name.clone()) {
                continue;
            }
            let Some(definition) = self.manual.definitions.get(&name) else {
                return false;
            };
            pending.extend(definition.members.iter().filter_map(|m| m.ty.clone()));
            pending.extend(definition.bases.iter().cloned().map(TypeExpr::Named));
            pending.extend(
                definition
                    .branches
                    .iter()
                    .map(|branch| TypeExpr::Named(branch.type_name.clone())),
            );
        }
        true
    }

    fn empty_object(&mut self) -> String {
        self.push(
            EMPTY_OBJECT.to_owned(),
            Vec::new(),
            SchemaInfoKind::Object {
                members: Vec::new(),
                tag: None,
                variants: Vec::new(),
            },
        );
        EMPTY_OBJECT.to_owned()
    }

    fn builtin(&mut self, name: &str, json_type: JsonType) -> String {
        self.push(
            name.to_owned(),
            Vec::new(),
            SchemaInfoKind::Builtin { json_type },
        );
        name.to_owned()
    }

    /// The schema name of a type expression, entering builtins and arrays as needed.
    fn type_name(&mut self, definition: &Definition, ty: &TypeExpr) -> Result<String> {
        match ty {
            TypeExpr::Array(element) => {
                let element_type = self.type_name(definition, element)?;
                let name = format!("[{element_type}]");
                self.push(
                    name.clone(),
                    Vec::new(),
                    SchemaInfoKind::Array { element_type },
                );
                Ok(name)
            }
            TypeExpr::Named(name) => match builtin(name) {
                Some((schema_name, json_type)) => Ok(self.builtin(schema_name, json_type)),
                None => {
                    self.defined_type(definition, name)?;
                    Ok(name.clone())
                }
            },
        }
    }

    /// The manual's definition of a type `definition` refers to.
    fn defined_type(&self, definition: &Definition, name: &str) -> Result<&'m Definition> {
        let manual: &'m Manual = self.manual;
        match manual.definitions.get(name) {
            Some(found)
                if !matches!(found.kind, DefinitionKind::Command | DefinitionKind::Event) =>
            {
                Ok(found)
            }
            _ => Err(self.error(
                definition,
                format!("refers to type `{name}`, which the manual does not define"),
            )),
        }
    }
}

/// QEMU's schema name and JSON type of a builtin as the manuals write it (they write every
/// sized integer as `int`, `str` as `string` and `bool` as `boolean`).
fn builtin(name: &str) -> Option<(&'static str, JsonType)> {
    Some(match name {
        "string" | "str" => ("str", JsonType::String),
        "int" | "int8" | "int16" | "int32" | "int64" | "uint8" | "uint16" | "uint32" | "uint64"
        | "size" => ("int", JsonType::Int),
        "number" => ("number", JsonType::Number),
        "boolean" | "bool" => ("bool", JsonType::Boolean),
        "null" => ("null", JsonType::Null),
        "any" => ("any", JsonType::Value),
        _ => return None,
    })
}

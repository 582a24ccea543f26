//! The human-readable form of a release diff: one section per kind of change, one line per
//! change, paths in order.

use std::fmt;

use super::change::{Change, ChangeKind};

/// Writes `changes` (sorted by path) as titled sections; sections without changes are left out.
pub(super) fn render(changes: &[Change], f: &mut fmt::Formatter<'_>) -> fmt::Result {
    if changes.is_empty() {
        return writeln!(f, "No changes.");
    }
    let mut sections: Vec<(usize, Vec<&Change>)> = Vec::new();
    for change in changes {
        let rank = section(&change.kind).0;
        match sections.iter_mut().find(|(r, _)| *r == rank) {
            Some((_, items)) => items.push(change),
            None => sections.push((rank, vec![change])),
        }
    }
    sections.sort_by_key(|(rank, _)| *rank);
    writeln!(f, "{} changes", changes.len())?;
    for (_, items) in sections {
        let title = items.first().map_or("", |c| section(&c.kind).1);
        writeln!(f, "\n{title} ({}):", items.len())?;
        for change in items {
            writeln!(f, "  {}{}", change.path, detail(&change.kind))?;
        }
    }
    Ok(())
}

/// The section a change is listed in: its position and title.
fn section(kind: &ChangeKind) -> (usize, &'static str) {
    match kind {
        ChangeKind::CommandAdded { .. } => (0, "Commands added"),
        ChangeKind::CommandRemoved => (1, "Commands removed"),
        ChangeKind::EventAdded { .. } => (2, "Events added"),
        ChangeKind::EventRemoved => (3, "Events removed"),
        ChangeKind::MemberAdded { .. } => (4, "Members added"),
        ChangeKind::MemberRemoved => (5, "Members removed"),
        ChangeKind::MadeOptional => (6, "Members made optional"),
        ChangeKind::MadeRequired => (7, "Members made required"),
        ChangeKind::TypeChanged { .. } => (8, "Types changed"),
        ChangeKind::VariantAdded => (9, "Union variants added"),
        ChangeKind::VariantRemoved => (10, "Union variants removed"),
        ChangeKind::TagChanged { .. } => (11, "Union tags changed"),
        ChangeKind::EnumValueAdded { .. } => (12, "Enum values added"),
        ChangeKind::EnumValueRemoved => (13, "Enum values removed"),
        ChangeKind::AlternativeAdded => (14, "Alternate branches added"),
        ChangeKind::AlternativeRemoved => (15, "Alternate branches removed"),
        ChangeKind::FeatureAdded { .. } => (16, "Features gained"),
        ChangeKind::FeatureRemoved { .. } => (17, "Features lost"),
        ChangeKind::AllowOobChanged { .. } => (18, "Out-of-band execution changed"),
        ChangeKind::TypeRenamed { .. } => (19, "Types renamed by QEMU"),
    }
}

/// What follows the path on a change's line.
fn detail(kind: &ChangeKind) -> String {
    match kind {
        ChangeKind::CommandAdded { features }
        | ChangeKind::EventAdded { features }
        | ChangeKind::EnumValueAdded { features } => feature_list(features),
        ChangeKind::MemberAdded { optional, features } => {
            let optional = if *optional { "optional" } else { "required" };
            format!(" ({optional}){}", feature_list(features))
        }
        ChangeKind::TypeChanged { old, new } | ChangeKind::TypeRenamed { old, new } => {
            format!(": {old} → {new}")
        }
        ChangeKind::TagChanged { old, new } => {
            let name = |tag: &Option<String>| tag.clone().unwrap_or_else(|| "(none)".to_owned());
            format!(": {} → {}", name(old), name(new))
        }
        ChangeKind::FeatureAdded { feature } | ChangeKind::FeatureRemoved { feature } => {
            format!(": {feature}")
        }
        ChangeKind::AllowOobChanged { allowed } => {
            let now = if *allowed {
                "now allowed"
            } else {
                "no longer allowed"
            };
            format!(": {now}")
        }
        ChangeKind::CommandRemoved
        | ChangeKind::EventRemoved
        | ChangeKind::MemberRemoved
        | ChangeKind::MadeOptional
        | ChangeKind::MadeRequired
        | ChangeKind::VariantAdded
        | ChangeKind::VariantRemoved
        | ChangeKind::EnumValueRemoved
        | ChangeKind::AlternativeAdded
        | ChangeKind::AlternativeRemoved => String::new(),
    }
}

/// ` [deprecated, unstable]`, or nothing for no features.
fn feature_list(features: &[String]) -> String {
    if features.is_empty() {
        String::new()
    } else {
        format!(" [{}]", features.join(", "))
    }
}

#[derive(qmp_types::serde::Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "")]
struct Stop {}

fn main() {}

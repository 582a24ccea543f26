#[derive(qmp_types::serde::Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = stop)]
struct Stop {}

fn main() {}

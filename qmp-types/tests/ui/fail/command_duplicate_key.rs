#[derive(qmp_types::serde::Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "stop")]
#[qmp(name = "cont")]
struct Stop {}

fn main() {}

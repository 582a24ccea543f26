#[derive(qmp_types::serde::Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "stop", allow_oob = true)]
struct Stop {}

fn main() {}

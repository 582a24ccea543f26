#[derive(qmp_types::serde::Deserialize, qmp_types::Event)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "STOP", returns = u32)]
struct Stop {}

fn main() {}

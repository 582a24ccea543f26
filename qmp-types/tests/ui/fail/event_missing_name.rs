#[derive(qmp_types::serde::Deserialize, qmp_types::Event)]
#[serde(crate = "qmp_types::serde")]
struct Stop {}

fn main() {}

#[derive(qmp_types::serde::Deserialize, qmp_types::Event)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "STOP")]
struct Stop
where
    Self: Sized, {}

fn main() {}

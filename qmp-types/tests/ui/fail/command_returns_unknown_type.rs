#[derive(qmp_types::serde::Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "query-thing", returns = ThingInfo)]
struct QueryThing {}

fn main() {}

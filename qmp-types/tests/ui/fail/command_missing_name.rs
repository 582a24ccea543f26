#[derive(qmp_types::serde::Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(returns = qmp_types::Empty)]
struct QueryStatus {}

fn main() {}

use qmp_types::serde_json::{Map, Value};

#[derive(qmp_types::DeserializeObject)]
#[serde(rename_all = "kebab-case")]
struct Renamed {
    node_name: String,
}

#[derive(qmp_types::DeserializeObject)]
struct Flattened {
    id: String,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

#[derive(qmp_types::DeserializeObject)]
struct Tuple(String);

fn main() {}

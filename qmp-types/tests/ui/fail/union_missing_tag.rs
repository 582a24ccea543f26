use qmp_types::serde_json::{Map, Value};

#[derive(qmp_types::DeserializeUnion)]
enum Driver {
    #[qmp(rename = "file")]
    File,
    #[qmp(unknown)]
    Unknown(Map<String, Value>),
}

fn main() {}

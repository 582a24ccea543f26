use qmp_types::serde_json::{Map, Value};

#[derive(qmp_types::DeserializeUnion)]
#[qmp(tag = "driver")]
enum Driver {
    #[qmp(rename = "file")]
    File,
    #[qmp(rename = "file")]
    Host(String),
    #[qmp(unknown)]
    Unknown(Map<String, Value>),
}

fn main() {}

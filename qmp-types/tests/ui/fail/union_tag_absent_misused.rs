use qmp_types::serde_json::{Map, Value};

#[derive(qmp_types::DeserializeUnion)]
#[qmp(tag = "sev-type")]
enum Renamed {
    #[qmp(rename = "sev")]
    Sev,
    #[qmp(tag_absent, rename = "sev-es")]
    SevEs,
    #[qmp(unknown)]
    Unknown(Map<String, Value>),
}

#[derive(qmp_types::DeserializeUnion)]
#[qmp(tag = "sev-type")]
enum Twice {
    #[qmp(tag_absent)]
    Untagged,
    #[qmp(tag_absent)]
    Again,
    #[qmp(unknown)]
    Unknown(Map<String, Value>),
}

fn main() {}

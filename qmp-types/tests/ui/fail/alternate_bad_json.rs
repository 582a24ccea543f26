#[derive(qmp_types::DeserializeAlternate)]
enum Limit {
    #[qmp(json = "number")]
    Int(i64),
    #[qmp(json = "number")]
    Float(f64),
    #[qmp(json = "text")]
    Str(String),
    Bool(bool),
    #[qmp(json = "object")]
    Empty,
}

fn main() {}

#[derive(qmp_types::EventSet)]
enum Events {
    #[qmp(unknown)]
    Unknown(String),
}

fn main() {}

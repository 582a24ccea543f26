#[derive(qmp_types::EventSet)]
enum Events {
    #[qmp(unknown)]
    Unknown(qmp_types::UnknownEvent),
    #[qmp(unknown)]
    Other(qmp_types::UnknownEvent),
}

fn main() {}

#[derive(qmp_types::EventSet)]
enum Events {
    Stop(String),
    #[qmp(unknown)]
    Unknown(qmp_types::UnknownEvent),
}

fn main() {}

#[derive(qmp_types::EventSet)]
enum Events {
    Stop,
    #[qmp(unknown)]
    Unknown(qmp_types::UnknownEvent),
}

fn main() {}

#[derive(qmp_types::serde::Deserialize, qmp_types::Event)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "STOP")]
struct Stop {}

#[derive(qmp_types::EventSet)]
enum Events {
    #[qmp(name = "STOP")]
    Stop(Stop),
    #[qmp(name = "STOP")]
    Again(Stop),
    #[qmp(unknown)]
    Unknown(qmp_types::UnknownEvent),
}

fn main() {}

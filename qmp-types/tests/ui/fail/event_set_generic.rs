#[derive(qmp_types::EventSet)]
enum Events<'a> {
    Borrowed(&'a str),
    #[qmp(unknown)]
    Unknown(qmp_types::UnknownEvent),
}

fn main() {}

#[derive(qmp_types::Command)]
#[qmp(name = "stop")]
enum Stop {
    A,
}

fn main() {}

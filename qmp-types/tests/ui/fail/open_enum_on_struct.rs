#[derive(qmp_types::OpenEnum)]
struct RunState {
    value: String,
}

fn main() {}

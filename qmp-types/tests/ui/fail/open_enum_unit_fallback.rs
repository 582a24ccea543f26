#[derive(qmp_types::OpenEnum)]
enum RunState {
    Running,
    #[qmp(unknown)]
    Unknown,
}

fn main() {}

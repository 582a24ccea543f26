#[derive(qmp_types::OpenEnum)]
enum RunState {
    #[qmp(name = "running")]
    Running,
    #[qmp(unknown)]
    Unknown(String),
}

fn main() {}

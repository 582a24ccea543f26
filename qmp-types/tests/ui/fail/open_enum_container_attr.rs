#[derive(qmp_types::OpenEnum)]
#[qmp(rename = "run-state")]
enum RunState {
    Running,
    #[qmp(unknown)]
    Unknown(String),
}

fn main() {}

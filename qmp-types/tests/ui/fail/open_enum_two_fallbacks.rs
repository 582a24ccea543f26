#[derive(qmp_types::OpenEnum)]
enum RunState {
    #[qmp(unknown)]
    Unknown(String),
    #[qmp(rename = "running")]
    Running,
    #[qmp(unknown)]
    Other(String),
}

fn main() {}

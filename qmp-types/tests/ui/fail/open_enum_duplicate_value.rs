#[derive(qmp_types::OpenEnum)]
enum RunState {
    #[qmp(rename = "running")]
    Running,
    #[qmp(rename = "running")]
    AlsoRunning,
    #[qmp(unknown)]
    Unknown(String),
}

fn main() {}

#[derive(qmp_types::OpenEnum)]
enum RunState {
    #[qmp(rename = "running")]
    Running,
}

fn main() {}

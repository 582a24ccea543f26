#[derive(qmp_types::OpenEnum)]
enum RunState {
    Running,
    #[qmp(unknown, rename = "other")]
    Unknown(String),
}

fn main() {}

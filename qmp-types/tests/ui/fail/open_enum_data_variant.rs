#[derive(qmp_types::OpenEnum)]
enum RunState {
    Running {
        since: u64,
    },
    Paused(u8),
    #[qmp(unknown)]
    Unknown(String),
}

fn main() {}

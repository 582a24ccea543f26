// Every mistake is reported at once, not only the first.
#[derive(qmp_types::OpenEnum)]
enum RunState {
    #[qmp(rename = "running")]
    Running,
    #[qmp(bogus)]
    Paused,
    Saved(u8),
    #[qmp(rename = "running")]
    Again,
}

fn main() {}

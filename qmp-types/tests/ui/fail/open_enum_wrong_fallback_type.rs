#[derive(qmp_types::OpenEnum)]
enum RunState {
    Running,
    #[qmp(unknown)]
    Unknown(u32),
}

fn main() {}

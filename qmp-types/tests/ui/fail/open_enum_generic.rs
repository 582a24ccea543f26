#[derive(qmp_types::OpenEnum)]
enum RunState<T> {
    Running,
    #[qmp(unknown)]
    Unknown(T),
}

fn main() {}

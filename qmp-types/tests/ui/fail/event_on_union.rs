#[derive(qmp_types::Event)]
#[qmp(name = "STOP")]
union Stop {
    a: u32,
}

fn main() {}

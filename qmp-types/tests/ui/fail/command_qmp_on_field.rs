#[derive(qmp_types::serde::Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "device_del")]
struct DeviceDel {
    #[qmp(rename = "ID")]
    id: String,
}

fn main() {}

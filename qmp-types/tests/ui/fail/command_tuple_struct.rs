#[derive(qmp_types::serde::Serialize, qmp_types::Command)]
#[serde(crate = "qmp_types::serde")]
#[qmp(name = "device_del")]
struct DeviceDel(String, bool);

fn main() {}

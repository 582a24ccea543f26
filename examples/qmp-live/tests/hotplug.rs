//! Hot-plug through the typed `DeviceAdd` of each release, whose device properties travel in
//! its flattened `additional_arguments`: a `virtio-net-pci` NIC (into a PCIe root port of the
//! q35 machine) with `mac` and `netdev` (on a
//! user-mode netdev added by the typed `NetdevAdd`, restricted: no network beyond loopback)
//! and a USB tablet on the machine's xhci controller with `usb_version`, each read back with
//! the typed `QomGet`. A property the device lacks is refused by QEMU, naming it, which
//! proves the map reaches QEMU rather than being dropped.

use qmp_live::machine::{self, USB_CONTROLLER};
use qmp_testkit::Release;
use qmp_types::client::Error;
use qmp_types::serde_json::{json, Value};
use qmp_types::wire::ErrorClass;

/// The id of the PCIe root port the NIC is plugged into.
const PORT: &str = "port1";

/// The NIC's MAC address (locally administered QEMU prefix).
const MAC: &str = "52:54:00:12:34:57";

macro_rules! hotplug_test {
    ($test:ident, $qmp:ident, $release:expr) => {
        #[test]
        fn $test() {
            use qmp_live::$qmp as qmp;
            let release = $release;
            // q35's root bus takes no hot-plug; a PCIe root port does.
            let qemu = machine::start_with(release, |_| {
                vec!["-device".into(), format!("pcie-root-port,id={PORT},chassis=1")]
            });
            let client = machine::connect(&qemu);
            let qom_get = |path: &str, property: &str| -> Value {
                client
                    .execute(&qmp::QomGet::new(path, property))
                    .unwrap_or_else(|e| panic!("qom-get {path} {property}: {e}"))
            };

            let user = qmp::NetdevUserOptions {
                restrict: Some(true),
                ..qmp::NetdevUserOptions::new()
            };
            client
                .execute(&qmp::NetdevAdd(qmp::Netdev::new("net1", user)))
                .expect("netdev_add");

            let nic = qmp::DeviceAdd {
                id: Some("nic1".into()),
                bus: Some(PORT.into()),
                ..qmp::DeviceAdd::new("virtio-net-pci")
            }
            .with_argument("mac", MAC)
            .with_argument("netdev", "net1")
            // No option ROM: 7.2's data directory is unpacked without iPXE.
            .with_argument("romfile", "");
            let sent = qmp_types::serde_json::to_value(&nic).expect("DeviceAdd serialises");
            assert_eq!(
                sent,
                json!({"driver": "virtio-net-pci", "bus": PORT, "id": "nic1", "mac": MAC,
                       "netdev": "net1", "romfile": ""})
            );
            client.execute(&nic).expect("device_add virtio-net-pci");
            assert_eq!(qom_get("/machine/peripheral/nic1", "mac"), json!(MAC));
            assert_eq!(qom_get("/machine/peripheral/nic1", "netdev"), json!("net1"));

            let tablet = qmp::DeviceAdd {
                id: Some("tablet0".into()),
                bus: Some(format!("{USB_CONTROLLER}.0")),
                ..qmp::DeviceAdd::new("usb-tablet")
            }
            .with_argument("usb_version", 1);
            client.execute(&tablet).expect("device_add usb-tablet");
            assert_eq!(
                qom_get("/machine/peripheral/tablet0", "usb_version"),
                json!(1)
            );

            let wrong = qmp::DeviceAdd {
                id: Some("kbd9".into()),
                ..qmp::DeviceAdd::new("usb-kbd")
            }
            .with_argument("no-such-property", 1);
            match client.execute(&wrong) {
                Err(Error::Qmp {
                    class: ErrorClass::GenericError,
                    desc,
                    ..
                }) => assert!(desc.contains("no-such-property"), "{desc}"),
                other => panic!("an unknown property was accepted: {other:?}"),
            }
            println!(
                "QEMU {}: virtio-net-pci (mac, netdev) and usb-tablet (usb_version) \
                 hot-plugged and read back; unknown property refused",
                release.version()
            );
        }
    };
}

hotplug_test!(
    qemu_7_2_device_add_takes_device_properties,
    qmp_7_2,
    Release::V7_2
);
hotplug_test!(
    qemu_10_0_device_add_takes_device_properties,
    qmp_10_0,
    Release::V10_0
);

//! Decode tests of generated bindings (copied into the bindings crate by `tests/compile.rs`):
//! real QEMU 7.2 and 10.0 answers and events → the generated types, plus hand-written
//! answers for values real QEMU rarely sends (uint64 extremes, unknown enum values, unknown
//! union tags, unknown events, `null` in optional members of type `any`), and round trips
//! through the bindings that derive both serde directions.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;

use qmp_bindings_check::{
    both, hooks, merged, pruned, qemu_10_0_2_x86_64 as v10, qemu_7_2_22_x86_64 as v7, stable,
    use_site,
};
use qmp_testkit::{QemuProcess, Release};
use qmp_types::serde_json::{self, json, Value};
use qmp_types::{Command, EventSet, OpenEnum};

/// A paused q35 machine with a pc-dimm, so memory devices and CPUs have something to report.
/// SeaBIOS comes from the system's `seabios` package: the unpacked 7.2 tree lacks it.
const ARGS: &[&str] = &[
    "-L",
    "/usr/share/seabios",
    "-machine",
    "q35",
    "-S",
    "-m",
    "256M,slots=2,maxmem=1G",
    "-object",
    "memory-backend-ram,id=mem1,size=128M",
    "-device",
    "pc-dimm,id=dimm1,memdev=mem1",
];

/// A minimal synchronous QMP connection: enough to drive typed commands.
struct Qmp {
    reader: BufReader<UnixStream>,
    writer: UnixStream,
    events: Vec<(String, Value)>,
}

impl Qmp {
    fn connect(qemu: &QemuProcess) -> Qmp {
        let stream = UnixStream::connect(qemu.socket()).expect("connect");
        let writer = stream.try_clone().expect("clone socket");
        let mut qmp = Qmp {
            reader: BufReader::new(stream),
            writer,
            events: Vec::new(),
        };
        let greeting = qmp.read();
        assert!(greeting.get("QMP").is_some(), "greeting: {greeting}");
        qmp.raw("qmp_capabilities", json!({}));
        qmp
    }

    fn read(&mut self) -> Value {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("read");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad JSON {line:?}: {e}"))
    }

    /// Executes a command; returns its `return` value, keeping events that arrive meanwhile.
    fn raw(&mut self, name: &str, arguments: Value) -> Value {
        let request = json!({ "execute": name, "arguments": arguments });
        writeln!(self.writer, "{request}").expect("write");
        loop {
            let mut message = self.read();
            if let Some(event) = message.get("event").and_then(Value::as_str) {
                let data = message.get("data").cloned().unwrap_or(Value::Null);
                self.events.push((event.to_owned(), data));
            } else if let Some(value) = message.get_mut("return") {
                return value.take();
            } else {
                panic!("{name} failed: {message}");
            }
        }
    }

    /// Executes a typed command and decodes its return value into the generated type.
    fn run<C: Command>(&mut self, command: &C) -> C::Output {
        let arguments = serde_json::to_value(command).expect("serialise arguments");
        let value = self.raw(C::NAME, arguments);
        serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("decode the return of {}: {e}\n{value}", C::NAME))
    }

    /// Waits for the event `name`.
    fn event(&mut self, name: &str) -> Value {
        loop {
            if let Some(i) = self.events.iter().position(|(n, _)| n == name) {
                return self.events.remove(i).1;
            }
            let mut message = self.read();
            if let Some(event) = message.get("event").and_then(Value::as_str) {
                let event = event.to_owned();
                let data = message.get_mut("data").map_or(Value::Null, Value::take);
                self.events.push((event, data));
            }
        }
    }
}

/// Runs the same checks against the bindings module `$m` and QEMU release `$release`.
macro_rules! exercise {
    ($m:ident, $release:expr) => {{
        let qemu = QemuProcess::system($release, ARGS, "");
        let mut qmp = Qmp::connect(&qemu);

        let status = qmp.run(&$m::QueryStatus::new());
        assert_eq!(status.status.as_str(), "prelaunch");
        assert!(!status.running);

        let version = qmp.run(&$m::QueryVersion::new());
        assert!(version.qemu.major >= 7, "{version:?}");

        // Zero-argument queries whose answers exercise many types.
        let machines = qmp.run(&$m::QueryMachines::new());
        assert!(machines.iter().any(|m| m.name.starts_with("pc-q35")));
        let commands = qmp.run(&$m::QueryCommands::new());
        assert!(commands.iter().any(|c| c.name == "query-status"));
        let cpus = qmp.run(&$m::QueryCpusFast::new());
        assert_eq!(cpus.len(), 1);
        assert!(format!("{cpus:?}").contains("X8664"), "{cpus:?}");
        let _ = qmp.run(&$m::QueryHotpluggableCpus::new());
        let _ = qmp.run(&$m::QueryCpuDefinitions::new());
        let _ = qmp.run(&$m::QueryMemdev::new());
        let _ = qmp.run(&$m::QueryChardev::new());
        let _ = qmp.run(&$m::QueryMigrate::new());
        let _ = qmp.run(&$m::QueryMigrateCapabilities::new());
        let _ = qmp.run(&$m::QueryMigrateParameters::new());
        let _ = qmp.run(&$m::QueryPci::new());
        let _ = qmp.run(&$m::QueryKvm::new());
        let _ = qmp.run(&$m::QueryUuid::new());
        let _ = qmp.run(&$m::QueryName::new());
        let _ = qmp.run(&$m::QueryTarget::new());
        let _ = qmp.run(&$m::QueryCurrentMachine::new());
        let _ = qmp.run(&$m::QueryIothreads::new());
        let _ = qmp.run(&$m::QueryBlockstats::new());
        let _ = qmp.run(&$m::QomListTypes::new());
        let _ = qmp.run(&$m::QomList::new("/machine".to_owned()));

        // A flat union with integers inside its flattened variant.
        let devices = qmp.run(&$m::QueryMemoryDevices::new());
        let text = format!("{devices:?}");
        assert!(text.contains("Dimm(") && text.contains("134217728"), "{text}");

        // The schema itself: unions (meta-type), enums and arrays throughout.
        let schema = qmp.run(&$m::QueryQmpSchema::new());
        assert!(schema.len() > 1000);
        assert!(!format!("{schema:?}").contains("Unknown("), "an entry fell back to Unknown");

        // A union sent as arguments, then read back.
        // `blockdev-add` takes QEMU's `BlockdevOptions`, a type of its own.
        let mut options = $m::BlockdevOptions::new($m::BlockdevOptionsVariant::NullCo(
            $m::BlockdevOptionsNull::new(),
        ));
        options.node_name = Some("null0".to_owned());
        let add = $m::BlockdevAdd(options);
        assert_eq!(
            serde_json::to_value(&add).unwrap(),
            json!({"driver": "null-co", "node-name": "null0"})
        );
        qmp.run(&add);
        let nodes = qmp.run(&$m::QueryNamedBlockNodes::new());
        assert!(nodes.iter().any(|n| n.node_name.as_deref() == Some("null0") && n.drv == "null-co"));

        // Events through the generated `Event` enum.
        qmp.run(&$m::Cont::new());
        let data = qmp.event("RESUME");
        assert!(matches!($m::Event::from_event("RESUME", data), Ok($m::Event::Resume(_))));
        qmp.run(&$m::Stop::new());
        let data = qmp.event("STOP");
        let event = $m::Event::from_event("STOP", data).expect("decode STOP");
        assert!(matches!(event, $m::Event::Stop(_)));
        assert_eq!(event.name(), "STOP");
    }};
}

#[test]
fn live_qemu_10_0() {
    exercise!(v10, Release::V10_0);
}

#[test]
fn live_qemu_7_2() {
    exercise!(v7, Release::V7_2);
}

/// The module merged from 7.2.22 and 10.0.2 decodes both releases' shapes where QEMU
/// changed a type: `BlockJobInfo` is a struct in 7.2 (`type` a string, no
/// `actively-synced`) and a union in 10.0 (`type` the enum `JobType`, a mirror job with a
/// required `actively-synced`), which the 10.0.2 bindings cannot decode from 7.2.
#[test]
fn merged_bindings_decode_both_releases_shapes() {
    let v7_answer = json!([{
        "device": "job0", "len": 10, "offset": 1, "busy": false, "paused": false, "speed": 0,
        "io-status": "ok", "ready": true, "status": "ready", "auto-finalize": true,
        "auto-dismiss": true, "type": "mirror"
    }]);
    let mut v10_answer = v7_answer.clone();
    v10_answer[0]["actively-synced"] = json!(true);
    type Jobs = <merged::QueryBlockJobs as Command>::Output;
    let old: Jobs = serde_json::from_value(v7_answer.clone()).expect("7.2 shape");
    let new: Jobs = serde_json::from_value(v10_answer).expect("10.0 shape");
    let mirror = |synced| {
        merged::BlockJobInfoVariant::Mirror(merged::BlockJobInfoMirror {
            actively_synced: synced,
        })
    };
    assert_eq!(old[0].r#type, mirror(None));
    assert_eq!(new[0].r#type, mirror(Some(true)));
    let single: Result<<v10::QueryBlockJobs as Command>::Output, _> =
        serde_json::from_value(v7_answer);
    assert!(single.is_err(), "the 10.0.2 bindings decode 7.2's shape");
    // Which releases have a command, as data.
    assert_eq!(merged::QueryBlockJobs::AVAILABLE_IN, ["7.2.22", "10.0.2"]);
    assert_eq!(merged::XQueryProfile::AVAILABLE_IN, ["7.2.22"]);
    assert_eq!(merged::QueryAudiodevs::AVAILABLE_IN, ["10.0.2"]);
    assert_eq!(
        <merged::VfioMigration as qmp_types::Event>::AVAILABLE_IN,
        ["10.0.2"]
    );
    assert!(v10::QueryStatus::AVAILABLE_IN.is_empty());
}

#[test]
fn integers_cover_int64_and_uint64_inside_unions() {
    let answer = json!([{
        "type": "dimm",
        "data": {
            "id": "d", "addr": 18446744073709551615u64, "size": -9223372036854775808i64,
            "slot": 0, "node": 0, "memdev": "/objects/m", "hotplugged": false,
            "hotpluggable": true
        }
    }]);
    let devices: <v10::QueryMemoryDevices as Command>::Output =
        serde_json::from_value(answer).expect("decode");
    let text = format!("{devices:?}");
    assert!(text.contains("18446744073709551615"), "{text}");
    assert!(text.contains("-9223372036854775808"), "{text}");
}

#[test]
fn unknown_values_fall_back_without_failing_the_message() {
    let status: <v10::QueryStatus as Command>::Output = serde_json::from_value(
        json!({"running": true, "singlestep": false, "status": "warp-speed"}),
    )
    .expect("decode");
    assert_eq!(status.status.as_str(), "warp-speed");

    let devices: <v10::QueryMemoryDevices as Command>::Output =
        serde_json::from_value(json!([{"type": "hologram", "data": {"size": 1}}])).expect("decode");
    let text = format!("{devices:?}");
    assert!(
        text.contains("Unknown(") && text.contains("hologram"),
        "{text}"
    );

    let event = v10::Event::from_event("FUTURE_EVENT", json!({"a": 1})).expect("decode");
    assert_eq!(event.name(), "FUTURE_EVENT");
    assert!(matches!(event, v10::Event::Unknown(ref e) if e.data == json!({"a": 1})));
}

#[test]
fn pruned_and_stable_bindings_keep_their_shape() {
    // Pruned: only what was asked for (the Event enum still has its fallback).
    let event = pruned::Event::from_event("RESUME", Value::Null).expect("decode");
    assert!(matches!(event, pruned::Event::Unknown(_)));
    assert!(matches!(
        pruned::Event::from_event("STOP", Value::Null),
        Ok(pruned::Event::Stop(_))
    ));
    assert_eq!(<pruned::QueryStatus as Command>::NAME, "query-status");
    // Without unstable items, stable commands remain.
    assert_eq!(<stable::QueryStatus as Command>::NAME, "query-status");
    assert!(<v10::RunState as OpenEnum>::VALUES.contains(&"running"));
}

#[test]
fn optional_any_keeps_a_present_null() {
    // `query-qmp-schema` describes optional members with `"default": null`.
    type Member = v10::SchemaInfoObjectMember;
    let member: Member =
        serde_json::from_value(json!({"name": "n", "type": "int", "default": null}))
            .expect("decode");
    assert_eq!(member.default, Some(Value::Null));
    let member: Member =
        serde_json::from_value(json!({"name": "n", "type": "int"})).expect("decode");
    assert_eq!(member.default, None);
    let member: Member =
        serde_json::from_value(json!({"name": "n", "type": "int", "default": 3})).expect("decode");
    assert_eq!(member.default, Some(json!(3)));
}

#[test]
fn both_directions_round_trip_the_whole_schema() {
    let qemu = QemuProcess::system(Release::V10_0, ARGS, "");
    let mut qmp = Qmp::connect(&qemu);
    let raw = qmp.raw("query-qmp-schema", json!({}));
    let schema: <both::QueryQmpSchema as Command>::Output =
        serde_json::from_value(raw.clone()).expect("decode the schema");
    // Every member, `"default": null` included, survives decode → encode.
    assert_eq!(serde_json::to_value(&schema).expect("encode"), raw);
    assert!(raw.to_string().contains("\"default\":null"));

    let raw = qmp.raw("query-memory-devices", json!({}));
    let devices: <both::QueryMemoryDevices as Command>::Output =
        serde_json::from_value(raw.clone()).expect("decode memory devices");
    assert_eq!(serde_json::to_value(&devices).expect("encode"), raw);

    // Arguments decode too: a command struct is `Deserialize` as well.
    let add: both::BlockdevAdd =
        serde_json::from_value(json!({"driver": "null-co", "node-name": "null0"}))
            .expect("decode arguments");
    assert_eq!(add.0.node_name.as_deref(), Some("null0"));
    assert!(matches!(add.0.driver, both::BlockdevOptionsVariant::NullCo(_)));
    // `device_add`'s device properties land in its further arguments, and go back out.
    let raw = json!({"driver": "virtio-net-pci", "id": "nic1", "mac": "52:54:00:12:34:56"});
    let add: both::DeviceAdd = serde_json::from_value(raw.clone()).expect("decode device_add");
    assert_eq!(add.id.as_deref(), Some("nic1"));
    assert_eq!(add.additional_arguments.len(), 1);
    assert_eq!(add.additional_arguments["mac"], "52:54:00:12:34:56");
    assert_eq!(serde_json::to_value(&add).expect("encode"), raw);

    // Events re-encode as received.
    let raw = json!({"device": "mirror0", "type": "mirror", "len": 1024, "offset": 1024,
                     "speed": 0});
    let completed: both::BlockJobCompleted =
        serde_json::from_value(raw.clone()).expect("decode an event");
    assert_eq!(serde_json::to_value(&completed).expect("encode"), raw);

    // Use-site names where no manual is at hand.
    assert_eq!(<use_site::QueryStatus as Command>::NAME, "query-status");
    let status: use_site::QueryStatusReturn =
        serde_json::from_value(json!({"running": true, "status": "running"})).expect("decode");
    assert!(status.running);
}

#[test]
fn user_attributes_and_derives_reach_the_types() {
    use std::collections::HashSet;
    // `#[derive(Eq, Hash)]` by QEMU name and by wire name.
    let status: hooks::StatusInfo =
        serde_json::from_value(json!({"running": true, "status": "running"})).expect("decode");
    let mut seen = HashSet::new();
    assert!(seen.insert(status.clone()));
    assert!(!seen.insert(status));
    assert!(HashSet::from([hooks::QueryStatus::new()]).contains(&hooks::QueryStatus::new()));
    // `#[serde(deny_unknown_fields)]`: an unknown member is now an error.
    let error = serde_json::from_value::<hooks::StatusInfo>(
        json!({"running": true, "status": "running", "extra": 1}),
    )
    .expect_err("unknown member refused");
    assert!(error.to_string().contains("unknown field `extra`"), "{error}");
    // The further arguments of `device_add` with the builder.
    let add = hooks::DeviceAdd::new("usb-tablet").with_argument("usb_version", 1);
    assert_eq!(
        serde_json::to_value(&add).expect("encode"),
        json!({"driver": "usb-tablet", "usb_version": 1})
    );
}

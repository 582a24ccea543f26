//! Bindings of one release against the other release's QEMU: unknown members, enum values and
//! events never break decoding or the connection; a command the server lacks is a typed
//! `CommandNotFound` error; what does not decode is explained by the schema diff (a member the
//! bindings require that the server no longer sends), never by something unknown.

use std::collections::BTreeSet;

use qmp_live::events::EventLog;
use qmp_live::machine;
use qmp_live::sweep::{Outcome, Sweep};
use qmp_live::{qmp_10_0, qmp_7_2};
use qmp_testkit::Release;
use qmp_types::client::Error;
use qmp_types::strict::FindingKind;
use qmp_types::wire::ErrorClass;

/// Commands of a bundled schema.
fn commands(file: &str) -> BTreeSet<String> {
    let path = format!("{}/../../schemas/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let entries: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    entries
        .iter()
        .filter(|e| e["meta-type"] == "command")
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Checks a cross-release sweep: commands the server lacks are refused as `CommandNotFound`
/// and only those; decoding failures only ever name a missing field.
fn check_sweep(sweep: &Sweep<'_>, server_commands: &BTreeSet<String>) {
    for (name, outcome) in &sweep.outcomes {
        let missing = !server_commands.contains(*name);
        match outcome {
            Outcome::Refused { class, .. } if class == "CommandNotFound" => {
                assert!(missing, "{name} exists on the server but was not found")
            }
            _ => assert!(!missing, "{name} is not on the server: {outcome:?}"),
        }
        if let Outcome::Failed { error } = outcome {
            assert!(error.contains("missing field"), "{name}: {error}");
        }
    }
}

fn count(sweep: &Sweep<'_>, kind: fn(&FindingKind) -> bool) -> usize {
    sweep
        .outcomes
        .iter()
        .map(|(_, outcome)| match outcome {
            Outcome::Decoded { findings } => findings.iter().filter(|f| kind(&f.kind)).count(),
            _ => 0,
        })
        .sum()
}

#[test]
fn bindings_of_10_0_against_qemu_7_2() {
    let qemu = machine::start(Release::V7_2);
    let client = machine::connect(&qemu);
    let mut sweep = Sweep::new(&client);
    qmp_10_0::queries::visit_all(&mut sweep);
    let summary = sweep.summary();
    println!("QEMU 7.2.22 with the bindings of 10.0.2: {summary}");
    check_sweep(&sweep, &commands("qemu-7.2.22-x86_64.json"));
    assert!(summary.refused.contains_key("CommandNotFound"), "{summary}");

    // A command the server lacks, called directly: a typed error, and the connection goes on.
    let error = client
        .execute(&qmp_10_0::QueryCryptodev::new())
        .expect_err("7.2 has no query-cryptodev");
    assert!(
        matches!(&error, Error::Qmp { class: ErrorClass::CommandNotFound, command, .. }
            if command == "query-cryptodev"),
        "{error:?}"
    );
    let mut log = EventLog::<qmp_10_0::Event>::new(&client);
    client.execute(&qmp_10_0::Stop::new()).expect("stop");
    log.wait_for("STOP", |e| matches!(e, qmp_10_0::Event::Stop(_)));
    client.execute(&qmp_10_0::Cont::new()).expect("cont");
    log.wait_for("RESUME", |e| matches!(e, qmp_10_0::Event::Resume(_)));
    let version = client
        .execute(&qmp_10_0::QueryVersion::new())
        .expect("query-version");
    assert_eq!((version.qemu.major, version.qemu.minor), (7, 2));
}

#[test]
fn bindings_of_7_2_against_qemu_10_0() {
    let qemu = machine::start_with(Release::V10_0, machine::pvpanic_args);
    let client = machine::connect(&qemu);
    let mut sweep = Sweep::new(&client);
    qmp_7_2::queries::visit_all(&mut sweep);
    let summary = sweep.summary();
    let dropped = count(&sweep, |k| matches!(k, FindingKind::Dropped { .. }));
    let fallbacks = count(&sweep, |k| matches!(k, FindingKind::Fallback { .. }));
    println!(
        "QEMU 10.0.2 with the bindings of 7.2.22: {summary}\n  \
         unknown members ignored: {dropped}, unknown enum values kept: {fallbacks}"
    );
    check_sweep(&sweep, &commands("qemu-10.0.2-x86_64.json"));
    assert!(summary.refused.contains_key("CommandNotFound"), "{summary}");
    // Newer answers carry members and enum values the old bindings do not know; they were
    // decoded all the same.
    assert!(dropped > 0, "{summary}");
    assert!(fallbacks > 0, "{summary}");

    // An event 7.2 does not know (GUEST_PVSHUTDOWN, new in 9.1): a guest's write to the
    // pvpanic port, made through qtest. It arrives as the fallback, and the connection goes on.
    let mut log = EventLog::<qmp_7_2::Event>::new(&client);
    assert_eq!(machine::qtest(&qemu, "outb 0x505 0x4"), "OK");
    let unknown = log.wait_for(
        "GUEST_PVSHUTDOWN",
        |e| matches!(e, qmp_7_2::Event::Unknown(u) if u.name == "GUEST_PVSHUTDOWN"),
    );
    assert_eq!(unknown, 0, "{:?}", log.names());
    // The shutdown paused the machine; a reset makes it runnable again.
    client
        .execute(&qmp_7_2::SystemReset::new())
        .expect("system_reset");
    log.wait_for("RESET", |e| matches!(e, qmp_7_2::Event::Reset(_)));
    client.execute(&qmp_7_2::Cont::new()).expect("cont");
    log.wait_for("RESUME", |e| matches!(e, qmp_7_2::Event::Resume(_)));
    let version = client
        .execute(&qmp_7_2::QueryVersion::new())
        .expect("query-version");
    assert_eq!((version.qemu.major, version.qemu.minor), (10, 0));
}

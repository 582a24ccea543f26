//! Stress test of the async client against real QEMU 10.0.2 (issue #5): 64 tasks share one
//! connection and each sends 2,000 commands, some with short random timeouts, some cancelled
//! (their futures dropped) at random points. Every answer depends on its request's argument,
//! so a completed call proves it got its own answer: zero lost, zero mis-routed, and zero
//! requests left in the connection driver at the end.
//!
//! `QMP_STRESS_COMMANDS` sets the commands per task (default 2,000, the size);
//! `QMP_STRESS_SEED` the random seed (default fixed, so a failure reproduces).

mod support;

use std::time::{Duration, Instant};

use qmp_testkit::{QemuProcess, Release};
use qmp_types::client::{Client, ClientConfig, Error};
use support::*;

const TASKS: u64 = 64;

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text} is not a number")),
        Err(_) => default,
    }
}

async fn connect(qemu: &QemuProcess) -> Client {
    // Retries by itself while QEMU has created the socket file but does not listen yet.
    Client::connect_unix(qemu.socket(), ClientConfig::default())
        .await
        .expect("connect")
}

/// Waits until the driver holds no request (it publishes its count when it goes idle, so
/// right after the last answer the count may still be catching up).
async fn drained(client: &Client) {
    within(30, "pending entries drain", async {
        while client.pending_calls() != 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

/// What one task saw.
#[derive(Debug, Default)]
struct Tally {
    /// Calls answered with their own `return` value.
    returned: u64,
    /// Calls answered with their own error response.
    refused: u64,
    timed_out: u64,
    cancelled: u64,
}

/// One request whose answer depends on `(task, n)`: either a real command-line option group
/// (the answer names it) or a made-up one (the error message names it).
fn request(
    options: &[String],
    task: u64,
    n: u64,
) -> (QueryCommandLineOptions, Result<String, String>) {
    if n % 2 == 0 {
        let name = options[((task * 7919 + n) % options.len() as u64) as usize].clone();
        (
            QueryCommandLineOptions {
                option: Some(name.clone()),
            },
            Ok(name),
        )
    } else {
        let token = format!("no-such-group-t{task}-n{n}");
        (
            QueryCommandLineOptions {
                option: Some(token.clone()),
            },
            Err(token),
        )
    }
}

/// Checks that `result` is the answer to the request that expected `expected`.
fn check(
    result: Result<Vec<CommandLineOptionInfo>, Error>,
    expected: &Result<String, String>,
    tally: &mut Tally,
) {
    match (result, expected) {
        (Ok(answer), Ok(name)) => {
            assert_eq!(answer.len(), 1, "answer for {name}: {answer:?}");
            assert_eq!(&answer[0].option, name, "mis-routed answer");
            tally.returned += 1;
        }
        (Err(Error::Qmp { desc, .. }), Err(token)) => {
            assert!(
                desc.contains(token.as_str()),
                "mis-routed error: expected one naming {token}, got {desc}"
            );
            tally.refused += 1;
        }
        (Err(Error::Timeout { .. }), _) => tally.timed_out += 1,
        (other, expected) => panic!("expected an answer for {expected:?}, got {other:?}"),
    }
}

async fn task(client: Client, options: Vec<String>, task: u64, commands: u64, seed: u64) -> Tally {
    let mut rng = fastrand::Rng::with_seed(seed ^ (task << 32));
    let mut tally = Tally::default();
    for n in 0..commands {
        let (command, expected) = request(&options, task, n);
        match rng.u32(0..100) {
            // Cancelled: the call's future is dropped after a random number of polls, while
            // queued, in flight or (rarely) after its answer arrived.
            0..=4 => {
                let polls = rng.u32(0..4);
                let mut call = std::pin::pin!(client.execute(&command));
                let mut finished = None;
                for _ in 0..polls {
                    if let Some(result) = futures::FutureExt::now_or_never(&mut call) {
                        finished = Some(result);
                        break;
                    }
                    tokio::task::yield_now().await;
                }
                match finished {
                    Some(result) => check(result, &expected, &mut tally),
                    None => tally.cancelled += 1,
                }
            }
            // A short random timeout: may expire queued, in flight, or not at all.
            5..=14 => {
                let timeout = Duration::from_micros(rng.u64(0..3000));
                let result = client.with_timeout(Some(timeout)).execute(&command).await;
                check(result, &expected, &mut tally);
            }
            _ => check(client.execute(&command).await, &expected, &mut tally),
        }
    }
    tally
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_tasks_share_one_connection_without_loss_or_misrouting() {
    let commands = env_number("QMP_STRESS_COMMANDS", 2_000);
    let seed = env_number("QMP_STRESS_SEED", 0x5EED_0005);
    let qemu = QemuProcess::system_none(Release::V10_0);
    let client = connect(&qemu).await;
    let options: Vec<String> = client
        .execute(&QueryCommandLineOptions { option: None })
        .await
        .expect("option list")
        .into_iter()
        .map(|info| info.option)
        .collect();
    assert!(options.len() > 20, "{options:?}");

    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| tokio::spawn(task(client.clone(), options.clone(), t, commands, seed)))
        .collect();
    let mut total = Tally::default();
    for handle in tasks {
        let tally = within(600, "stress task", handle).await.expect("task");
        total.returned += tally.returned;
        total.refused += tally.refused;
        total.timed_out += tally.timed_out;
        total.cancelled += tally.cancelled;
    }
    let elapsed = started.elapsed();
    let sent = TASKS * commands;
    assert_eq!(
        total.returned + total.refused + total.timed_out + total.cancelled,
        sent,
        "calls unaccounted for: {total:?}"
    );
    // The random mix really exercised every path.
    assert!(
        total.returned > sent / 3 && total.refused > sent / 3,
        "{total:?}"
    );
    assert!(total.timed_out > 0 && total.cancelled > 0, "{total:?}");

    // Abandoned calls leave the driver once QEMU's late answers arrive: nothing leaks.
    drained(&client).await;
    // The connection is still healthy, and its in-flight slots were all given back: a burst
    // wider than the in-flight limit completes.
    let after = futures::future::join_all((0..32).map(|n| {
        let (command, expected) = request(&options, TASKS, n);
        let client = client.clone();
        async move { (client.execute(&command).await, expected) }
    }));
    let mut tally = Tally::default();
    for (result, expected) in within(30, "calls after the stress", after).await {
        check(result, &expected, &mut tally);
    }
    assert_eq!(tally.returned + tally.refused, 32);
    drained(&client).await;
    eprintln!(
        "stress: {TASKS} tasks x {commands} commands = {sent} in {elapsed:.2?} \
         ({:.0}/s): {} returned, {} refused, {} timed out, {} cancelled; 0 lost, 0 mis-routed, \
         0 pending at the end",
        sent as f64 / elapsed.as_secs_f64(),
        total.returned,
        total.refused,
        total.timed_out,
        total.cancelled
    );
}

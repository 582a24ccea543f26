//! Bad input for the VM-manager runtime against real QEMU, with the process's open file
//! descriptors counted before and after: descriptors passed to a closed connection, fd guards
//! dropped or closed after a disconnect or a close, a predicate that never matches,
//! subscribers that never read.
//! One test in its own binary, so that no other test opens descriptors meanwhile.

mod support;

use std::os::fd::OwnedFd;
use std::time::Duration;

use qmp_testkit::{QemuProcess, Release};
use qmp_types::client::{Client, ClientConfig, Error, EventError, EventStream};
use qmp_types::UnknownEvent;
use support::*;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn temp_file() -> OwnedFd {
    tempfile::tempfile().unwrap().into()
}

async fn wait_closed(client: &Client) {
    within(10, "disconnect", async {
        while !client.is_closed() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
}

async fn bad_input(release: Release) {
    let mut qemu = QemuProcess::system_none(release);
    let config = ClientConfig::default()
        .event_memory_cap(4096)
        .event_buffer(4);
    let client = Client::connect_unix(qemu.socket(), config).await.unwrap();

    // A predicate that never matches: a clear timeout, and the connection goes on.
    let error = client
        .execute_then_event(&Stop {}, Duration::from_millis(200), |_: &UnknownEvent| {
            false
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::NoEvent { command, after }
            if command == "stop" && *after == Duration::from_millis(200)),
        "{release:?}: {error}"
    );
    client.execute(&Cont {}).await.unwrap();

    // Subscribers that never read: the lossless one ends with an overflow after every event
    // that fitted, the lagging one reports exactly what it lost.
    let mut lossless: EventStream<UnknownEvent> = client.events();
    let mut lagging: EventStream<UnknownEvent> = client.lagging_events();
    for _ in 0..100 {
        client.execute(&Stop {}).await.unwrap();
        client.execute(&Cont {}).await.unwrap();
    }
    let mut delivered = 0;
    let overflow = loop {
        match lossless.recv().await.unwrap() {
            Ok(_) => delivered += 1,
            Err(error) => break error,
        }
    };
    assert!(
        matches!(overflow, EventError::Overflow { cap: 4096 }),
        "{overflow}"
    );
    assert!(delivered > 0 && delivered < 200, "{delivered}");
    assert!(lossless.recv().await.is_none());
    let lag = lagging.recv().await.unwrap().unwrap_err();
    assert!(
        matches!(lag, EventError::Lagged { missed: 196 }),
        "{release:?}: {lag}"
    );

    // Guards alive when QEMU dies, dropped afterwards; descriptors passed to the dead
    // connection.
    let added = client.add_fd(temp_file(), None, None).await.unwrap();
    let named = client.get_fd("n", temp_file()).await.unwrap();
    let closed_late = client.get_fd("late", temp_file()).await.unwrap();
    qemu.kill();
    wait_closed(&client).await;
    drop(added);
    drop(named);
    // Closed explicitly after the disconnect: the error says so.
    let error = closed_late.close().await.unwrap_err();
    assert!(
        matches!(error, Error::Disconnected { .. }),
        "{release:?}: {error}"
    );
    let error = client.add_fd(temp_file(), None, None).await.unwrap_err();
    assert!(
        matches!(error, Error::Disconnected { .. }),
        "{release:?}: {error}"
    );
    let error = client
        .execute_raw_with_fds("getfd", None, vec![temp_file(), temp_file()])
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::Disconnected { .. }),
        "{release:?}: {error}"
    );
    drop(client);

    // Descriptors passed after a close.
    let qemu = QemuProcess::system_none(release);
    let client = Client::connect_unix(qemu.socket(), ClientConfig::default())
        .await
        .unwrap();
    let added = client.add_fd(temp_file(), None, None).await.unwrap();
    let removed_late = client.add_fd(temp_file(), None, None).await.unwrap();
    client.close(Duration::from_secs(5)).await.unwrap();
    let error = client.get_fd("late", temp_file()).await.unwrap_err();
    assert!(
        matches!(&error, Error::Disconnected { reason } if reason.contains("the client closed")),
        "{release:?}: {error}"
    );
    let error = removed_late.close().await.unwrap_err();
    assert!(
        matches!(&error, Error::Disconnected { reason } if reason.contains("the client closed")),
        "{release:?}: {error}"
    );
    drop(added);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gives_clear_errors_and_leaks_no_descriptor() {
    let before = open_fds();
    for release in Release::ALL {
        bad_input(release).await;
    }
    // The driver tasks end right after their connections; give them a moment.
    for _ in 0..250 {
        if open_fds() <= before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(open_fds(), before, "descriptors open before and after");
}

//! The guest agent's file commands through the generated bindings and the blocking client,
//! against the real `qemu-ga` of each release (on this host, private socket): 1 MiB written
//! with `guest-file-write` in base64 chunks, read back with `guest-file-read`, compared byte
//! for byte, in a temporary directory the test creates and removes.

use std::time::Instant;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use qmp_testkit::{QemuProcess, Release};
use qmp_types::blocking::GuestAgent;
use qmp_types::client::ClientConfig;

/// The file's size.
const SIZE: usize = 1 << 20;
/// Bytes per `guest-file-write` / `guest-file-read`.
const CHUNK: usize = 64 * 1024;

/// `SIZE` bytes that differ from chunk to chunk and cover every byte value.
fn content() -> Vec<u8> {
    let mut state: u32 = 0x9E37_79B9;
    (0..SIZE)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_le_bytes()[0]
        })
        .collect()
}

macro_rules! file_round_trip_test {
    ($test:ident, $qga:ident, $release:expr) => {
        #[test]
        fn $test() {
            use qmp_live::$qga as qga;
            let release = $release;
            let process = QemuProcess::guest_agent(release);
            let agent = GuestAgent::connect_unix(process.socket(), ClientConfig::default())
                .expect("connect to qemu-ga");
            let dir = tempfile::Builder::new()
                .prefix("qga-files-")
                .tempdir()
                .unwrap();
            let path = dir.path().join("blob.bin");
            let path_text = path.to_str().unwrap().to_owned();
            let data = content();
            let started = Instant::now();

            let open = qga::GuestFileOpen {
                mode: Some("w".into()),
                ..qga::GuestFileOpen::new(path_text.clone())
            };
            let handle = agent.execute(&open).unwrap();
            let mut writes = 0;
            for chunk in data.chunks(CHUNK) {
                let write = qga::GuestFileWriteCommand::new(handle, STANDARD.encode(chunk));
                let written = agent.execute(&write).unwrap();
                assert_eq!(written.count, chunk.len() as i128);
                writes += 1;
            }
            agent.execute(&qga::GuestFileClose::new(handle)).unwrap();
            let wrote = started.elapsed();

            let handle = agent
                .execute(&qga::GuestFileOpen::new(path_text.clone()))
                .unwrap();
            let mut read = Vec::with_capacity(SIZE);
            let mut reads = 0;
            loop {
                let request = qga::GuestFileReadCommand {
                    count: Some(CHUNK as i128),
                    ..qga::GuestFileReadCommand::new(handle)
                };
                let chunk = agent.execute(&request).unwrap();
                let bytes = STANDARD.decode(chunk.buf_b64.as_bytes()).unwrap();
                assert_eq!(bytes.len() as i128, chunk.count);
                read.extend_from_slice(&bytes);
                reads += 1;
                if chunk.eof || bytes.is_empty() {
                    break;
                }
            }
            agent.execute(&qga::GuestFileClose::new(handle)).unwrap();
            let total = started.elapsed();

            assert_eq!(read.len(), SIZE);
            assert!(
                read == data,
                "the bytes read back differ from those written"
            );
            // The agent wrote the file itself, where it was told to.
            assert!(std::fs::read(&path).unwrap() == data);
            println!(
                "qemu-ga {}: {SIZE} bytes written in {writes} chunks ({wrote:?}), read back in \
                 {reads} chunks, byte-exact ({total:?} in all)",
                release.version()
            );
            dir.close().unwrap();
        }
    };
}

file_round_trip_test!(file_round_trip_10_0, qga_10_0, Release::V10_0);
file_round_trip_test!(file_round_trip_7_2, qga_7_2, Release::V7_2);

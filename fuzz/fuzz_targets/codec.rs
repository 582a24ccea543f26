//! Fuzz target: the QMP framer/decoder (`qmp_types::codec::JsonCodec`) on arbitrary bytes,
//! decoded once in one piece and once split at fuzzer-chosen points.
//!
//! Properties: no panic; both decodings yield the same messages and the same first error (the
//! framing must not depend on how the stream is split into reads); after `decode` returns
//! `Ok(None)` the buffer never holds more than the maximum message size; offsets add up;
//! every decoded message survives an encode/decode round trip.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use bytes::BytesMut;
use libfuzzer_sys::fuzz_target;
use qmp_types::codec::{CodecError, JsonCodec};
use serde_json::Value;
use tokio_util::codec::{Decoder, Encoder};

/// What one decoding produced: the messages, then the first error (as its rendering, which
/// names the kind and the stream offset).
type Outcome = (Vec<Value>, Option<String>);

#[derive(Debug)]
struct Input<'a> {
    max_message_size: usize,
    skip_to_sentinel: bool,
    /// Sizes of the reads the stream is split into (cycled; 0 means 1).
    splits: Vec<u8>,
    bytes: &'a [u8],
}

impl<'a> Arbitrary<'a> for Input<'a> {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        // Small limits make the size checks reachable; 0 is the default limit.
        let max_message_size = match u.int_in_range(0..=4096u16)? {
            0 => qmp_types::codec::DEFAULT_MAX_MESSAGE_SIZE,
            n => usize::from(n),
        };
        let skip_to_sentinel = u.ratio(1, 8)?;
        let count = u.int_in_range(1..=8u8)?;
        let splits = (0..count)
            .map(|_| u.arbitrary())
            .collect::<arbitrary::Result<_>>()?;
        Ok(Input {
            max_message_size,
            skip_to_sentinel,
            splits,
            bytes: u.bytes(u.len())?,
        })
    }
}

fn codec(input: &Input<'_>) -> JsonCodec {
    let mut codec = JsonCodec::new(input.max_message_size);
    if input.skip_to_sentinel {
        codec.skip_to_sentinel();
    }
    codec
}

/// Checks the invariants that hold after every `decode` call (`waiting`: it returned
/// `Ok(None)`, so it wants more bytes).
fn check_after_decode(codec: &JsonCodec, buf: &BytesMut, fed: usize, waiting: bool) {
    assert_eq!(
        codec.stream_offset() + buf.len() as u64,
        fed as u64,
        "consumed plus buffered bytes must equal the bytes fed"
    );
    if waiting {
        assert!(
            buf.len() <= codec.max_message_size(),
            "{} bytes buffered with a limit of {}",
            buf.len(),
            codec.max_message_size()
        );
    }
}

fn one_piece(input: &Input<'_>) -> Outcome {
    let mut codec = codec(input);
    let mut buf = BytesMut::from(input.bytes);
    let mut values = Vec::new();
    loop {
        match codec.decode_eof(&mut buf) {
            Ok(Some(value)) => values.push(value),
            Ok(None) => return (values, None),
            Err(error) => return (values, Some(error.to_string())),
        }
    }
}

fn split(input: &Input<'_>) -> Outcome {
    let mut codec = codec(input);
    let mut buf = BytesMut::new();
    let mut values = Vec::new();
    let mut fed = 0;
    let mut sizes = input.splits.iter().cycle();
    while fed < input.bytes.len() {
        let size = sizes.next().map_or(1, |&s| usize::from(s.max(1)));
        let end = (fed + size).min(input.bytes.len());
        buf.extend_from_slice(&input.bytes[fed..end]);
        fed = end;
        loop {
            match codec.decode(&mut buf) {
                Ok(Some(value)) => {
                    check_after_decode(&codec, &buf, fed, false);
                    values.push(value);
                }
                Ok(None) => {
                    check_after_decode(&codec, &buf, fed, true);
                    break;
                }
                Err(error) => return (values, Some(error.to_string())),
            }
        }
    }
    loop {
        match codec.decode_eof(&mut buf) {
            Ok(Some(value)) => values.push(value),
            Ok(None) => return (values, None),
            Err(error) => return (values, Some(error.to_string())),
        }
    }
}

fn round_trip(value: &Value) {
    let mut codec = JsonCodec::default();
    let mut wire = BytesMut::new();
    codec
        .encode(value, &mut wire)
        .unwrap_or_else(|e: CodecError| panic!("a decoded message does not encode: {e}"));
    let again = codec
        .decode(&mut wire)
        .unwrap_or_else(|e| panic!("an encoded message does not decode: {e}"));
    assert_eq!(
        again.as_ref(),
        Some(value),
        "round trip changed the message"
    );
    assert!(
        wire.iter().all(|b| b.is_ascii_whitespace()),
        "bytes left after one message"
    );
}

fuzz_target!(|input: Input<'_>| {
    let whole = one_piece(&input);
    let pieces = split(&input);
    assert_eq!(whole, pieces, "framing depends on how the stream is split");
    for value in &whole.0 {
        assert!(
            value.is_object(),
            "the framer returned a non-object {value}"
        );
        round_trip(value);
    }
});

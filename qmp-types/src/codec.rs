//! Framing of a QMP byte stream into JSON values (`tokio_util::codec`).
//!
//! QMP servers terminate messages with CRLF (the guest agent with LF), but `-qmp ...,pretty=on`
//! spreads one message over many lines, so the decoder frames on complete JSON objects, not on
//! lines: it tracks string/escape state and bracket depth incrementally, so each byte is looked
//! at once however the message is split into reads. Memory is bounded by the configured
//! maximum message size: a message that grows past it (even one that never ends) is an error
//! as soon as the limit is crossed. Errors carry the byte offset in the stream; messages that
//! were complete before a bad byte are returned first, so nothing already received is lost.

use std::io;

use bytes::{Buf, BufMut, BytesMut};
use serde::Serialize;
use serde_json::Value;
use tokio_util::codec::{Decoder, Encoder};

/// The default maximum size of one message: 16 MiB (QEMU 10's `query-qmp-schema` answer, the
/// largest common response, is about 320 KiB).
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 16 * 1024 * 1024;

/// The control byte the guest agent puts before its `guest-sync-delimited` answer, and that a
/// client sends to reset a server's JSON parser (section "Forcing the JSON parser into
/// known-good state" of the specification).
pub const SENTINEL: u8 = 0xFF;

/// A framing error, with the offset of the offending byte counted from the start of the stream.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// A message grew past the maximum size.
    #[error(
        "message starting at stream offset {offset} exceeds the maximum size of {limit} bytes"
    )]
    TooLarge {
        /// Offset of the message's first byte.
        offset: u64,
        /// The configured maximum.
        limit: usize,
    },
    /// A byte that cannot start a message (a QMP server only sends JSON objects).
    #[error("unexpected byte 0x{byte:02x} at stream offset {offset} (expected a JSON object)")]
    Garbage {
        /// The byte.
        byte: u8,
        /// Its offset.
        offset: u64,
    },
    /// A message that is not valid UTF-8.
    #[error("invalid UTF-8 at stream offset {offset}")]
    InvalidUtf8 {
        /// Offset of the first invalid byte.
        offset: u64,
    },
    /// A message with balanced brackets that is still not valid JSON.
    #[error("invalid JSON in the message starting at stream offset {offset}: {source}")]
    Json {
        /// Offset of the message's first byte.
        offset: u64,
        /// The parser's error (its line and column are relative to the message).
        #[source]
        source: serde_json::Error,
    },
    /// The stream ended in the middle of a message.
    #[error(
        "stream ended inside a message starting at stream offset {offset} ({len} bytes received)"
    )]
    Truncated {
        /// Offset of the message's first byte.
        offset: u64,
        /// Bytes of the message received before the end.
        len: usize,
    },
    /// A value to send could not be serialised.
    #[error("cannot serialise an outgoing message: {0}")]
    Encode(#[source] serde_json::Error),
    /// Reading or writing the underlying stream failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
}

/// Frames a byte stream into JSON values and serialises values compactly (one per line).
#[derive(Debug, Clone)]
pub struct JsonCodec {
    max_message_size: usize,
    /// Stream offset of the first byte in the decode buffer.
    offset: u64,
    /// Whether the buffer starts inside a message (after its opening `{`).
    in_message: bool,
    /// How many bytes of the current message have been scanned already.
    scanned: usize,
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// Discard input up to and including the next [`SENTINEL`] byte.
    skip_to_sentinel: bool,
    /// [`SENTINEL`] bytes skipped between messages.
    sentinels_skipped: u64,
}

impl Default for JsonCodec {
    fn default() -> Self {
        JsonCodec::new(DEFAULT_MAX_MESSAGE_SIZE)
    }
}

impl JsonCodec {
    /// A codec accepting messages of at most `max_message_size` bytes.
    pub fn new(max_message_size: usize) -> JsonCodec {
        JsonCodec {
            max_message_size,
            offset: 0,
            in_message: false,
            scanned: 0,
            depth: 0,
            in_string: false,
            escaped: false,
            skip_to_sentinel: false,
            sentinels_skipped: 0,
        }
    }

    /// The maximum message size.
    pub fn max_message_size(&self) -> usize {
        self.max_message_size
    }

    /// Bytes consumed from the stream so far (the offset of the next unread byte).
    pub fn stream_offset(&self) -> u64 {
        self.offset
    }

    /// How many [`SENTINEL`] bytes were skipped between messages. A server sends one before
    /// the answer of `guest-sync-delimited`; a client sends them to reset the server's parser.
    /// They are skipped like whitespace, so this count is the only trace they leave.
    pub fn sentinels_skipped(&self) -> u64 {
        self.sentinels_skipped
    }

    /// Makes the decoder discard everything up to and including the next `0xFF` byte, then
    /// resume framing. Used for the guest agent's `guest-sync-delimited`, whose answer follows
    /// that sentinel, so a previous client's unread output or a partial message is skipped.
    pub fn skip_to_sentinel(&mut self) {
        self.skip_to_sentinel = true;
        self.reset_message();
    }

    fn reset_message(&mut self) {
        self.in_message = false;
        self.scanned = 0;
        self.depth = 0;
        self.in_string = false;
        self.escaped = false;
    }

    fn consume(&mut self, buf: &mut BytesMut, count: usize) {
        buf.advance(count);
        self.offset += count as u64;
    }

    /// Scans the current message from where the last call stopped; returns its length once
    /// its closing bracket has been seen.
    fn scan(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut index = self.scanned;
        while index < bytes.len() {
            let byte = bytes[index];
            index += 1;
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if byte == b'\\' {
                    self.escaped = true;
                } else if byte == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            match byte {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    // A stray closing bracket underflows to 0 here and ends the frame early;
                    // the JSON parser then reports it with the message's offset.
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 0 {
                        self.scanned = index;
                        return Some(index);
                    }
                }
                _ => {}
            }
        }
        self.scanned = index;
        None
    }

    fn parse_frame(&mut self, buf: &mut BytesMut, len: usize) -> Result<Value, CodecError> {
        let start = self.offset;
        let frame = buf.split_to(len);
        self.offset += len as u64;
        self.reset_message();
        let text = std::str::from_utf8(&frame).map_err(|e| CodecError::InvalidUtf8 {
            offset: start + e.valid_up_to() as u64,
        })?;
        serde_json::from_str(text).map_err(|source| CodecError::Json {
            offset: start,
            source,
        })
    }
}

impl Decoder for JsonCodec {
    type Item = Value;
    type Error = CodecError;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Value>, CodecError> {
        if self.skip_to_sentinel {
            match buf.iter().position(|&b| b == SENTINEL) {
                Some(position) => {
                    self.consume(buf, position + 1);
                    self.skip_to_sentinel = false;
                }
                None => {
                    let all = buf.len();
                    self.consume(buf, all);
                    return Ok(None);
                }
            }
        }
        if !self.in_message {
            // Whitespace and 0xFF sentinels may stand between messages: the guest agent puts
            // one before each `guest-sync-delimited` answer, not only the one we wait for.
            let blank = buf
                .iter()
                .position(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | &SENTINEL))
                .unwrap_or(buf.len());
            let sentinels = buf[..blank].iter().filter(|&&b| b == SENTINEL).count();
            if sentinels > 0 {
                self.sentinels_skipped += sentinels as u64;
                tracing::debug!(
                    sentinels,
                    offset = self.offset,
                    "skipping 0xFF between messages"
                );
            }
            self.consume(buf, blank);
            match buf.first() {
                None => return Ok(None),
                Some(b'{') => self.in_message = true,
                Some(&byte) => {
                    return Err(CodecError::Garbage {
                        byte,
                        offset: self.offset,
                    })
                }
            }
        }
        match self.scan(buf) {
            Some(len) if len <= self.max_message_size => self.parse_frame(buf, len).map(Some),
            _ if self.scanned > self.max_message_size => Err(CodecError::TooLarge {
                offset: self.offset,
                limit: self.max_message_size,
            }),
            _ => Ok(None),
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Value>, CodecError> {
        match self.decode(buf)? {
            Some(value) => Ok(Some(value)),
            None if buf.is_empty() || self.skip_to_sentinel => Ok(None),
            None => Err(CodecError::Truncated {
                offset: self.offset,
                len: buf.len(),
            }),
        }
    }
}

impl<T: Serialize> Encoder<T> for JsonCodec {
    type Error = CodecError;

    fn encode(&mut self, item: T, dst: &mut BytesMut) -> Result<(), CodecError> {
        encode_line(&item, dst)
    }
}

/// Appends `item` as compact JSON plus a newline to `dst`. On error `dst` is left unchanged.
///
/// # Errors
/// [`CodecError::Encode`] when `item` cannot be serialised to JSON.
pub fn encode_line<T: Serialize + ?Sized>(item: &T, dst: &mut BytesMut) -> Result<(), CodecError> {
    let start = dst.len();
    let result = serde_json::to_writer(dst.writer(), item);
    if let Err(error) = result {
        dst.truncate(start);
        return Err(CodecError::Encode(error));
    }
    dst.put_u8(b'\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode_all(codec: &mut JsonCodec, input: &[u8]) -> (Vec<Value>, Option<CodecError>) {
        let mut buf = BytesMut::from(input);
        let mut values = Vec::new();
        loop {
            match codec.decode_eof(&mut buf) {
                Ok(Some(value)) => values.push(value),
                Ok(None) => return (values, None),
                Err(error) => return (values, Some(error)),
            }
        }
    }

    #[test]
    fn compact_and_pretty_with_crlf_and_lf() {
        let input =
            b"{\"return\": {}}\r\n{\n  \"event\": \"STOP\",\n  \"data\": {\"s\": \"}{\\\"[\"}\n}\n";
        let (values, error) = decode_all(&mut JsonCodec::default(), input);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(
            values,
            vec![
                json!({"return": {}}),
                json!({"event": "STOP", "data": {"s": "}{\"["}})
            ]
        );
    }

    #[test]
    fn byte_by_byte_feeding_frames_the_same() {
        let input = b"{\"a\": [1, {\"b\": \"x\\\\\"}]}  {\"c\": 2}";
        let mut codec = JsonCodec::default();
        let mut buf = BytesMut::new();
        let mut values = Vec::new();
        for &byte in input {
            buf.put_u8(byte);
            while let Some(value) = codec.decode(&mut buf).unwrap() {
                values.push(value);
            }
        }
        assert_eq!(
            values,
            vec![json!({"a": [1, {"b": "x\\"}]}), json!({"c": 2})]
        );
        assert_eq!(codec.stream_offset(), input.len() as u64);
    }

    #[test]
    fn garbage_after_complete_message_keeps_the_message() {
        let (values, error) = decode_all(&mut JsonCodec::default(), b"{\"a\":1}\r\nxyz");
        assert_eq!(values, vec![json!({"a": 1})]);
        assert!(matches!(
            error,
            Some(CodecError::Garbage {
                byte: b'x',
                offset: 9
            })
        ));
    }

    #[test]
    fn invalid_utf8_reports_offset() {
        let (values, error) = decode_all(&mut JsonCodec::default(), b"{} {\"a\": \"\xc3\x28\"}");
        assert_eq!(values, vec![json!({})]);
        assert!(
            matches!(error, Some(CodecError::InvalidUtf8 { offset: 10 })),
            "{error:?}"
        );
    }

    #[test]
    fn invalid_json_reports_message_offset() {
        let (_, error) = decode_all(&mut JsonCodec::default(), b"  {\"a\" 1}");
        assert!(
            matches!(error, Some(CodecError::Json { offset: 2, .. })),
            "{error:?}"
        );
    }

    #[test]
    fn oversized_message_is_an_error_even_if_it_never_ends() {
        let mut codec = JsonCodec::new(64);
        let mut buf = BytesMut::from(&b"{\"a\":1} {\"big\": \""[..]);
        assert_eq!(codec.decode(&mut buf).unwrap(), Some(json!({"a": 1})));
        let mut error = None;
        for _ in 0..100 {
            buf.extend_from_slice(&[b'x'; 16]);
            match codec.decode(&mut buf) {
                Ok(None) => {}
                Ok(Some(value)) => panic!("unexpected {value}"),
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        assert!(
            matches!(
                error,
                Some(CodecError::TooLarge {
                    offset: 8,
                    limit: 64
                })
            ),
            "{error:?}"
        );
        assert!(buf.len() <= 64 + 16 + 10);
    }

    #[test]
    fn message_of_exactly_the_limit_passes() {
        let message = br#"{"a":"xx"}"#;
        let (values, error) = decode_all(&mut JsonCodec::new(message.len()), message);
        assert!(error.is_none());
        assert_eq!(values.len(), 1);
    }

    #[test]
    fn truncated_message_at_eof() {
        let (values, error) = decode_all(&mut JsonCodec::default(), b"{\"a\":1}\r\n{\"ret");
        assert_eq!(values, vec![json!({"a": 1})]);
        assert!(matches!(
            error,
            Some(CodecError::Truncated { offset: 9, len: 5 })
        ));
    }

    #[test]
    fn skip_to_sentinel_discards_leftovers() {
        let mut codec = JsonCodec::default();
        codec.skip_to_sentinel();
        let (values, error) =
            decode_all(&mut codec, b"{\"return\": {}} half{\xff{\"return\": 5}\n");
        assert!(error.is_none(), "{error:?}");
        assert_eq!(values, vec![json!({"return": 5})]);
    }

    #[test]
    fn sentinels_between_messages_are_skipped_and_counted() {
        let mut codec = JsonCodec::default();
        let (values, error) = decode_all(
            &mut codec,
            b"\xff{\"return\": 1}\r\n \xff\xff{\"return\": 2}\n\xff",
        );
        assert!(error.is_none(), "{error:?}");
        assert_eq!(values, vec![json!({"return": 1}), json!({"return": 2})]);
        assert_eq!(codec.sentinels_skipped(), 4);
        assert_eq!(codec.stream_offset(), 34);
    }

    #[test]
    fn sentinel_inside_a_message_is_not_skipped() {
        let mut codec = JsonCodec::default();
        let (values, error) = decode_all(&mut codec, b"{\"return\": \xff}\n");
        assert!(values.is_empty());
        assert!(
            matches!(error, Some(CodecError::InvalidUtf8 { offset: 11 })),
            "{error:?}"
        );
        assert_eq!(codec.sentinels_skipped(), 0);
    }

    #[test]
    fn encoder_writes_compact_lines() {
        let mut codec = JsonCodec::default();
        let mut dst = BytesMut::new();
        codec
            .encode(json!({"execute": "stop", "id": 1}), &mut dst)
            .unwrap();
        assert_eq!(&dst[..], b"{\"execute\":\"stop\",\"id\":1}\n");
    }
}

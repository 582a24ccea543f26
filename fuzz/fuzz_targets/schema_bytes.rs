//! Fuzz target: the schema parser and code generator (`qmp_build_tools::engine`) on arbitrary
//! bytes. Every input must give bindings or a clear error; never a panic, and never the
//! "generated code does not parse" internal error, which would be a generator bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qmp_build_tools::engine::{self, Settings};
use qmp_build_tools::Error;

fuzz_target!(|bytes: &[u8]| {
    let text = String::from_utf8_lossy(bytes);
    match engine::generate(&text, "fuzz.json", &Settings::default()) {
        Ok(output) => assert!(output.code.contains("@generated")),
        Err(Error::Format(message)) => panic!("generated code does not parse: {message}"),
        Err(_) => {}
    }
    // The `names` listing shares parse and naming with the generator, not its other stages.
    let _ = engine::names(&text, &Default::default());
});

//! Compile tests of the derives (trybuild): `ui/pass` must build warning-free, and every case
//! in `ui/fail` must fail with exactly the error recorded in its `.stderr` file.
//! Run with `TRYBUILD=overwrite` to re-record the `.stderr` files after a message change.

#[test]
fn derive_ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}

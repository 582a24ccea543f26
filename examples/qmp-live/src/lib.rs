//! Live typed round trips: the bindings `qmp-build-tools` generates for the bundled QEMU
//! releases, exercised against real QEMU 7.2 and 10.0.2 (test support; the tests are in
//! `tests/`).
//!
//! - [`qmp_7_2`] / [`qmp_10_0`]: the bindings of each release (see `build.rs`), each with a
//!   `queries` module listing the no-argument `query-*` / `x-query-*` commands and an
//!   `events` module with a strict check per event type;
//! - [`machine`]: starts a q35 machine with something to report (disk, NIC, serial, iothread,
//!   USB controller, a mirror target);
//! - [`sweep`]: calls every listed query through its typed `Command` and tallies the
//!   outcomes, strictly;
//! - [`events`]: typed and raw event subscriptions side by side;
//! - [`qmp_merged`]: one module for both releases; [`qmp_merged_on_7_2`] /
//!   [`qmp_merged_on_10_0`] add the queries each release answers;
//! - [`qga_7_2`] / [`qga_10_0`]: the guest agent's bindings, made from its manuals, with the
//!   `queries` module listing `guest-info` and the no-argument `guest-get-*` commands (the
//!   [`sweep`] drives them over `qmp_types::blocking::GuestAgent`).

pub mod events;
pub mod machine;
pub mod sweep;

/// Bindings generated from QEMU 7.2.22's schema.
pub mod qmp_7_2 {
    include!(concat!(env!("OUT_DIR"), "/qmp_7_2.rs"));

    /// The no-argument queries of QEMU 7.2.22.
    pub mod queries {
        include!(concat!(env!("OUT_DIR"), "/qmp_7_2_queries.rs"));
    }

    /// Strict checks of decoded events of QEMU 7.2.22.
    pub mod events {
        include!(concat!(env!("OUT_DIR"), "/qmp_7_2_events.rs"));
    }
}

/// Bindings generated from QEMU 10.0.2's schema.
pub mod qmp_10_0 {
    include!(concat!(env!("OUT_DIR"), "/qmp_10_0.rs"));

    /// The no-argument queries of QEMU 10.0.2.
    pub mod queries {
        include!(concat!(env!("OUT_DIR"), "/qmp_10_0_queries.rs"));
    }

    /// Strict checks of decoded events of QEMU 10.0.2.
    pub mod events {
        include!(concat!(env!("OUT_DIR"), "/qmp_10_0_events.rs"));
    }
}

/// One module generated from both QEMU releases' schemas (`Config::schemas`): what either
/// release sends decodes into it.
pub mod qmp_merged {
    include!(concat!(env!("OUT_DIR"), "/qmp_merged.rs"));

    /// Strict checks of decoded events of either release.
    pub mod events {
        include!(concat!(env!("OUT_DIR"), "/qmp_merged_events.rs"));
    }
}

/// The merged bindings as a sweep of QEMU 7.2.22 uses them: its no-argument queries.
pub mod qmp_merged_on_7_2 {
    pub use crate::qmp_merged::*;

    /// The no-argument queries of QEMU 7.2.22, typed by the merged module.
    pub mod queries {
        include!(concat!(env!("OUT_DIR"), "/qmp_merged_queries_7_2.rs"));
    }
}

/// The merged bindings as a sweep of QEMU 10.0.2 uses them: its no-argument queries.
pub mod qmp_merged_on_10_0 {
    pub use crate::qmp_merged::*;

    /// The no-argument queries of QEMU 10.0.2, typed by the merged module.
    pub mod queries {
        include!(concat!(env!("OUT_DIR"), "/qmp_merged_queries_10_0.rs"));
    }
}

/// Bindings generated from the QEMU 7.2.22 guest agent's schema (made from its manual).
pub mod qga_7_2 {
    include!(concat!(env!("OUT_DIR"), "/qga_7_2.rs"));

    /// The no-argument reading commands of the 7.2.22 guest agent.
    pub mod queries {
        include!(concat!(env!("OUT_DIR"), "/qga_7_2_queries.rs"));
    }
}

/// Bindings generated from the QEMU 10.0.2 guest agent's schema (made from its manual).
pub mod qga_10_0 {
    include!(concat!(env!("OUT_DIR"), "/qga_10_0.rs"));

    /// The no-argument reading commands of the 10.0.2 guest agent.
    pub mod queries {
        include!(concat!(env!("OUT_DIR"), "/qga_10_0_queries.rs"));
    }
}

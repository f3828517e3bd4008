//! The run state can be shared between and moved across threads: no `Cell`,
//! `RefCell` or `Rc` inside, and every policy trait object is `Send + Sync`.
//! This is what stepping hosts on several cores, or running sweeps on
//! worker threads, builds on. The checks are at compile time: this file
//! does not build if a type loses either property.

use cirrus::consolidation::Consolidation;
use cirrus::consolidation::history::VmHistories;
use cirrus::datacenter::{Datacenter, DatacenterSpec};
use cirrus::simulation::Simulation;

const fn send_sync<T: Send + Sync>() {}

const _: () = {
    send_sync::<Datacenter>();
    send_sync::<DatacenterSpec>();
    send_sync::<VmHistories>();
    send_sync::<Consolidation>();
    send_sync::<Simulation>();
};

#[test]
fn the_run_state_is_send_and_sync() {
    // The assertions above are checked when this file compiles; this names
    // them in the test output.
    send_sync::<Datacenter>();
    send_sync::<VmHistories>();
    send_sync::<Simulation>();
}

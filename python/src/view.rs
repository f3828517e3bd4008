//! What Python sees of the datacenter: hosts and VMs as rows of float32 features (the same
//! for `cirrus.gym`'s observations and for policies written in Python), and the hosts that
//! can take a VM.

use cirrus::datacenter::{Datacenter, HostState, VmId};
use cirrus::placement::{PlacementContext, admitted, suitable};

/// Features per host in the observation: capacity (MIPS, RAM, relative to the largest host),
/// CPU delivered and requested (fractions of capacity; requested may exceed 1), RAM held
/// (fraction), VMs (relative to the most any host holds now), up, active.
pub const HOST_FEATURES: usize = 8;
/// Features per VM: requested MIPS and RAM (relative to the largest host), placed, its
/// host (index / hosts, −1 when unplaced), migrating.
pub const VM_FEATURES: usize = 5;

/// Per host, 1 if it can take VM `v` (up, not excluded, room, and the context's admission
/// test: the consolidation's overload test), else 0.
pub fn candidate_mask(dc: &Datacenter, ctx: &mut PlacementContext<'_>, v: VmId) -> Vec<u8> {
    dc.hosts()
        .map(|h| u8::from(suitable(dc, ctx.filter, h, v) && admitted(dc, &mut *ctx.admission, h, v)))
        .collect()
}

/// Float32s as little-endian bytes (numpy's `frombuffer(..., "<f4")`).
pub fn bytes_of(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The largest host's MIPS and RAM (MB), the scale of the capacity features (at least 1).
fn largest_host(dc: &Datacenter) -> (f64, f64) {
    dc.hosts().fold((1.0, 1.0), |(mips, ram), h| {
        let t = dc.host_type(h);
        (mips.max(t.total_mips()), ram.max(t.ram_mb as f64))
    })
}

/// The hosts' features, row by row ([`HOST_FEATURES`] each).
pub fn host_features(dc: &Datacenter) -> Vec<f32> {
    let (max_mips, max_ram) = largest_host(dc);
    let max_vms = dc.hosts().map(|h| dc.vms_on(h).len()).max().unwrap_or(0).max(1) as f64;
    let mut out = Vec::with_capacity(dc.host_count() * HOST_FEATURES);
    for h in dc.hosts() {
        let t = dc.host_type(h);
        let mips = t.total_mips();
        let ram = t.ram_mb.max(1) as f64;
        out.extend_from_slice(&[
            (mips / max_mips) as f32,
            (ram / max_ram) as f32,
            (dc.allocated_mips(h) / mips) as f32,
            (dc.current_requested_mips(h) / mips) as f32,
            (dc.held_ram_mb(h) as f64 / ram) as f32,
            (dc.vms_on(h).len() as f64 / max_vms) as f32,
            f32::from(u8::from(dc.host_state(h) == HostState::Up)),
            f32::from(u8::from(!dc.is_idle(h))),
        ]);
    }
    out
}

/// Every VM's features, row by row ([`VM_FEATURES`] each).
pub fn vm_features(dc: &Datacenter) -> Vec<f32> {
    let (max_mips, max_ram) = largest_host(dc);
    let hosts = dc.host_count().max(1) as f64;
    let mut out = Vec::with_capacity(dc.vm_count() * VM_FEATURES);
    for i in 0..dc.vm_count() {
        let v = VmId(i as u32);
        let host = dc.host_of(v);
        out.extend_from_slice(&[
            (dc.vm_requested_mips(v) / max_mips) as f32,
            (dc.vm_type(v).ram_mb as f64 / max_ram) as f32,
            f32::from(u8::from(host.is_some())),
            host.map_or(-1.0, |h| (h.index() as f64 / hosts) as f32),
            f32::from(u8::from(dc.in_migration(v))),
        ]);
    }
    out
}

//! `vms.sizing = "trace"`: each VM sized from what its trace records (cores, MIPS per
//! core, memory), on top of its assigned `[[vm_types]]` entry.
//!
//! The rule: a VM takes the trace's cores, MIPS (MHz) per core and memory (rounded up to a
//! whole MB) where the trace records them, and its assigned type's value where it does not
//! (bandwidth and image size always come from the type). A size beyond every host type in
//! use is capped, value by value, at the most a host type in use offers (cores, MIPS per
//! core, MB), so that a 128-processor job runs on the largest host instead of being
//! refused; capped VMs are counted. VMs of the same assigned type and the same size share
//! one derived type, named `<type>@<cores>x<mips>/<ram_mb>MB`, appended after the scenario's
//! own types.

use std::collections::HashMap;

use cirrus::datacenter::{HostSpec, HostType, VmSpec, VmType};

use super::workload::TraceSize;

/// The VM types added for trace sizes: `vm_types[first..]`, each with the index of the
/// scenario type it was derived from, and how many VMs were capped to the hosts.
pub(super) struct Derived {
    /// Index of the first added type.
    pub(super) first: usize,
    /// For each added type, the scenario type it derives from.
    pub(super) base: Vec<usize>,
    /// VMs whose trace size was capped to fit the host types in use.
    pub(super) capped_vms: u64,
}

/// Resizes `vms` (their `vm_type`) after `sizes` (one per trace; VM i follows trace
/// `vms[i].trace`), appending the derived types to `vm_types`.
pub(super) fn size_from_trace(
    vm_types: &mut Vec<VmType>,
    vms: &mut [VmSpec],
    sizes: &[TraceSize],
    host_types: &[HostType],
    hosts: &[HostSpec],
) -> Derived {
    let mut used = vec![false; host_types.len()];
    for h in hosts {
        used[h.host_type] = true;
    }
    let in_use = || host_types.iter().zip(&used).filter(|(_, u)| **u).map(|(h, _)| h);
    let max_cores = in_use().map(|h| h.cores).max().unwrap_or(u32::MAX);
    let max_mips = in_use().map(|h| h.mips_per_core).fold(0.0, f64::max);
    let max_ram = in_use().map(|h| h.ram_mb).max().unwrap_or(u64::MAX);

    let first = vm_types.len();
    let mut base = Vec::new();
    let mut capped_vms = 0;
    let mut index: HashMap<(usize, u32, u64, u64), usize> = HashMap::new();
    for vm in vms.iter_mut() {
        let t = vm_types[vm.vm_type].clone();
        let size = sizes[vm.trace];
        let cores = size.cores.unwrap_or(t.cores);
        let mips = size
            .mips_per_core
            .filter(|m| m.is_finite() && *m > 0.0)
            .unwrap_or(t.mips);
        let ram_mb = size
            .ram_mb
            .filter(|m| m.is_finite() && *m > 0.0)
            .map_or(t.ram_mb, |m| m.ceil() as u64);
        let (c, m, r) = (cores.min(max_cores), mips.min(max_mips), ram_mb.min(max_ram));
        if (c, m, r) != (cores, mips, ram_mb) {
            capped_vms += 1;
        }
        if (c, m, r) == (t.cores, t.mips, t.ram_mb) {
            continue;
        }
        let key = (vm.vm_type, c, m.to_bits(), r);
        let id = *index.entry(key).or_insert_with(|| {
            let derived = VmType {
                name: format!("{}@{c}x{m}/{r}MB", t.name),
                mips: m,
                cores: c,
                ram_mb: r,
                bw_mbps: t.bw_mbps,
                size_mb: t.size_mb,
            };
            base.push(vm.vm_type);
            vm_types.push(derived);
            vm_types.len() - 1
        });
        vm.vm_type = id;
    }
    Derived {
        first,
        base,
        capped_vms,
    }
}

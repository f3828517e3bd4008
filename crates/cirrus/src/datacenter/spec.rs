//! What a datacenter is made of: host and VM types, hosts, VMs, traces and
//! applications, as plain data, and the checks that make it consistent.

use std::sync::Arc;

use crate::application::{self, Applications};
use crate::power::{PowerModel, PowerStateSpec};
use crate::workload::UtilizationTrace;

/// A kind of physical machine.
#[derive(Debug, Clone)]
pub struct HostType {
    /// Name used in scenarios and outputs.
    pub name: String,
    /// MIPS of one core (CloudSim: one PE).
    pub mips_per_core: f64,
    /// Number of cores.
    pub cores: u32,
    /// Memory in MB.
    pub ram_mb: u64,
    /// Network bandwidth in Mbit/s.
    pub bw_mbps: f64,
    /// Storage in MB (recorded, not a placement constraint: CloudSim's
    /// `Host.isSuitableForVm` ignores it).
    pub storage_mb: u64,
    /// Power as a function of CPU utilisation.
    pub power: Arc<dyn PowerModel>,
    /// Name of the power model (for outputs).
    pub power_name: String,
    /// Watts drawn while the host counts as off: 0 is CloudSim's switched-off
    /// host; a few watts model a standby (S3) state or a BMC that stays
    /// powered (`docs/MODELS.md` C.3 suggests 5–15 W for S3).
    pub off_power_w: f64,
    /// Its power states (boot, shutdown, sleep), if modelled; `None`: the
    /// host switches on and off instantly and for free, as in CloudSim.
    pub power_states: Option<PowerStateSpec>,
}

impl HostType {
    /// Total MIPS (cores × MIPS per core).
    #[inline]
    pub fn total_mips(&self) -> f64 {
        self.mips_per_core * f64::from(self.cores)
    }
}

/// A kind of virtual machine.
#[derive(Debug, Clone, PartialEq)]
pub struct VmType {
    /// Name used in scenarios and outputs.
    pub name: String,
    /// MIPS of each virtual core at full load.
    pub mips: f64,
    /// Number of virtual cores.
    pub cores: u32,
    /// Memory in MB.
    pub ram_mb: u64,
    /// Network bandwidth in Mbit/s.
    pub bw_mbps: f64,
    /// Image size in MB (recorded, not a placement constraint, as in CloudSim).
    pub size_mb: u64,
}

impl VmType {
    /// Total MIPS at full load.
    #[inline]
    pub fn total_mips(&self) -> f64 {
        self.mips * f64::from(self.cores)
    }
}

/// One host of the datacenter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostSpec {
    /// Index into [`DatacenterSpec::host_types`].
    pub host_type: usize,
    /// Rack the host sits in, if racks are modelled.
    pub rack: Option<u32>,
}

/// One VM of the datacenter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VmSpec {
    /// Index into [`DatacenterSpec::vm_types`].
    pub vm_type: usize,
    /// Index into [`DatacenterSpec::traces`]: the VM's CPU demand.
    pub trace: usize,
}

/// A real-time guest's demands (docs/REALTIME.md): the most downtime one migration may cause,
/// and whether its CPU is a hard reservation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RealTime {
    /// The longest pause a migration may impose on it, seconds (> 0, finite).
    pub max_downtime_s: f64,
    /// Its MIPS are reserved: the host's CPU sharing gives it its full request before any
    /// other VM, and admission counts it at its full MIPS whatever it uses now.
    pub reserve: bool,
}

/// What a VM asks for while it is being created, i.e. what initial placement
/// reserves for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CreationRequest {
    /// Its full MIPS, as CloudSim's `Vm.getCurrentRequestedMips` returns while
    /// `isBeingInstantiated()` (Vm.java:161-170): initial placement reserves
    /// every VM's peak capacity, so no host is CPU-oversubscribed at t = 0.
    #[default]
    FullMips,
    /// Its trace's demand at t = 0: the VM is created already running its
    /// workload. Initial placement may then oversubscribe hosts with respect
    /// to the VMs' peaks; policies that look at the whole trace (PBA's
    /// pattern fit, Man & Kayashima, IEEE CCIS 2011) need this to pack by the
    /// sum of patterns rather than the sum of peaks.
    Demand,
}

/// What the datacenter is made of: plain data, no state.
#[derive(Debug, Clone, Default)]
pub struct DatacenterSpec {
    /// Kinds of host.
    pub host_types: Vec<HostType>,
    /// The hosts, in id order.
    pub hosts: Vec<HostSpec>,
    /// Kinds of VM.
    pub vm_types: Vec<VmType>,
    /// The VMs, in id order (the order they are submitted in).
    pub vms: Vec<VmSpec>,
    /// CPU-utilisation traces the VMs follow.
    pub traces: Vec<UtilizationTrace>,
    /// Groups of VMs with traffic between them and anti-collocation sets
    /// (none by default): what communication- and availability-aware
    /// placement (SCAVP) and the placement evaluation read.
    pub applications: Applications,
    /// What a VM reserves while it is created (CloudSim: its full MIPS).
    pub creation_request: CreationRequest,
    /// Each VM's real-time demands, by VM id, `None` for an ordinary VM; empty when no VM
    /// is real-time (as CloudSim's datacenters).
    pub real_time: Vec<Option<RealTime>>,
}

/// Which part of a [`DatacenterSpec`] an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecItem {
    /// `host_types[i]`.
    HostType(usize),
    /// `vm_types[i]`.
    VmType(usize),
    /// `hosts[i]`.
    Host(usize),
    /// `vms[i]`.
    Vm(usize),
    /// `applications[i]`.
    Application(usize),
    /// The datacenter as a whole.
    Datacenter,
}

/// An inconsistent [`DatacenterSpec`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct SpecError {
    /// What the error is about.
    pub item: SpecItem,
    /// The field (as named in scenarios), e.g. `"mips_per_core"`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

impl DatacenterSpec {
    /// Checks capacities are positive and finite, indices valid, that
    /// every VM type fits on at least one host type, and that the
    /// applications are consistent (VM ids in range, no VM in two
    /// applications, flows between members with finite rates ≥ 0 and no
    /// self-traffic, anti-collocation sets of at least two members).
    pub fn validate(&self) -> Result<(), SpecError> {
        let err = |item, field, message: String| Err(SpecError { item, field, message });
        if self.hosts.is_empty() {
            return err(
                SpecItem::Datacenter,
                "hosts",
                "a datacenter needs at least one host".into(),
            );
        }
        for (i, t) in self.host_types.iter().enumerate() {
            let item = SpecItem::HostType(i);
            if !(t.mips_per_core.is_finite() && t.mips_per_core > 0.0) {
                return err(
                    item,
                    "mips_per_core",
                    format!("must be a positive number, found {}", t.mips_per_core),
                );
            }
            if t.cores == 0 {
                return err(item, "cores", "must be at least 1".into());
            }
            if t.ram_mb == 0 {
                return err(item, "ram_mb", "must be positive".into());
            }
            if !(t.off_power_w.is_finite() && t.off_power_w >= 0.0) {
                return err(
                    item,
                    "off_w",
                    format!("must be a number >= 0, found {}", t.off_power_w),
                );
            }
            if let Some(states) = &t.power_states
                && let Err((key, message)) = states.check()
            {
                return err(item, key, message);
            }
            if !(t.bw_mbps.is_finite() && t.bw_mbps > 0.0) {
                return err(
                    item,
                    "bw_mbps",
                    format!("must be a positive number, found {}", t.bw_mbps),
                );
            }
        }
        for (i, t) in self.vm_types.iter().enumerate() {
            let item = SpecItem::VmType(i);
            if !(t.mips.is_finite() && t.mips > 0.0) {
                return err(
                    item,
                    "mips",
                    format!("must be a positive number, found {}", t.mips),
                );
            }
            if t.cores == 0 {
                return err(item, "cores", "must be at least 1".into());
            }
            if !(t.bw_mbps.is_finite() && t.bw_mbps >= 0.0) {
                return err(
                    item,
                    "bw_mbps",
                    format!("must be a non-negative number, found {}", t.bw_mbps),
                );
            }
        }
        for (i, h) in self.hosts.iter().enumerate() {
            if h.host_type >= self.host_types.len() {
                return err(SpecItem::Host(i), "type", format!("no host type {}", h.host_type));
            }
        }
        let mut vm_type_used = vec![false; self.vm_types.len()];
        for (i, v) in self.vms.iter().enumerate() {
            if v.vm_type >= self.vm_types.len() {
                return err(SpecItem::Vm(i), "type", format!("no VM type {}", v.vm_type));
            }
            if v.trace >= self.traces.len() {
                return err(SpecItem::Vm(i), "trace", format!("no trace {}", v.trace));
            }
            vm_type_used[v.vm_type] = true;
        }
        if !self.real_time.is_empty() && self.real_time.len() != self.vms.len() {
            return err(
                SpecItem::Datacenter,
                "real_time",
                format!(
                    "{} entries for {} VMs: give one per VM, or none",
                    self.real_time.len(),
                    self.vms.len()
                ),
            );
        }
        for (i, rt) in self.real_time.iter().enumerate() {
            if let Some(rt) = rt
                && !(rt.max_downtime_s.is_finite() && rt.max_downtime_s > 0.0)
            {
                return err(
                    SpecItem::Vm(i),
                    "max_downtime_ms",
                    format!("must be a positive number, found {} ms", rt.max_downtime_s * 1e3),
                );
            }
        }
        if let Err(e) = application::validate(&self.applications, self.vms.len()) {
            return err(SpecItem::Application(e.app), e.field, e.message);
        }
        let mut host_type_used = vec![false; self.host_types.len()];
        for h in &self.hosts {
            host_type_used[h.host_type] = true;
        }
        let used: Vec<&HostType> = self
            .host_types
            .iter()
            .enumerate()
            .filter(|(j, _)| host_type_used[*j])
            .map(|(_, ht)| ht)
            .collect();
        for (i, vt) in self.vm_types.iter().enumerate() {
            if !vm_type_used[i] {
                continue;
            }
            if used.iter().any(|ht| type_fits(ht, vt)) {
                continue;
            }
            // Name the dimension no host can satisfy, in CloudSim's check order.
            let field = if !used.iter().any(|ht| vt.mips <= ht.mips_per_core) {
                "mips"
            } else if !used.iter().any(|ht| vt.ram_mb <= ht.ram_mb) {
                "ram_mb"
            } else if !used.iter().any(|ht| vt.bw_mbps <= ht.bw_mbps) {
                "bw_mbps"
            } else {
                "cores"
            };
            return err(
                SpecItem::VmType(i),
                field,
                format!(
                    "VM type \"{}\" ({} x {} MIPS, {} MB RAM, {} Mbit/s) is larger than every host in use",
                    vt.name, vt.cores, vt.mips, vt.ram_mb, vt.bw_mbps
                ),
            );
        }
        Ok(())
    }
}

/// Could an empty host of type `h` take a VM of type `v`?
fn type_fits(h: &HostType, v: &VmType) -> bool {
    v.mips <= h.mips_per_core
        && v.total_mips() <= h.total_mips()
        && v.ram_mb <= h.ram_mb
        && v.bw_mbps <= h.bw_mbps
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placement::test_support::spec;

    #[test]
    fn a_consistent_spec_passes() {
        assert_eq!(spec(&[(1000.0, 2, 100.0, 200.0)], &[500.0]).validate(), Ok(()));
    }

    #[test]
    fn errors_name_the_item_and_the_field() {
        let base = || spec(&[(1000.0, 2, 100.0, 200.0)], &[500.0]);
        let error = |s: DatacenterSpec| {
            let e = s.validate().unwrap_err();
            (e.item, e.field)
        };
        let mut s = base();
        s.hosts.clear();
        assert_eq!(error(s), (SpecItem::Datacenter, "hosts"));
        let mut s = base();
        s.host_types[0].mips_per_core = f64::NAN;
        assert_eq!(error(s), (SpecItem::HostType(0), "mips_per_core"));
        let mut s = base();
        s.host_types[0].off_power_w = -1.0;
        assert_eq!(error(s), (SpecItem::HostType(0), "off_w"));
        let mut s = base();
        s.vm_types[0].cores = 0;
        assert_eq!(error(s), (SpecItem::VmType(0), "cores"));
        let mut s = base();
        s.vms[0].trace = 3;
        assert_eq!(error(s), (SpecItem::Vm(0), "trace"));
        let mut s = base();
        s.hosts[0].host_type = 1;
        assert_eq!(error(s), (SpecItem::Host(0), "type"));
        let rt = |max_downtime_s| RealTime {
            max_downtime_s,
            reserve: true,
        };
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let mut s = base();
            s.real_time = vec![Some(rt(bad))];
            assert_eq!(error(s), (SpecItem::Vm(0), "max_downtime_ms"));
        }
        let mut s = base();
        s.real_time = vec![None, Some(rt(0.05))];
        assert_eq!(error(s), (SpecItem::Datacenter, "real_time"));
        let mut s = base();
        s.real_time = vec![Some(rt(0.05))];
        assert_eq!(s.validate(), Ok(()));
    }

    #[test]
    fn a_vm_larger_than_every_host_names_the_dimension() {
        for (grow, field) in [
            ((2000.0, 1, 0), "mips"),
            ((400.0, 1, 8192), "ram_mb"),
            ((600.0, 4, 0), "cores"),
        ] {
            let mut s = spec(&[(1000.0, 2, 100.0, 200.0)], &[500.0]);
            let (mips, cores, ram) = grow;
            s.vm_types[0].mips = mips;
            s.vm_types[0].cores = cores;
            s.vm_types[0].ram_mb += ram;
            let e = s.validate().unwrap_err();
            assert_eq!((e.item, e.field), (SpecItem::VmType(0), field));
        }
        // A VM type no VM uses may be as large as it likes.
        let mut s = spec(&[(1000.0, 2, 100.0, 200.0)], &[500.0, 500.0]);
        s.vm_types[1].mips = 5000.0;
        s.vms.pop();
        assert_eq!(s.validate(), Ok(()));
    }
}

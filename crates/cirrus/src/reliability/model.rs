//! The reliability model of a datacenter whose hosts fail by one failure
//! process and whose VMs escape announced failures by live migration: from
//! the failure model, the restart delay and the evacuation time, without
//! simulating.
//!
//! - Host: R_h(T) = S_ttf(T) over the mission; A_h = MTBF / (MTBF + MTTR).
//! - Coverage of a host failure by migration:
//!   c = P(announced) · P(evacuation finishes within the warning) · P(a host with room),
//!   where the warning a host gets is min(warning, time to failure) (a
//!   failure is never announced before the host was repaired), so
//!   P(in time) = S_ttf(τ) if the evacuation time τ ≤ warning, else 0; and
//!   P(room) = P(at least k of the other n − 1 hosts up), k the hosts the
//!   load needs.
//! - VM: R_VM = R_h + (1 − R_h)·c (one failure per mission), and for a
//!   constant failure rate e^{−(1 − c)T/MTBF} (every failure covered with
//!   probability c); A_VM from the cycle up-until-an-uncovered-failure /
//!   down-for-the-restart-delay, covered failures costing the migration's
//!   pause ([`super::closed_forms::vm_availability`]).
//! - Datacenter: enough hosts up to hold the load, k-out-of-n with
//!   p = A_h (at a random time) or p = R_h(T) (never failed over the mission).

use serde::Serialize;

use super::closed_forms::{
    covered_reliability, exponential_covered_reliability, interval_availability, k_out_of_n,
    steady_state_availability, vm_availability,
};
use super::survival::{is_memoryless, survival};
use crate::failures::{FailureProcess, Lifetime};

/// What the model is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct ReliabilityInputs {
    /// How every host fails: time to failure, time to repair, the share of
    /// failures announced and how far ahead.
    pub process: FailureProcess,
    /// From a VM lost with its host to it running again elsewhere, seconds.
    pub restart_delay_s: f64,
    /// Hosts in the datacenter (n).
    pub hosts: usize,
    /// Hosts the load needs (k).
    pub hosts_needed: usize,
    /// Seconds to evacuate a host (its slowest VM's migration, the host's
    /// VMs sharing its link).
    pub evacuation_s: f64,
    /// Seconds an evacuated VM is paused by its migration.
    pub evacuation_downtime_s: f64,
    /// Mission time T, seconds.
    pub mission_s: f64,
}

/// The coverage c and its three factors.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Coverage {
    /// P(the failure is announced).
    pub announced: f64,
    /// P(the evacuation finishes within the warning).
    pub in_time: f64,
    /// P(a host with room to take the VMs).
    pub room: f64,
    /// Their product, c.
    pub coverage: f64,
}

/// What the model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ReliabilityReport {
    /// Mission time T, seconds.
    pub mission_s: f64,
    /// Mean time to failure of a host from its start or last repair, seconds.
    pub host_mtbf_s: f64,
    /// Mean time to repair, seconds.
    pub host_mttr_s: f64,
    /// Whether the time to failure is exponential: the repeated-failure
    /// forms are then exact.
    pub exponential: bool,
    /// A host's reliability over the mission, R_h(T).
    pub host_reliability: f64,
    /// A host's steady-state availability, MTBF / (MTBF + MTTR).
    pub host_availability: f64,
    /// A host's availability averaged over the mission from an up start
    /// (exponential failures and repairs only; else NaN).
    pub host_availability_mission: f64,
    /// Migration's coverage of a host failure.
    pub coverage: Coverage,
    /// Seconds to evacuate a host.
    pub evacuation_s: f64,
    /// Per-VM reliability over the mission without migration (= R_h(T)).
    pub vm_reliability_without: f64,
    /// With migration, one failure per mission: R_h + (1 − R_h)·c.
    pub vm_reliability_with: f64,
    /// With migration, every failure covered with probability c:
    /// e^{−(1 − c)T/MTBF} (exact for exponential failures; for others the
    /// long-run failure rate 1/MTBF stands in).
    pub vm_reliability_with_repeated: f64,
    /// Share of VMs expected lost at least once over the mission without
    /// migration: 1 − e^{−T/MTBF} for exponential failures, else 1 − R_h(T).
    pub vms_lost_share_without: f64,
    /// The same with migration: 1 − e^{−(1 − c)T/MTBF}, else 1 − R_VM.
    pub vms_lost_share_with: f64,
    /// Expected losses per VM over the mission with migration: the rate
    /// (1 − c)/MTBF over the VM's up time A_VM·T.
    pub vm_losses_per_vm_with: f64,
    /// Steady-state VM availability without migration, MTBF / (MTBF + r).
    pub vm_availability_without: f64,
    /// With migration.
    pub vm_availability_with: f64,
    /// Hosts in the datacenter (n).
    pub hosts: usize,
    /// Hosts the load needs (k).
    pub hosts_needed: usize,
    /// P(at least k of n hosts up) at a random time (p = A_h).
    pub datacenter_availability: f64,
    /// P(at least k of n hosts never fail over the mission) (p = R_h(T)).
    pub datacenter_reliability: f64,
}

/// The model's predictions for `inputs`.
pub fn assess(inputs: &ReliabilityInputs) -> ReliabilityReport {
    let p = &inputs.process;
    let t = inputs.mission_s;
    let mtbf = p.ttf.mean_s();
    let mttr = p.ttr.mean_s();
    let exponential = is_memoryless(&p.ttf);
    let r_h = survival(&p.ttf, t);
    let a_h = steady_state_availability(mtbf, mttr);
    let host_availability_mission = match (p.ttf, p.ttr) {
        (Lifetime::Exponential { .. }, Lifetime::Exponential { .. }) => interval_availability(mtbf, mttr, t),
        _ => f64::NAN,
    };
    let tau = inputs.evacuation_s;
    let in_time = if tau <= p.warning_s {
        survival(&p.ttf, tau)
    } else {
        0.0
    };
    let others = inputs.hosts.saturating_sub(1);
    let room = k_out_of_n(inputs.hosts_needed, others, a_h);
    let coverage = Coverage {
        announced: p.degraded_fraction,
        in_time,
        room,
        coverage: p.degraded_fraction * in_time * room,
    };
    let c = coverage.coverage;
    let r = inputs.restart_delay_s;
    let repeated = exponential_covered_reliability(t, mtbf, c);
    let vm_reliability_with = covered_reliability(r_h, c);
    let (lost_without, lost_with) = if exponential {
        (1.0 - r_h, 1.0 - repeated)
    } else {
        (1.0 - r_h, 1.0 - vm_reliability_with)
    };
    let vm_availability_with = vm_availability(mtbf, r, c, inputs.evacuation_downtime_s);
    ReliabilityReport {
        mission_s: t,
        host_mtbf_s: mtbf,
        host_mttr_s: mttr,
        exponential,
        host_reliability: r_h,
        host_availability: a_h,
        host_availability_mission,
        coverage,
        evacuation_s: tau,
        vm_reliability_without: r_h,
        vm_reliability_with,
        vm_reliability_with_repeated: repeated,
        vms_lost_share_without: lost_without,
        vms_lost_share_with: lost_with,
        vm_losses_per_vm_with: (1.0 - c) * vm_availability_with * t / mtbf,
        vm_availability_without: vm_availability(mtbf, r, 0.0, 0.0),
        vm_availability_with,
        hosts: inputs.hosts,
        hosts_needed: inputs.hosts_needed,
        datacenter_availability: k_out_of_n(inputs.hosts_needed, inputs.hosts, a_h),
        datacenter_reliability: k_out_of_n(inputs.hosts_needed, inputs.hosts, r_h),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(warning_s: f64, evacuation_s: f64) -> ReliabilityInputs {
        ReliabilityInputs {
            process: FailureProcess {
                host_types: vec![0],
                ttf: Lifetime::Exponential {
                    mean_s: 32.41 * 3600.0,
                },
                ttr: Lifetime::Exponential {
                    mean_s: 7.41 * 3600.0,
                },
                degraded_fraction: 0.6,
                warning_s,
            },
            restart_delay_s: 120.0,
            hosts: 10,
            hosts_needed: 3,
            evacuation_s,
            evacuation_downtime_s: 0.1,
            mission_s: 24.0 * 3600.0,
        }
    }

    #[test]
    fn coverage_is_the_product_of_its_factors() {
        let r = assess(&inputs(600.0, 60.0));
        let c = r.coverage;
        assert!((c.in_time - (-60.0 / (32.41 * 3600.0f64)).exp()).abs() < 1e-15);
        assert!((c.room - k_out_of_n(3, 9, r.host_availability)).abs() < 1e-15);
        assert!((c.coverage - 0.6 * c.in_time * c.room).abs() < 1e-15);
        assert!((r.host_availability - 0.8139).abs() < 5e-5);
        // Migration helps, never hurts.
        assert!(r.vm_reliability_with > r.vm_reliability_without);
        assert!(r.vm_reliability_with_repeated > r.vm_reliability_without);
        assert!(r.vm_availability_with > r.vm_availability_without);
        assert!(r.vms_lost_share_with < r.vms_lost_share_without);
        // The VM is repaired by a restart, not by the host's repair: far
        // more available than its host.
        assert!(r.vm_availability_without > r.host_availability);
        assert!(r.host_availability_mission > r.host_availability);
    }

    #[test]
    fn an_evacuation_longer_than_the_warning_covers_nothing() {
        let r = assess(&inputs(60.0, 61.0));
        assert_eq!(r.coverage.in_time, 0.0);
        assert_eq!(r.coverage.coverage, 0.0);
        assert_eq!(r.vm_reliability_with, r.vm_reliability_without);
        assert!((r.vm_availability_with - r.vm_availability_without).abs() < 1e-15);
    }

    #[test]
    fn a_datacenter_needing_every_host_is_a_series_system() {
        let mut i = inputs(600.0, 60.0);
        i.hosts_needed = i.hosts;
        let r = assess(&i);
        assert!((r.datacenter_reliability - r.host_reliability.powi(10)).abs() < 1e-12);
        // No room anywhere when the others cannot hold the load.
        assert_eq!(r.coverage.room, 0.0);
    }
}

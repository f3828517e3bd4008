//! The model's inputs from a datacenter: its failure configuration, its
//! hosts and VMs, its migration model and host link.

use super::evacuation::{EvacuationEstimate, evacuation_estimate};
use super::model::ReliabilityInputs;
use crate::datacenter::DatacenterSpec;
use crate::failures::{FailureConfig, FailureSource};
use crate::migration::{MigrationModel, VmMemory};

/// Why a datacenter is outside what the model describes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct ModelScopeError {
    /// The scenario key concerned (`failures.trace`, `failures.process`, ...).
    pub key: &'static str,
    /// What is wrong.
    pub message: String,
}

/// The inputs the model takes from a datacenter, and the evacuation
/// estimate of each VM type present (`None` for absent types).
#[derive(Debug, Clone, PartialEq)]
pub struct DatacenterInputs {
    /// The model's inputs.
    pub inputs: ReliabilityInputs,
    /// Per VM type: its migration in an evacuation.
    pub evacuations: Vec<Option<EvacuationEstimate>>,
    /// VMs sharing the link of an evacuated host.
    pub vms_per_host: usize,
    /// The host link, Mbit/s.
    pub link_mbps: f64,
}

/// The hosts the VMs of `spec` need at their full reservations: for each of
/// MIPS, RAM and bandwidth, ⌈Σ over VMs / the mean host's capacity⌉, the
/// largest (0 without VMs). A fluid bound: packing whole VMs may need more.
pub fn hosts_needed(spec: &DatacenterSpec) -> usize {
    let n = spec.hosts.len();
    if spec.vms.is_empty() || n == 0 {
        return 0;
    }
    let host = |f: &dyn Fn(usize) -> f64| spec.hosts.iter().map(|h| f(h.host_type)).sum::<f64>() / n as f64;
    let vms = |f: &dyn Fn(usize) -> f64| spec.vms.iter().map(|v| f(v.vm_type)).sum::<f64>();
    let ht = &spec.host_types;
    let vt = &spec.vm_types;
    [
        (vms(&|t| vt[t].total_mips()), host(&|t| ht[t].total_mips())),
        (vms(&|t| vt[t].ram_mb as f64), host(&|t| ht[t].ram_mb as f64)),
        (vms(&|t| vt[t].bw_mbps), host(&|t| ht[t].bw_mbps)),
    ]
    .into_iter()
    .filter(|&(_, cap)| cap > 0.0)
    .map(|(need, cap)| (need / cap - 1e-9).ceil().max(1.0) as usize)
    .max()
    .unwrap_or(1)
}

/// The model's inputs for `spec` with `failures`, evacuating with `model`
/// over host links of `link_mbps` (VM types' memory in `vm_memory`), over
/// a mission of `mission_s`.
///
/// The VMs of a failing host are taken to be those of a host of a packed
/// datacenter, ⌈VMs / hosts needed⌉ (what best-fit placements leave), all
/// leaving through its link at once.
///
/// # Errors
/// Failures from a trace (the model needs distributions), or not one
/// failure process for every host.
pub fn datacenter_inputs(
    spec: &DatacenterSpec,
    failures: &FailureConfig,
    model: &dyn MigrationModel,
    vm_memory: &[VmMemory],
    link_mbps: f64,
    mission_s: f64,
) -> Result<DatacenterInputs, ModelScopeError> {
    let process = match &failures.source {
        FailureSource::Trace(_) => {
            return Err(ModelScopeError {
                key: "failures.trace",
                message: "the reliability model needs failure distributions ([[failures.process]]), \
                          not a failure trace"
                    .into(),
            });
        }
        FailureSource::Random(processes) => match processes.as_slice() {
            [p] if spec.hosts.iter().all(|h| p.host_types.contains(&h.host_type)) => p.clone(),
            _ => {
                let covered = |p: &crate::failures::FailureProcess| {
                    spec.hosts
                        .iter()
                        .filter(|h| p.host_types.contains(&h.host_type))
                        .count()
                };
                return Err(ModelScopeError {
                    key: "failures.process",
                    message: format!(
                        "the reliability model takes one failure process for every host; found {} \
                         process(es), failing {} of the {} hosts",
                        processes.len(),
                        processes.iter().map(covered).sum::<usize>(),
                        spec.hosts.len()
                    ),
                });
            }
        },
    };
    let k = hosts_needed(spec);
    let vms_per_host = if k == 0 { 0 } else { spec.vms.len().div_ceil(k) };
    let mut count = vec![0usize; spec.vm_types.len()];
    for v in &spec.vms {
        count[v.vm_type] += 1;
    }
    let mut evacuations = vec![None; spec.vm_types.len()];
    for (t, &n) in count.iter().enumerate() {
        if n == 0 {
            continue;
        }
        let memory = vm_memory
            .get(t)
            .cloned()
            .unwrap_or_else(|| VmMemory::idle(spec.vm_types[t].ram_mb as f64));
        evacuations[t] = Some(
            evacuation_estimate(model, &memory, link_mbps, vms_per_host).map_err(|e| ModelScopeError {
                key: "migration",
                message: format!("VM type \"{}\": {e}", spec.vm_types[t].name),
            })?,
        );
    }
    let present = || {
        evacuations
            .iter()
            .zip(&count)
            .filter_map(|(e, &n)| e.map(|e| (e, n)))
    };
    let evacuation_s = present().map(|(e, _)| e.total_s).fold(0.0, f64::max);
    let n_vms = spec.vms.len().max(1) as f64;
    let evacuation_downtime_s = present().map(|(e, n)| e.downtime_s * n as f64).sum::<f64>() / n_vms;
    Ok(DatacenterInputs {
        inputs: ReliabilityInputs {
            process,
            restart_delay_s: failures.restart_delay_s,
            hosts: spec.hosts.len(),
            hosts_needed: k,
            evacuation_s,
            evacuation_downtime_s,
            mission_s,
        },
        evacuations,
        vms_per_host,
        link_mbps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::failures::{FailureProcess, Lifetime};
    use crate::migration::StopAndCopy;
    use crate::placement::test_support::spec;

    fn config(source: FailureSource) -> FailureConfig {
        FailureConfig {
            source,
            restart_delay_s: 60.0,
            evacuate: true,
        }
    }

    fn process(host_types: Vec<usize>) -> FailureProcess {
        FailureProcess {
            host_types,
            ttf: Lifetime::Exponential { mean_s: 1.0e5 },
            ttr: Lifetime::Exponential { mean_s: 1.0e4 },
            degraded_fraction: 0.5,
            warning_s: 300.0,
        }
    }

    #[test]
    fn load_sets_the_hosts_needed_and_the_link_sharing() {
        // 4 hosts of 2 × 1000 MIPS; 7 VMs of 500 MIPS: 3500 / 2000 → 2 hosts
        // (RAM and bandwidth need 1), 4 VMs on each.
        let s = spec(&[(1000.0, 2, 4.0, 4.0); 4], &[500.0; 7]);
        assert_eq!(s.hosts.len(), 4);
        assert_eq!(hosts_needed(&s), 2);
        let memory = vec![VmMemory::idle(s.vm_types[0].ram_mb as f64); s.vm_types.len()];
        let d = datacenter_inputs(
            &s,
            &config(FailureSource::Random(vec![process(vec![0, 1, 2, 3])])),
            &StopAndCopy::default(),
            &memory,
            1000.0,
            86_400.0,
        )
        .unwrap();
        assert_eq!(d.vms_per_host, 4);
        assert_eq!(d.inputs.hosts_needed, 2);
        let e = d.evacuations.iter().flatten().next().unwrap();
        assert_eq!(e.bandwidth_mbps, 250.0);
        assert_eq!(d.inputs.evacuation_s, e.total_s);
        assert!(d.inputs.evacuation_s > 0.0);
    }

    #[test]
    fn traces_and_partial_processes_are_out_of_scope() {
        let s = spec(&[(1000.0, 2, 4.0, 4.0)], &[500.0; 3]);
        let memory = vec![VmMemory::idle(512.0); s.vm_types.len()];
        let run = |source| {
            datacenter_inputs(&s, &config(source), &StopAndCopy::default(), &memory, 1000.0, 1.0).unwrap_err()
        };
        assert_eq!(run(FailureSource::Trace(Vec::new())).key, "failures.trace");
        assert_eq!(run(FailureSource::Random(Vec::new())).key, "failures.process");
        assert_eq!(
            run(FailureSource::Random(vec![process(vec![1])])).key,
            "failures.process"
        );
    }
}

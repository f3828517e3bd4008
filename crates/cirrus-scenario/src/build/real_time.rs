//! `real_time = { max_downtime_ms, reserve }`: which VMs are real-time guests, from their VM
//! type and their application (docs/REALTIME.md). The scenario format lists no VM on its own
//! (`[vms]` gives a count and types), so a VM is real-time by its type or its application;
//! an application's declaration overrides its members' types'.

use cirrus::application::Applications;
use cirrus::datacenter::{RealTime, VmId, VmSpec};

use super::Context;
use super::sizing::Derived;
use crate::error::ScenarioError;
use crate::schema::RealTimeSection;

impl Context {
    /// Each VM's real-time demands (empty when no VM type or application declares any).
    /// `derived`: the VM types `vms.sizing = "trace"` added, which take their base type's.
    /// `app_tables`: the `[[applications]]` table each application came from.
    pub(super) fn real_time(
        &self,
        vms: &[VmSpec],
        derived: Option<&Derived>,
        applications: &Applications,
        app_tables: &[usize],
    ) -> Result<Vec<Option<RealTime>>, ScenarioError> {
        let f = &self.file;
        let by_type = (f.vm_types.iter().enumerate())
            .map(|(i, t)| self.real_time_of(&format!("vm_types[{i}].real_time"), t.real_time))
            .collect::<Result<Vec<_>, _>>()?;
        let by_table = (f.applications.iter().enumerate())
            .map(|(i, a)| self.real_time_of(&format!("applications[{i}].real_time"), a.real_time))
            .collect::<Result<Vec<_>, _>>()?;
        if by_type.iter().chain(&by_table).all(Option::is_none) {
            return Ok(Vec::new());
        }
        let section_of = |t: usize| match derived {
            Some(d) if t >= d.first => d.base[t - d.first],
            _ => t,
        };
        Ok((vms.iter().enumerate())
            .map(|(i, v)| {
                let app = applications.app_of(VmId(i as u32));
                app.and_then(|a| by_table[app_tables[a]])
                    .or(by_type[section_of(v.vm_type)])
            })
            .collect())
    }

    /// One `real_time` table, checked; `key` names it in errors.
    fn real_time_of(
        &self,
        key: &str,
        section: Option<RealTimeSection>,
    ) -> Result<Option<RealTime>, ScenarioError> {
        let Some(s) = section else {
            return Ok(None);
        };
        if !(s.max_downtime_ms.is_finite() && s.max_downtime_ms > 0.0) {
            return Err(self.invalid(
                &format!("{key}.max_downtime_ms"),
                format!(
                    "must be a positive number of milliseconds, found {}",
                    s.max_downtime_ms
                ),
            ));
        }
        Ok(Some(RealTime {
            max_downtime_s: s.max_downtime_ms / 1e3,
            reserve: s.reserve,
        }))
    }
}

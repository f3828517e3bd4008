//! `[[applications]]`: VM groups with traffic and anti-collocation sets,
//! checked with located errors before the model sees them.

use cirrus::application::{AntiCollocation, Application, Applications, FaultDomain, Flow};
use cirrus::datacenter::VmId;

use super::{Context, MAX_COUNT};
use crate::error::ScenarioError;
use crate::schema::{ApplicationSection, FaultDomainLevel};

/// An application as written, VM indices before the copy shift.
struct Template {
    name: String,
    vms: Vec<u64>,
    /// (from, to, Mbit/s), positions in the same numbering as `vms`.
    flows: Vec<(u64, u64, f64)>,
    /// (key of the flow, for messages).
    flow_keys: Vec<String>,
    sets: Vec<(Vec<u64>, FaultDomain)>,
}

impl Context {
    /// `[[applications]]` for a datacenter of `n_vms` VMs, with `repeat`
    /// expanded. Also returns, per application, the index of the
    /// `[[applications]]` table it came from (for errors found later).
    pub(super) fn applications(&self, n_vms: usize) -> Result<(Applications, Vec<usize>), ScenarioError> {
        let mut apps: Vec<Application> = Vec::new();
        let mut tables = Vec::new();
        let mut owner: Vec<Option<usize>> = vec![None; n_vms];
        let mut flows_total: u64 = 0;
        for (i, section) in self.file.applications.iter().enumerate() {
            let key = format!("applications[{i}]");
            let t = self.template(&key, section, i)?;
            let repeat = match section.repeat {
                Some(0) => return Err(self.invalid(&format!("{key}.repeat"), "must be at least 1")),
                Some(r) if r > MAX_COUNT => {
                    return Err(self.invalid(&format!("{key}.repeat"), format!("{r} copies is too many")));
                }
                Some(r) => r,
                None => 1,
            };
            let (lo, hi) = (
                t.vms.iter().copied().min().unwrap_or(0),
                t.vms.iter().copied().max().unwrap_or(0),
            );
            let stride = match section.stride {
                Some(0) => return Err(self.invalid(&format!("{key}.stride"), "must be at least 1")),
                Some(s) => s,
                None => hi - lo + 1,
            };
            flows_total = flows_total.saturating_add(repeat.saturating_mul(t.flows.len() as u64));
            if flows_total > MAX_COUNT {
                return Err(self.invalid(
                    &format!("{key}.traffic"),
                    format!("more than {MAX_COUNT} flows in all; use coarser applications"),
                ));
            }
            for k in 0..repeat {
                let copy = |what: &str| {
                    if repeat > 1 {
                        format!("copy {k} of {repeat}: {what}")
                    } else {
                        what.to_string()
                    }
                };
                let shift = k.saturating_mul(stride);
                let vm = |raw: u64| -> Result<VmId, String> {
                    let x = raw.saturating_add(shift);
                    if x >= n_vms as u64 {
                        Err(copy(&format!(
                            "VM {x} does not exist: there are {n_vms} VMs (vms.count)"
                        )))
                    } else {
                        Ok(VmId(x as u32))
                    }
                };
                let mut members = Vec::with_capacity(t.vms.len());
                for &raw in &t.vms {
                    let v = vm(raw).map_err(|m| self.invalid(&format!("{key}.vms"), m))?;
                    let slot = &mut owner[v.index()];
                    if let Some(other) = *slot {
                        let message = match apps.get(other) {
                            Some(a) => format!("VM {} already belongs to application \"{}\"", v.0, a.name),
                            None => format!("VM {} is listed twice", v.0),
                        };
                        return Err(self.invalid(&format!("{key}.vms"), copy(&message)));
                    }
                    *slot = Some(apps.len());
                    members.push(v);
                }
                let mut traffic = Vec::with_capacity(t.flows.len());
                for (&(from, to, mbps), fkey) in t.flows.iter().zip(&t.flow_keys) {
                    let (from, to) = (
                        vm(from).map_err(|m| self.invalid(fkey, m))?,
                        vm(to).map_err(|m| self.invalid(fkey, m))?,
                    );
                    for end in [from, to] {
                        if !members.contains(&end) {
                            return Err(self.invalid(
                                fkey,
                                copy(&format!("VM {} is not a member of this application (vms)", end.0)),
                            ));
                        }
                    }
                    traffic.push(Flow { from, to, mbps });
                }
                let mut anti_collocation = Vec::with_capacity(t.sets.len());
                for (j, (raw, level)) in t.sets.iter().enumerate() {
                    let skey = format!("{key}.anti_collocation[{j}].vms");
                    let mut vms = Vec::with_capacity(raw.len());
                    for &r in raw {
                        let v = vm(r).map_err(|m| self.invalid(&skey, m))?;
                        if !members.contains(&v) {
                            return Err(self.invalid(
                                &skey,
                                copy(&format!("VM {} is not a member of this application (vms)", v.0)),
                            ));
                        }
                        vms.push(v);
                    }
                    anti_collocation.push(AntiCollocation { vms, level: *level });
                }
                let name = if repeat > 1 {
                    format!("{}-{k}", t.name)
                } else {
                    t.name.clone()
                };
                apps.push(Application {
                    name,
                    vms: members,
                    traffic,
                    anti_collocation,
                });
                tables.push(i);
            }
        }
        Ok((Applications::new(apps), tables))
    }

    /// One `[[applications]]` table, checked on its own.
    fn template(&self, key: &str, s: &ApplicationSection, i: usize) -> Result<Template, ScenarioError> {
        let name = s.name.clone().unwrap_or_else(|| format!("app-{i}"));
        let vms = self.vm_set(&format!("{key}.vms"), &s.vms)?;
        if vms.is_empty() {
            return Err(self.invalid(&format!("{key}.vms"), "an application needs at least one VM"));
        }
        for (j, v) in vms.iter().enumerate() {
            if vms[..j].contains(v) {
                return Err(self.invalid(&format!("{key}.vms"), format!("VM {v} is listed twice")));
            }
        }
        let mut flows = Vec::new();
        let mut flow_keys = Vec::new();
        match &s.traffic {
            None => {}
            Some(toml::Value::Array(items)) if items.iter().all(toml::Value::is_table) => {
                for (j, item) in items.iter().enumerate() {
                    let fkey = format!("{key}.traffic[{j}]");
                    let table = item.as_table().map_or_else(toml::Table::new, Clone::clone);
                    if let Some(unknown) = table
                        .keys()
                        .find(|k| !["from", "to", "mbps"].contains(&k.as_str()))
                    {
                        return Err(self.invalid(
                            &format!("{fkey}.{unknown}"),
                            "unknown field; expected `from`, `to`, `mbps`",
                        ));
                    }
                    let field = |f: &str| {
                        table
                            .get(f)
                            .ok_or_else(|| self.invalid(&fkey, format!("missing `{f}`")))
                    };
                    let from = self.vm_set(&format!("{fkey}.from"), field("from")?)?;
                    let to = self.vm_set(&format!("{fkey}.to"), field("to")?)?;
                    let mbps = self.rate(&format!("{fkey}.mbps"), field("mbps")?)?;
                    if (from.len() as u64).saturating_mul(to.len() as u64) > MAX_COUNT {
                        return Err(self.invalid(&fkey, "too many VM pairs"));
                    }
                    for &a in &from {
                        for &b in &to {
                            if a == b {
                                return Err(self.invalid(
                                    &fkey,
                                    format!("VM {a} would send to itself: `from` and `to` overlap"),
                                ));
                            }
                            flows.push((a, b, mbps));
                            flow_keys.push(fkey.clone());
                        }
                    }
                }
            }
            Some(toml::Value::Array(rows)) if rows.iter().all(toml::Value::is_array) => {
                if rows.len() != vms.len() {
                    return Err(self.invalid(
                        &format!("{key}.traffic"),
                        format!(
                            "a traffic matrix needs one row per VM of `vms` ({}), found {}",
                            vms.len(),
                            rows.len()
                        ),
                    ));
                }
                for (r, row) in rows.iter().enumerate() {
                    let rkey = format!("{key}.traffic[{r}]");
                    let row = row.as_array().map_or(&[][..], |a| a.as_slice());
                    if row.len() != vms.len() {
                        return Err(self.invalid(
                            &rkey,
                            format!(
                                "expected {} rates (one per VM of `vms`), found {}",
                                vms.len(),
                                row.len()
                            ),
                        ));
                    }
                    for (c, cell) in row.iter().enumerate() {
                        let ckey = format!("{rkey}[{c}]");
                        let mbps = self.rate(&ckey, cell)?;
                        if r == c && mbps != 0.0 {
                            return Err(
                                self.invalid(&ckey, "a VM cannot send to itself: the diagonal must be 0")
                            );
                        }
                        if r != c && mbps > 0.0 {
                            flows.push((vms[r], vms[c], mbps));
                            flow_keys.push(ckey);
                        }
                    }
                }
            }
            Some(toml::Value::Array(items)) if items.is_empty() => {}
            Some(_) => {
                return Err(self.invalid(
                    &format!("{key}.traffic"),
                    "expected a list of { from, to, mbps } tables or a matrix (a list of rows of Mbit/s)",
                ));
            }
        }
        let mut sets = Vec::with_capacity(s.anti_collocation.len());
        for (j, a) in s.anti_collocation.iter().enumerate() {
            let skey = format!("{key}.anti_collocation[{j}].vms");
            let set = self.vm_set(&skey, &a.vms)?;
            if set.len() < 2 {
                return Err(self.invalid(&skey, "an anti-collocation set needs at least two VMs"));
            }
            for (m, v) in set.iter().enumerate() {
                if set[..m].contains(v) {
                    return Err(self.invalid(&skey, format!("VM {v} is listed twice")));
                }
            }
            let level = match a.level {
                FaultDomainLevel::Host => FaultDomain::Host,
                FaultDomainLevel::Rack => FaultDomain::Rack,
            };
            sets.push((set, level));
        }
        Ok(Template {
            name,
            vms,
            flows,
            flow_keys,
            sets,
        })
    }

    /// A rate in Mbit/s: a finite number ≥ 0.
    fn rate(&self, key: &str, value: &toml::Value) -> Result<f64, ScenarioError> {
        let x = match value {
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(x) => *x,
            _ => return Err(self.invalid(key, "expected a rate in Mbit/s (a number)")),
        };
        if x.is_finite() && x >= 0.0 {
            Ok(x)
        } else {
            Err(self.invalid(key, format!("expected a finite rate >= 0 Mbit/s, found {x}")))
        }
    }

    /// A set of VM indices: an integer, a range string `"a..b"` (half-open)
    /// or `"a..=b"`, or a list of those. Order kept, ranges ascending.
    fn vm_set(&self, key: &str, value: &toml::Value) -> Result<Vec<u64>, ScenarioError> {
        let mut out = Vec::new();
        match value {
            toml::Value::Array(items) => {
                for (j, item) in items.iter().enumerate() {
                    self.vm_item(&format!("{key}[{j}]"), item, &mut out)?;
                }
            }
            other => self.vm_item(key, other, &mut out)?,
        }
        Ok(out)
    }

    fn vm_item(&self, key: &str, value: &toml::Value, out: &mut Vec<u64>) -> Result<(), ScenarioError> {
        const EXPECTED: &str =
            "expected a VM index (integer >= 0), a range \"a..b\" / \"a..=b\", or a list of them";
        match value {
            toml::Value::Integer(i) if *i >= 0 => out.push(*i as u64),
            toml::Value::String(s) => {
                let (lo, hi, inclusive) = if let Some((a, b)) = s.split_once("..=") {
                    (a, b, true)
                } else if let Some((a, b)) = s.split_once("..") {
                    (a, b, false)
                } else {
                    return Err(self.invalid(key, format!("{EXPECTED}; found \"{s}\"")));
                };
                let parse = |x: &str| x.trim().parse::<u64>().ok();
                let (Some(lo), Some(hi)) = (parse(lo), parse(hi)) else {
                    return Err(self.invalid(key, format!("{EXPECTED}; found \"{s}\"")));
                };
                let end = if inclusive { hi.saturating_add(1) } else { hi };
                if end <= lo {
                    return Err(self.invalid(key, format!("range \"{s}\" is empty")));
                }
                if end - lo > MAX_COUNT {
                    return Err(self.invalid(key, format!("range \"{s}\" is too long")));
                }
                out.extend(lo..end);
            }
            _ => return Err(self.invalid(key, EXPECTED)),
        }
        Ok(())
    }
}

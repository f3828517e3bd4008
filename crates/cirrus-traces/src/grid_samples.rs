//! One VM's readings held compactly while a trace streams in: the values
//! laid on the sample grid as they arrive, 4 bytes a slot, instead of a
//! timestamped record per reading.
//!
//! The grid is [`grid`]'s: reading *i* goes to slot
//! `round((t_i − t_first) / interval)`, `t_first` the earliest reading. While
//! every reading comes *after* the VM's previous one, exactly on the grid
//! (`t == base + k·interval` in `f64`, `base` the VM's first reading, which
//! is then the earliest) and within [`max_samples_per_vm`], its slot is
//! final as it arrives, and only its value is kept: that is the *regular*
//! form, [`GridSamples::push`]'s fast path, and every reading of the
//! published Azure files takes it. A reading that breaks the pattern (out of
//! order, a duplicate, off the grid) turns the VM *irregular*: its readings,
//! those before rebuilt exactly from their slots, are kept as (time, value)
//! pairs in input order (12 bytes each) and laid on the grid by [`grid`]
//! itself at the end, so that both forms give what [`grid`] gives on the
//! same readings, bit for bit, report counts included.
//!
//! Neither form keeps where a reading was read (file and line): those are
//! needed only to name a reading in an error. When [`GridSamples::finish`]
//! finds that the VM breaks a rule ([`GridBreak`]), the reader reads its
//! files again for that one VM to name the lines ([`grid`]'s own error).
//!
//! [`max_samples_per_vm`]: crate::TraceLimits::max_samples_per_vm

use crate::report::LoadReport;
use crate::source::{GridRules, Slot, Stamp, grid};
use crate::vm_trace::Gaps;

/// Slots per storage chunk of the regular form (16 KiB of `f32`): a VM's
/// slots are held in chunks so that growing never copies what is held and
/// the slack is under one chunk; the last chunk grows by doubling from a few
/// slots, so that a VM with a handful of readings takes a handful of bytes.
const CHUNK: usize = 4096;

/// The value of an empty slot of the regular form (a gap): no reading is
/// NaN.
const EMPTY: f32 = f32::NAN;

/// Bytes an irregular VM holds per reading (its `f64` time and `f32` value).
const IRREGULAR_BYTES: u64 = 12;

/// Bytes a regular VM holds per slot.
const SLOT_BYTES: u64 = 4;

/// One VM's readings while reading; see the [module docs](self).
#[derive(Debug, Default)]
pub(crate) struct GridSamples {
    /// The first reading's time: slot 0 of the regular form.
    base_s: f64,
    /// Slots held by the regular form (the last one holds a reading).
    slots: usize,
    /// The regular form's slots, [`CHUNK`] to a chunk.
    chunks: Vec<Vec<f32>>,
    /// The irregular form, once the VM has turned irregular.
    irregular: Option<Box<Irregular>>,
    /// A reading lies at least `max_samples_per_vm` slots after the first:
    /// the VM is refused at the end, and nothing more is held.
    too_long: bool,
}

/// The irregular form: every reading, in input order.
#[derive(Debug, Default)]
struct Irregular {
    times_s: Vec<f64>,
    values: Vec<f32>,
}

/// The VM breaks a grid rule (duplicates or gaps = error, or
/// `max_samples_per_vm`): the reader names the offending line by reading the
/// VM's readings again with their lines ([`grid`] on them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GridBreak;

impl GridSamples {
    /// Bytes held: 4 a slot in the regular form, 12 a reading in the
    /// irregular one (what `max_sample_mb` counts).
    pub(crate) fn held_bytes(&self) -> u64 {
        match &self.irregular {
            Some(irr) => irr.times_s.len() as u64 * IRREGULAR_BYTES,
            None => self.slots as u64 * SLOT_BYTES,
        }
    }

    /// Whether the VM has no reading yet.
    pub(crate) fn is_empty(&self) -> bool {
        self.slots == 0 && self.irregular.is_none() && !self.too_long
    }

    /// Adds the reading `value` at `t_s` (after every earlier one in the
    /// input), under `rules`.
    pub(crate) fn push(&mut self, t_s: f64, value: f32, rules: &GridRules<'_>) {
        if self.too_long {
            return;
        }
        if self.is_empty() {
            if rules.max_samples == 0 {
                // Even slot 0 is beyond the limit.
                self.too_long = true;
                return;
            }
            self.base_s = t_s;
            self.push_slot(value);
            return;
        }
        let interval = rules.interval_s;
        // `grid`'s slot, were `base_s` the earliest reading.
        let k = ((t_s - self.base_s) / interval).round();
        if k.is_nan() || k >= rules.max_samples as f64 {
            // (NaN cannot happen: times are finite.) Positive, so `t_s` is after
            // `base_s`: relative to the earliest reading, which can only be
            // earlier, it is as far or farther. `grid` refuses the VM.
            self.too_long = true;
            self.slots = 0;
            self.chunks = Vec::new();
            self.irregular = None;
            return;
        }
        if let Some(irr) = &mut self.irregular {
            irr.times_s.push(t_s);
            irr.values.push(value);
            return;
        }
        let regular = k >= self.slots as f64
            && self.base_s + k * interval == t_s
            && (t_s - self.base_s - k * interval).abs() <= interval / 10.0;
        if !regular {
            self.make_irregular(interval);
            if let Some(irr) = &mut self.irregular {
                irr.times_s.push(t_s);
                irr.values.push(value);
            }
            return;
        }
        // `k` is a whole number in slots..max_samples.
        let k = k as usize;
        while self.slots < k {
            self.push_slot(EMPTY);
        }
        self.push_slot(value);
    }

    /// Appends one slot to the regular form.
    fn push_slot(&mut self, value: f32) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < CHUNK => {
                if chunk.len() == chunk.capacity() {
                    let grown = (chunk.capacity() * 2).clamp(8, CHUNK);
                    chunk.reserve_exact(grown - chunk.len());
                }
                chunk.push(value);
            }
            _ => {
                let first = if self.chunks.is_empty() { 4 } else { CHUNK };
                let mut chunk = Vec::with_capacity(first);
                chunk.push(value);
                self.chunks.push(chunk);
            }
        }
        self.slots += 1;
    }

    /// Turns the regular form into the irregular one: each held reading's
    /// time rebuilt from its slot (exact: [`push`](Self::push) kept only
    /// readings at exactly `base + k·interval`), in slot order, which is
    /// their input order.
    fn make_irregular(&mut self, interval_s: f64) {
        let mut irr = Irregular::default();
        let held = std::mem::take(&mut self.chunks);
        for (k, value) in held.iter().flatten().enumerate() {
            if !value.is_nan() {
                irr.times_s.push(self.base_s + k as f64 * interval_s);
                irr.values.push(*value);
            }
        }
        self.slots = 0;
        self.irregular = Some(Box::new(irr));
    }

    /// The VM's first slot's time and its samples, one a slot, as [`grid`]
    /// lays them out under `rules` (counting in `report` what it counts);
    /// [`GridBreak`] when [`grid`] would refuse the VM. `name` names the VM
    /// in [`grid`]'s (discarded) messages.
    pub(crate) fn finish(
        self,
        name: &str,
        rules: &GridRules<'_>,
        report: &mut LoadReport,
    ) -> Result<(f64, Vec<f32>), GridBreak> {
        if self.too_long {
            return Err(GridBreak);
        }
        if let Some(irr) = self.irregular {
            // Located nowhere: a broken rule is located by reading again.
            let stamps: Vec<Stamp> = irr
                .times_s
                .iter()
                .map(|&t_s| Stamp {
                    t_s,
                    file: u32::MAX,
                    line: 0,
                })
                .collect();
            let (t0, slots) = grid(name, &stamps, rules, report).map_err(|_| GridBreak)?;
            let samples = slots
                .iter()
                .map(|s| match *s {
                    Slot::Reading(i) => irr.values[i],
                    Slot::Zero => 0.0,
                })
                .collect();
            return Ok((t0, samples));
        }
        let mut samples = Vec::with_capacity(self.slots);
        let mut gaps = 0u64;
        for chunk in self.chunks {
            for value in chunk {
                if value.is_nan() {
                    gaps += 1;
                    // Slot 0 always holds a reading.
                    let fill = match rules.gaps {
                        Gaps::Hold => samples.last().copied().unwrap_or(0.0),
                        Gaps::Zero => 0.0,
                        Gaps::Error => return Err(GridBreak),
                    };
                    samples.push(fill);
                } else {
                    samples.push(value);
                }
            }
        }
        report.gap_slots_filled += gaps;
        Ok((self.base_s, samples))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vm_trace::Duplicates;

    fn rules(duplicates: Duplicates, gaps: Gaps) -> GridRules<'static> {
        GridRules {
            interval_s: 300.0,
            duplicates,
            gaps,
            max_samples: 1000,
            paths: &[],
        }
    }

    /// `grid`'s answer on the same readings.
    fn by_grid(ts: &[f64], vs: &[f32], rules: &GridRules<'_>) -> Result<(f64, Vec<f32>, LoadReport), ()> {
        let stamps: Vec<Stamp> = ts
            .iter()
            .map(|&t_s| Stamp {
                t_s,
                file: 0,
                line: 1,
            })
            .collect();
        let mut report = LoadReport::default();
        let (t0, slots) = grid("v", &stamps, rules, &mut report).map_err(|_| ())?;
        let samples = slots
            .iter()
            .map(|s| match *s {
                Slot::Reading(i) => vs[i],
                Slot::Zero => 0.0,
            })
            .collect();
        Ok((t0, samples, report))
    }

    /// Pushes the readings, then finishes.
    fn held(ts: &[f64], vs: &[f32], rules: &GridRules<'_>) -> Result<(f64, Vec<f32>, LoadReport), ()> {
        let mut g = GridSamples::default();
        for (&t, &v) in ts.iter().zip(vs) {
            g.push(t, v, rules);
        }
        let mut report = LoadReport::default();
        g.finish("v", rules, &mut report)
            .map(|(t0, s)| (t0, s, report))
            .map_err(|_| ())
    }

    fn bits(r: &Result<(f64, Vec<f32>, LoadReport), ()>) -> Option<(u64, Vec<u32>, LoadReport)> {
        r.as_ref()
            .ok()
            .map(|(t0, s, rep)| (t0.to_bits(), s.iter().map(|v| v.to_bits()).collect(), rep.clone()))
    }

    #[test]
    fn regular_readings_stay_regular_and_match_grid() {
        let ts: Vec<f64> = (0..10_000).map(|k| 600.0 + 300.0 * f64::from(k)).collect();
        let vs: Vec<f32> = (0..10_000).map(|k| k as f32 / 10_000.0).collect();
        let r = GridRules {
            max_samples: 1 << 20,
            ..rules(Duplicates::Error, Gaps::Hold)
        };
        let mut g = GridSamples::default();
        for (&t, &v) in ts.iter().zip(&vs) {
            g.push(t, v, &r);
        }
        assert!(g.irregular.is_none());
        // Three chunks, the last one partly used: the slack is under a chunk.
        assert_eq!(g.chunks.len(), 3);
        assert_eq!(g.held_bytes(), 40_000);
        assert_eq!(bits(&held(&ts, &vs, &r)), bits(&by_grid(&ts, &vs, &r)));
    }

    #[test]
    fn every_shape_of_input_matches_grid() {
        // Pseudo-random readings: mostly in order on the grid, with gaps,
        // duplicates, earlier readings and off-grid times mixed in.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut irregular = 0;
        let mut errors = 0;
        for case in 0..3000 {
            let n = 1 + (next() % 40) as usize;
            let mut t = 300.0 * (next() % 5) as f64;
            let mut ts = Vec::new();
            let mut vs = Vec::new();
            for _ in 0..n {
                let step = match next() % 20 {
                    0 => -300.0 * (next() % 4) as f64,
                    1 => 0.0,
                    2 => 300.0 * (2 + next() % 3) as f64,
                    3 => 114.0,
                    _ => 300.0,
                };
                t = (t + step).max(0.0);
                ts.push(t);
                vs.push((next() % 1000) as f32 / 1000.0);
            }
            let duplicates = [Duplicates::Error, Duplicates::LastWins][case % 2];
            let gaps = [Gaps::Hold, Gaps::Zero, Gaps::Error][case / 2 % 3];
            let r = GridRules {
                max_samples: if case % 7 == 0 { [0, 1, 5][case % 3] } else { 1000 },
                ..rules(duplicates, gaps)
            };
            let mut g = GridSamples::default();
            for (&t, &v) in ts.iter().zip(&vs) {
                g.push(t, v, &r);
            }
            irregular += usize::from(g.irregular.is_some());
            let got = held(&ts, &vs, &r);
            let want = by_grid(&ts, &vs, &r);
            errors += usize::from(want.is_err());
            assert_eq!(got.is_err(), want.is_err(), "{ts:?}");
            assert_eq!(bits(&got), bits(&want), "{ts:?}");
        }
        // Both forms and both outcomes were reached.
        assert!(irregular > 500 && irregular < 2900, "{irregular}");
        assert!(errors > 300 && errors < 2700, "{errors}");
    }
}

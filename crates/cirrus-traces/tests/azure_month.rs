//! A synthetic Azure-format month, generated on the fly (nothing is written
//! to disk but a vmtable), for measuring the reader's load time and memory.
//! Ignored by default: run with
//!
//! ```text
//! CIRRUS_MONTH_VMS=100000 [CIRRUS_MONTH_SAMPLE=0.1] /usr/bin/time -v \
//!   cargo test --release -p cirrus-traces --test azure_month -- --ignored --nocapture
//! ```
//!
//! or `benches/azure-month.sh`, which does that and prints the peak memory.
//! The month is 30 daily reading files `vm_cpu_readings-file-N-of-30.csv` of
//! `CIRRUS_MONTH_VMS` VMs (default 1000), one reading per VM every 300 s
//! (8 640 per VM, 30 × 288 × VMs lines), VM ids of 64 characters as in the
//! dataset, lines in time order as the published files are, and a vmtable
//! row per VM. The reading files are named pipes (FIFOs) that a generator
//! thread writes while the reader reads them ([`TraceLimits::read_pipes`]):
//! the whole month of 100 000 VMs is ~83 GB of text, more than a disk may
//! hold. Set `CIRRUS_MONTH_DISK=1` to write regular files instead (to time
//! the reader alone, without the generator sharing the machine).
//!
//! [`TraceLimits::read_pipes`]: cirrus_traces::TraceLimits::read_pipes

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use cirrus_traces::{AzureOptions, Subset, VmSample, load_azure, vm_hash};

const DAYS: u64 = 30;
const SLOTS_PER_DAY: u64 = 288;
const INTERVAL_S: u64 = 300;

/// `value` in thousandths, as `int.ddd`.
fn push_milli(line: &mut Vec<u8>, value: u64) {
    push_int(line, value / 1000);
    let frac = value % 1000;
    line.extend_from_slice(&[
        b'.',
        b'0' + (frac / 100) as u8,
        b'0' + (frac / 10 % 10) as u8,
        b'0' + (frac % 10) as u8,
    ]);
}

fn push_int(line: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut n = 0;
    loop {
        digits[n] = b'0' + (value % 10) as u8;
        n += 1;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    line.extend(digits[..n].iter().rev());
}

/// Writes day `day`'s readings of `ids` to `path` (a FIFO or a new file);
/// returns the bytes written. VM `i`'s average at slot `s` is
/// `(31 i + 7 s) mod 100 000` thousandths of a percent, min half of it, max
/// 1.5 times it (at most 100 %).
fn write_day(path: &Path, day: u64, ids: &[String]) -> u64 {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path).unwrap());
    let mut line = Vec::with_capacity(128);
    let mut bytes = 0;
    for slot in 0..SLOTS_PER_DAY {
        let s = day * SLOTS_PER_DAY + slot;
        for (i, id) in ids.iter().enumerate() {
            let avg = (i as u64 * 31 + s * 7) % 100_000;
            line.clear();
            push_int(&mut line, s * INTERVAL_S);
            line.push(b',');
            line.extend_from_slice(id.as_bytes());
            line.push(b',');
            push_milli(&mut line, avg / 2);
            line.push(b',');
            push_milli(&mut line, (avg * 3 / 2).min(100_000));
            line.push(b',');
            push_milli(&mut line, avg);
            line.push(b'\n');
            w.write_all(&line).unwrap();
            bytes += line.len() as u64;
        }
    }
    w.flush().unwrap();
    bytes
}

#[test]
#[ignore = "generates tens of gigabytes through pipes; run by hand to measure"]
fn synthetic_azure_month_loads() {
    let env = |k: &str| std::env::var(k).ok();
    let vms: usize = env("CIRRUS_MONTH_VMS").map_or(1000, |v| v.parse().unwrap());
    let sample: Option<f64> = env("CIRRUS_MONTH_SAMPLE").map(|v| v.parse().unwrap());
    let disk = env("CIRRUS_MONTH_DISK").is_some_and(|v| v == "1");
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = (0..vms)
        .map(|i| {
            format!(
                "{:016x}{:016x}{:016x}{:016x}",
                vm_hash(&i.to_string()),
                i,
                !i,
                i * 7
            )
        })
        .collect();
    let month_s = DAYS * SLOTS_PER_DAY * INTERVAL_S;
    let vmtable = dir.path().join("vmtable.csv");
    let mut w = BufWriter::new(File::create(&vmtable).unwrap());
    for (i, id) in ids.iter().enumerate() {
        let (cores, gb) = [(1, 1.75), (2, 3.5), (4, 14.0), (8, 56.0)][i % 4];
        writeln!(
            w,
            "{id},s{},d{},0,{month_s},100,30,90,Unknown,{cores},{gb}",
            i % 97,
            i % 13
        )
        .unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let files: Vec<PathBuf> = (1..=DAYS)
        .map(|n| dir.path().join(format!("vm_cpu_readings-file-{n}-of-{DAYS}.csv")))
        .collect();
    let started = Instant::now();
    let generator = if disk {
        let bytes: u64 = files
            .iter()
            .enumerate()
            .map(|(day, p)| write_day(p, day as u64, &ids))
            .sum();
        eprintln!(
            "wrote {:.2} GB in {:.1} s",
            bytes as f64 / 1e9,
            started.elapsed().as_secs_f64()
        );
        None
    } else {
        for p in &files {
            let made = std::process::Command::new("mkfifo").arg(p).status().unwrap();
            assert!(made.success(), "mkfifo {}", p.display());
        }
        let (files, ids) = (files.clone(), ids.clone());
        // Opening a FIFO for writing waits for the reader to open it: the
        // days are written in the reader's order.
        Some(std::thread::spawn(move || {
            files
                .iter()
                .enumerate()
                .map(|(day, p)| write_day(p, day as u64, &ids))
                .sum::<u64>()
        }))
    };
    let mut options = AzureOptions::default();
    options.limits.read_pipes = true;
    if let Some(f) = sample {
        options.subset = Subset {
            sample: Some(VmSample::Fraction(f)),
            ..Subset::default()
        };
    }
    let started = Instant::now();
    let loaded = load_azure(&files, Some(&vmtable), &options).unwrap();
    let secs = started.elapsed().as_secs_f64();
    let bytes = generator.map(|g| g.join().unwrap());
    let r = &loaded.report;
    let sample_bytes: usize = loaded.vms.iter().map(|v| v.utilization.sample_bytes()).sum();
    eprintln!(
        "loaded {} VMs ({} not sampled), {} readings read ({} kept), {} in {secs:.1} s \
         ({:.2} M readings/s); samples take {:.2} GB",
        r.vms_read,
        r.vms_not_sampled,
        r.records_read,
        loaded.vms.iter().map(|v| v.utilization.len()).sum::<usize>(),
        bytes.map_or("from disk".to_owned(), |b| format!(
            "{:.2} GB through pipes",
            b as f64 / 1e9
        )),
        r.records_read as f64 / secs / 1e6,
        sample_bytes as f64 / 1e9,
    );
    assert_eq!(r.records_read, vms as u64 * DAYS * SLOTS_PER_DAY);
    assert_eq!(r.vms_read + r.vms_not_sampled, vms as u64);
    assert!(loaded.vms.iter().all(|v| v.utilization.len() == 8640));
    assert!(loaded.vms.iter().all(|v| v.cores.is_some()));
    // Spot check: a VM's sample at slot s is its average / 100, as f32.
    let v = &loaded.vms[0];
    let i = ids.iter().position(|id| *id == v.name).unwrap() as u64;
    for s in [0u64, 1, 8639] {
        let avg = (i * 31 + s * 7) % 100_000;
        let want = f64::from((avg as f64 / 1000.0 / 100.0) as f32);
        assert_eq!(v.utilization.samples()[s as usize], want, "slot {s}");
    }
}

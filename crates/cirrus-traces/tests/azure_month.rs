//! A synthetic Azure-format month, generated here (nothing is committed), for
//! measuring the reader's load time and memory. Ignored by default: run with
//!
//! ```text
//! CIRRUS_MONTH_VMS=1000 [CIRRUS_MONTH_SAMPLE=0.1] \
//!   cargo test --release -p cirrus-traces --test azure_month -- --ignored --nocapture
//! ```
//!
//! (under `/usr/bin/time -v` for the peak memory). The month is 30 daily
//! reading files of `CIRRUS_MONTH_VMS` VMs (default 1000), one reading per VM
//! every 300 s (8 640 per VM), VM ids of 64 characters as in the dataset,
//! lines in time order as the published files are.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use cirrus_traces::{AzureOptions, Subset, VmSample, load_azure, vm_hash};

#[test]
#[ignore = "generates gigabytes; run by hand to measure"]
fn synthetic_azure_month_loads() {
    let env = |k: &str| std::env::var(k).ok();
    let vms: usize = env("CIRRUS_MONTH_VMS").map_or(1000, |v| v.parse().unwrap());
    let sample: Option<f64> = env("CIRRUS_MONTH_SAMPLE").map(|v| v.parse().unwrap());
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
    let started = Instant::now();
    let mut files = Vec::new();
    let mut bytes = 0u64;
    for day in 0..30u64 {
        let path = dir
            .path()
            .join(format!("vm_cpu_readings-file-{}-of-30.csv", day + 1));
        let mut w = BufWriter::with_capacity(1 << 20, File::create(&path).unwrap());
        for slot in 0..288u64 {
            let t = (day * 288 + slot) * 300;
            for (i, id) in ids.iter().enumerate() {
                let avg = ((i as u64 * 31 + t / 300 * 7) % 1000) as f64 / 10.0;
                let line = format!(
                    "{t},{id},{:.3},{:.3},{avg:.3}\n",
                    avg * 0.5,
                    (avg * 1.5).min(100.0)
                );
                bytes += line.len() as u64;
                w.write_all(line.as_bytes()).unwrap();
            }
        }
        w.flush().unwrap();
        files.push(path);
    }
    eprintln!(
        "generated {vms} VMs × 8640 readings, {:.2} GB in 30 files, in {:.1} s",
        bytes as f64 / 1e9,
        started.elapsed().as_secs_f64()
    );
    let mut options = AzureOptions::default();
    options.limits.max_records = usize::MAX;
    if let Some(f) = sample {
        options.subset = Subset {
            sample: Some(VmSample::Fraction(f)),
            ..Subset::default()
        };
    }
    let started = Instant::now();
    let loaded = load_azure(&files, None, &options).unwrap();
    let secs = started.elapsed().as_secs_f64();
    let r = &loaded.report;
    eprintln!(
        "loaded {} VMs ({} not sampled), {} readings read, in {secs:.1} s",
        r.vms_read, r.vms_not_sampled, r.records_read
    );
    assert_eq!(r.records_read, vms as u64 * 8640);
    assert_eq!(r.vms_read + r.vms_not_sampled, vms as u64);
    assert!(loaded.vms.iter().all(|v| v.utilization.samples().len() == 8640));
}

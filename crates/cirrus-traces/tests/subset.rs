//! A time window and a deterministic VM sample, for every format: the same
//! VMs for every run, a smaller sample inside a larger one, readings outside
//! the window left out and counted, departures moved to the window's end.
//!
//! Expected hashes and sample sizes come from an independent Python
//! implementation of the hash (FNV-1a 64 of the name, SplitMix64 finaliser):
//!
//! ```text
//! def h(s):
//!     x = 0xcbf29ce484222325
//!     for b in s.encode(): x ^= b; x = (x * 0x100000001b3) % 2**64
//!     x ^= x >> 30; x = (x * 0xbf58476d1ce4e5b9) % 2**64
//!     x ^= x >> 27; x = (x * 0x94d049bb133111eb) % 2**64
//!     return x ^ (x >> 31)
//! ```

mod common;

use std::collections::HashSet;
use std::path::PathBuf;

use cirrus_traces::{
    AzureOptions, BitbrainsOptions, GoogleOptions, Subset, SwfOptions, VmSample, list_bitbrains_files,
    load_azure, load_bitbrains, load_google_task_usage, load_swf, vm_hash,
};
use common::{data, files};

/// 1000 VMs `vm0` … `vm999`, each with readings at 0, 300, …, 2700 s.
fn thousand_vms() -> (tempfile::TempDir, Vec<PathBuf>) {
    let mut text = String::new();
    for t in 0..10 {
        for v in 0..1000 {
            text.push_str(&format!("{},vm{v},1,2,{}\n", t * 300, (v + t) % 100));
        }
    }
    files(&[("vm_cpu_readings-file-1-of-1.csv", text.as_bytes())])
}

fn with(subset: Subset) -> AzureOptions {
    AzureOptions {
        subset,
        ..AzureOptions::default()
    }
}

fn sample(s: VmSample) -> Subset {
    Subset {
        sample: Some(s),
        ..Subset::default()
    }
}

#[test]
fn the_hash_is_the_documented_one() {
    assert_eq!(vm_hash(""), 0xf52a_15e9_a9b5_e89b);
    assert_eq!(vm_hash("vm0"), 0x49df_c0f1_be06_fe66);
}

#[test]
fn fraction_and_count_samples_are_deterministic_and_nested() {
    let (_dir, paths) = thousand_vms();
    let names = |o: &AzureOptions| -> HashSet<String> {
        let l = load_azure(&paths, None, o).unwrap();
        assert_eq!(l.report.vms_read + l.report.vms_not_sampled, 1000);
        l.vms.into_iter().map(|v| v.name).collect()
    };
    let quarter = names(&with(sample(VmSample::Fraction(0.25))));
    let tenth = names(&with(sample(VmSample::Fraction(0.1))));
    // By the Python hash: 229 of the 1000 names below 0.25, 91 below 0.1.
    assert_eq!((quarter.len(), tenth.len()), (229, 91));
    assert!(tenth.is_subset(&quarter));
    assert_eq!(quarter, names(&with(sample(VmSample::Fraction(0.25)))));
    // A count: the smallest hashes (Python: vm583, vm426, vm919, vm524, vm311 first).
    let five = names(&with(sample(VmSample::Count(5))));
    let want: HashSet<String> = ["vm583", "vm426", "vm919", "vm524", "vm311"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(five, want);
    assert!(five.is_subset(&names(&with(sample(VmSample::Count(50))))));
    assert_eq!(names(&with(sample(VmSample::Count(5000)))).len(), 1000);
    // Readings of VMs out of the sample take nothing of the record limit.
    let mut small = with(sample(VmSample::Fraction(0.1)));
    small.limits.max_records = 91 * 10;
    assert_eq!(load_azure(&paths, None, &small).unwrap().vms.len(), 91);
}

#[test]
fn a_time_window_cuts_readings_and_departures() {
    let (_dir, paths) = thousand_vms();
    let window = Subset {
        start_s: Some(600.0),
        end_s: Some(1500.0),
        sample: Some(VmSample::Count(3)),
    };
    let loaded = load_azure(&paths, None, &with(window)).unwrap();
    // Readings at 600, 900, 1200 of every VM are in; 7 of 10 are out.
    assert_eq!(loaded.report.readings_outside_window, 7000);
    assert_eq!(loaded.report.vms_not_sampled, 997);
    for v in &loaded.vms {
        assert_eq!(v.utilization.samples().len(), 3);
        assert_eq!((v.arrival_s, v.departure_s), (600.0, Some(1500.0)));
    }
    let cut = Subset {
        end_s: Some(1400.0),
        ..Subset::default()
    };
    let loaded = load_azure(&paths, None, &with(cut)).unwrap();
    // Readings before 1400: 0 … 1200 (5); the fifth lasts to 1500, cut to 1400.
    assert!(loaded.vms.iter().all(|v| v.departure_s == Some(1400.0)));

    for bad in [
        Subset {
            start_s: Some(10.0),
            end_s: Some(10.0),
            sample: None,
        },
        sample(VmSample::Fraction(0.0)),
        sample(VmSample::Fraction(1.5)),
        sample(VmSample::Count(0)),
    ] {
        assert!(load_azure(&paths, None, &with(bad)).is_err());
    }
}

#[test]
fn every_format_takes_the_subset() {
    // SWF: arrivals 5 (job 2), 10 (job 1), 20 (job 3), 30 (job 4); window [6, 25).
    let swf = SwfOptions {
        subset: Subset {
            start_s: Some(6.0),
            end_s: Some(25.0),
            sample: None,
        },
        ..SwfOptions::default()
    };
    let loaded = load_swf(&data("swf/tiny.swf"), &swf).unwrap();
    let names: Vec<&str> = loaded.vms.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["1", "3"]);
    assert_eq!(loaded.report.vms_skipped_total(), 2);
    // Job 1 runs 10 → 110 s: its departure moves to the window's end.
    assert_eq!(loaded.vms[0].departure_s, Some(25.0));

    // Bitbrains: a count sample of one file of two is decided by the file's name.
    let files = list_bitbrains_files(&data("bitbrains"), &Default::default()).unwrap();
    let one = BitbrainsOptions {
        subset: sample(VmSample::Count(1)),
        ..BitbrainsOptions::default()
    };
    let loaded = load_bitbrains(&files, &one).unwrap();
    let first = if vm_hash("1") < vm_hash("2") { "1" } else { "2" };
    assert_eq!(loaded.vms.len(), 1);
    assert_eq!(loaded.vms[0].name, first);
    assert_eq!(loaded.report.vms_not_sampled, 1);
    // A window after every row: each file is skipped, counted; none left is an error.
    let late = BitbrainsOptions {
        subset: Subset {
            start_s: Some(4e9),
            ..Subset::default()
        },
        ..BitbrainsOptions::default()
    };
    assert!(load_bitbrains(&files, &late).unwrap().vms.is_empty());

    // Google: a window on record start times. The fixture's records start at 600,
    // 300, 900, 1000, 330 and 1500 s: before 700 s, three (tasks 1-0 and 3-1) are in.
    let google = GoogleOptions {
        subset: Subset {
            end_s: Some(700.0),
            ..Subset::default()
        },
        ..GoogleOptions::default()
    };
    let loaded = load_google_task_usage(&[data("google/part-00000-of-00001.csv")], &google).unwrap();
    assert_eq!(loaded.report.readings_outside_window, 3);
    let names: Vec<&str> = loaded.vms.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["3-1", "1-0"]);
    // Task 1-0's record runs 600–900 s: it leaves at the window's end.
    assert_eq!(loaded.vms[1].departure_s, Some(700.0));
}

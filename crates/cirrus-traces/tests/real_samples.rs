//! Every file of the real-dataset samples loads as published, `.gz` copies
//! included, with hand-computed expectations for at least three VMs per
//! format and the load report's counts.
//!
//! The samples are not copied into the repository: they are read from the
//! folder `shared/traces/real-samples` beside the repository's own folder (or
//! wherever `CIRRUS_REAL_SAMPLES` points). Without them these tests fail,
//! saying where they were looked for.
//!
//! The expected numbers were computed from the raw rows with small scripts
//! independent of this crate (Python 3 and awk; each test says how), not by
//! running the readers.

use std::path::{Path, PathBuf};

use cirrus_traces::{
    AzureDeparture, AzureOptions, BitbrainsOptions, GoogleCapacity, GoogleOptions, LoadedTrace, SwfOptions,
    TracedVm, list_azure_reading_files, list_bitbrains_files, load_azure, load_bitbrains,
    load_google_task_usage, load_swf,
};

/// The samples folder: `$CIRRUS_REAL_SAMPLES`, else `shared/traces/real-samples`
/// beside the repository's folder.
fn samples() -> PathBuf {
    let dir = match std::env::var_os("CIRRUS_REAL_SAMPLES") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/traces/real-samples"),
    };
    assert!(
        dir.is_dir(),
        "the real-dataset samples are not at {} (the folder shared/traces/real-samples next to the \
         repository, or set CIRRUS_REAL_SAMPLES)",
        dir.display()
    );
    dir
}

fn vm<'a>(vms: &'a [TracedVm], name: &str) -> &'a TracedVm {
    vms.iter()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no VM {name}"))
}

fn mean(samples: &[f64]) -> f64 {
    samples.iter().sum::<f64>() / samples.len() as f64
}

#[track_caller]
fn close(a: f64, b: f64) {
    // The float datasets' samples are stored as `f32` (relative rounding at
    // most 2⁻²⁴ ≈ 6·10⁻⁸), so a mean of them agrees to 10⁻⁷ of its size.
    assert!((a - b).abs() <= 1e-7 * b.abs().max(1e-3), "{a} vs {b}");
}

// ---------------------------------------------------------------- Azure

#[test]
fn azure_v1_readings_plain_and_gzip() {
    // The 100 lines are 100 VMs, one reading each at t = 0; the first three lines'
    // VMs and avg cpu (column 5) by `awk -F, 'NR<=3{print $2, $5}'`.
    let dir = samples().join("azure/v1-opendc");
    for name in [
        "vm_cpu_readings-file-1-of-125.csv",
        "vm_cpu_readings-file-1-of-125.csv.gz",
    ] {
        let loaded = load_azure(&[dir.join(name)], None, &AzureOptions::default()).unwrap();
        let r = &loaded.report;
        assert_eq!(
            (r.records_read, r.vms_read, r.files_read),
            (100, 100, 1),
            "{name}"
        );
        assert_eq!(r.gzip_files, u64::from(name.ends_with(".gz")));
        assert_eq!(
            (r.slots_with_duplicates, r.gap_slots_filled, r.readings_clamped),
            (0, 0, 0)
        );
        for (id, avg) in [
            (
                "+ZcrOp5/c/fJ6mVgP5qMZlOAGDwyjaaDNM0WoWOt2IDb47gT0UwK9lFwkPQv3C7Q",
                2.86979,
            ),
            (
                "2zrgeOqUDy+l0GVi5NXudU+3sqZH+nLowfcz+D/JsCymTXbKrRf1Hr3OjAtxjnKm",
                3.254472,
            ),
            (
                "/34Wh1Kq/qkNkW0tQrMiQ1eZ8hg9hHopydCzsXriefhgrn+0Rg1j22k1IHcV6PIQ",
                4.33624,
            ),
        ] {
            let v = vm(&loaded.vms, id);
            // Stored as `f32` (the reader's storage), from the same division.
            assert_eq!(v.utilization.samples(), [f64::from((avg / 100.0) as f32)]);
            assert_eq!((v.arrival_s, v.departure_s), (0.0, Some(300.0)));
            assert_eq!((v.cores, v.ram_mb), (None, None));
        }
    }
    // The folder holds both copies: listed once.
    assert_eq!(
        list_azure_reading_files(&dir, &Default::default()).unwrap().len(),
        1
    );
}

#[test]
fn azure_v1_vmtable_plain_and_gzip() {
    // The sample's readings and vmtable share no VM, so the vmtable is read with a
    // readings file written here: one reading (avg 50 %) per vmtable VM at its creation
    // time. Rows 1–3 and 4 (`awk -F, '{print $4, $5, $10, $11}'`): created 0 / deleted
    // 2591700, 1 core, 1.75 GB; 0 / 1539300, 1, 0.75; 2188800 / 2591700, 1, 1.75;
    // 0 / 2591700, 8, 56. Every row's deletion is more than 600 s after its creation.
    let dir = samples().join("azure/v1-opendc");
    let text = std::fs::read_to_string(dir.join("vmtable.csv")).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 10);
    let tmp = tempfile::tempdir().unwrap();
    let readings = tmp.path().join("vm_cpu_readings-file-1-of-1.csv");
    let lines: String = rows
        .iter()
        .map(|r| format!("{},{},40,60,50\n", r[3], r[0]))
        .collect();
    std::fs::write(&readings, lines).unwrap();
    for name in ["vmtable.csv", "vmtable.csv.gz"] {
        let table = dir.join(name);
        let loaded = load_azure(
            std::slice::from_ref(&readings),
            Some(&table),
            &AzureOptions::default(),
        )
        .unwrap();
        assert_eq!(loaded.report.vms_read, 10);
        assert_eq!(loaded.report.files_read, 2);
        assert_eq!(loaded.report.gzip_files, u64::from(name.ends_with(".gz")));
        // Readings stop at creation + 300 s, long before the deletion: all leave then.
        assert_eq!(loaded.report.vms_leaving_at_last_reading, 10);
        let expected = [
            (0, 0.0, 2591700.0, 1, 1.75),
            (1, 0.0, 1539300.0, 1, 0.75),
            (2, 2188800.0, 2591700.0, 1, 1.75),
            (3, 0.0, 2591700.0, 8, 56.0),
        ];
        for (row, created, _, cores, gb) in expected {
            let v = vm(&loaded.vms, rows[row][0]);
            assert_eq!((v.cores, v.ram_mb), (Some(cores), Some(gb * 1024.0)), "row {row}");
            assert_eq!((v.arrival_s, v.departure_s), (created, Some(created + 300.0)));
            assert_eq!(v.utilization.samples(), [0.5]);
        }
        let options = AzureOptions {
            departure: AzureDeparture::Deletion,
            ..AzureOptions::default()
        };
        let loaded = load_azure(std::slice::from_ref(&readings), Some(&table), &options).unwrap();
        assert_eq!(loaded.report.vms_leaving_at_last_reading, 0);
        for (row, _, deleted, _, _) in expected {
            assert_eq!(vm(&loaded.vms, rows[row][0]).departure_s, Some(deleted));
        }
    }
}

// ---------------------------------------------------------------- Google

/// The real `task_usage` excerpt: 676 records of 676 tasks, all in the window
/// starting at 600 s (one ends at 891 s instead of 900 s). By
/// `awk -F, '{s+=$6} END{printf "%.17g", s/NR}'`: mean CPU rate 0.01986763245562128.
#[test]
fn google_task_usage_absolute_by_default() {
    let path = samples().join("google/task_usage/part-00000-of-00500.csv");
    let loaded = load_google_task_usage(std::slice::from_ref(&path), &GoogleOptions::default()).unwrap();
    let r = &loaded.report;
    assert_eq!((r.records_read, r.vms_read, r.readings_clamped), (676, 676, 0));
    // Every task has one window: its utilisation is its CPU rate over capacity 1.
    let mean_rate = 0.01986763245562128;
    let firsts: Vec<f64> = loaded.vms.iter().map(|v| v.utilization.samples()[0]).collect();
    assert!(loaded.vms.iter().all(|v| v.utilization.samples().len() == 1));
    close(mean(&firsts), mean_rate);
    // Rows 1–3 (`head -3`): task 3418309-0 rate 0.001562, memory 0.06787; 3418309-1
    // 0.001568, 0.06787; 3418314-0 0.0003071, 0.08044; window 600–900 s.
    for (name, cpu, memory) in [
        ("3418309-0", 0.001562, 0.06787),
        ("3418309-1", 0.001568, 0.06787),
        ("3418314-0", 0.0003071, 0.08044),
    ] {
        let v = vm(&loaded.vms, name);
        // Stored as `f32`, the reader's storage.
        let as_stored = |x: f64| f64::from(x as f32);
        assert_eq!(v.utilization.samples(), [as_stored(cpu)]);
        assert_eq!(
            v.memory_utilization.as_ref().unwrap().samples(),
            [as_stored(memory)]
        );
        assert_eq!((v.arrival_s, v.departure_s), (600.0, Some(900.0)));
    }
    // The one short record (`awk -F, '$2!=900000000'`): task 287653404-0 ends at 891 s.
    assert_eq!(vm(&loaded.vms, "287653404-0").departure_s, Some(891.0));

    // Against a machine half the largest: twice the utilisation.
    let half = GoogleOptions {
        cpu_capacity: GoogleCapacity::Fixed(0.5),
        memory_capacity: GoogleCapacity::Fixed(0.5),
        ..GoogleOptions::default()
    };
    let loaded = load_google_task_usage(std::slice::from_ref(&path), &half).unwrap();
    let firsts: Vec<f64> = loaded.vms.iter().map(|v| v.utilization.samples()[0]).collect();
    close(mean(&firsts), mean_rate / 0.5);

    // Relative to each task's peak, as before: every single-window task is at 1
    // except those with rate 0 (`awk -F, '$6==0' | wc -l`: 3).
    let peak = GoogleOptions {
        cpu_capacity: GoogleCapacity::PerTaskPeak,
        ..GoogleOptions::default()
    };
    let loaded = load_google_task_usage(&[path], &peak).unwrap();
    let at_one = loaded
        .vms
        .iter()
        .filter(|v| v.utilization.samples() == [1.0])
        .count();
    assert_eq!(at_one, 673);
}

#[test]
fn google_hand_made_samples_load_or_are_refused_clearly() {
    // CloudSim Plus's task_usage sample: a `#` header line, then 11 records of
    // tasks 1-0 … (`grep -v '^#' | wc -l`); rows 1–2: 10–50 s, rate 0.1.
    let dir = samples().join("google/synthetic-cloudsimplus");
    let loaded =
        load_google_task_usage(&[dir.join("task-usage-sample-1.csv")], &GoogleOptions::default()).unwrap();
    assert_eq!(loaded.report.records_read, 11);
    let v = vm(&loaded.vms, "1-0");
    assert_eq!(v.utilization.samples()[0], f64::from(0.1f32));
    // task_events and machine_events are other tables, not workloads: a clear error.
    for name in ["task-events-sample-1.csv", "machine-events-sample-1.csv"] {
        let path = dir.join(name);
        let err = load_google_task_usage(std::slice::from_ref(&path), &GoogleOptions::default()).unwrap_err();
        assert_eq!((err.path.as_path(), err.line), (path.as_path(), Some(2)), "{err}");
    }
}

// ---------------------------------------------------------------- Bitbrains

/// Expected values per file, by this Python over the raw rows (header skipped,
/// fields split on `;`): `cap` = max provisioned MHz, `cores` of the first row
/// with it, `mem` = max provisioned KB; slot `k = floor((t − t0)/300 + 0.5)`;
/// the last row on a slot wins; missing slots hold; `first`/`last`/`mean` of
/// usage MHz ÷ cap over the slots; `off` = rows more than 30 s from their slot.
///
/// ```text
/// rows=[[float(x) for x in l.split(';')] for l in open(p).readlines()[1:]]
/// t0=rows[0][0]; cap=max(r[2] for r in rows); ...
/// ```
struct Bitbrains {
    file: &'static str,
    rows: u64,
    cores: u32,
    mips: f64,
    ram_mb: f64,
    slots: usize,
    gaps: u64,
    off: u64,
    first: f64,
    last: f64,
    mean: f64,
}

const BITBRAINS: [Bitbrains; 4] = [
    Bitbrains {
        file: "rnd-2013-7/1.csv",
        rows: 8260,
        cores: 2,
        mips: 2925.99945,
        ram_mb: 8192.0,
        slots: 8640,
        gaps: 380,
        off: 7400,
        first: 0.015000000000000001,
        last: 0.12433333333333332,
        mean: 0.11663206180875142,
    },
    Bitbrains {
        file: "rnd-2013-7/3.csv",
        rows: 8254,
        cores: 1,
        mips: 2599.999758,
        ram_mb: 686.47265625,
        slots: 8640,
        gaps: 386,
        off: 7395,
        first: 0.009999998615384486,
        last: 0.009999998615384486,
        mean: 0.009932581459950643,
    },
    Bitbrains {
        file: "rnd-2013-7/9.csv",
        rows: 8260,
        cores: 1,
        mips: 2925.999516,
        ram_mb: 4096.0,
        slots: 8640,
        gaps: 380,
        off: 7400,
        first: 0.23466666666666666,
        last: 0.22199999999999998,
        mean: 0.2350634585579129,
    },
    Bitbrains {
        file: "fastStorage-2013-8/bitbrains.csv",
        rows: 8619,
        cores: 1,
        mips: 2599.999626,
        ram_mb: 2048.0,
        slots: 8641,
        gaps: 22,
        off: 7456,
        first: 0.007333332439230639,
        last: 0.0,
        mean: 0.0028002767407518604,
    },
];

#[test]
fn bitbrains_files_match_a_hand_computation() {
    let dir = samples().join("bitbrains");
    for e in &BITBRAINS {
        let path = dir.join(e.file);
        let loaded = load_bitbrains(std::slice::from_ref(&path), &BitbrainsOptions::default()).unwrap();
        let r = &loaded.report;
        assert_eq!(r.records_read, e.rows, "{}", e.file);
        assert_eq!(
            (r.gap_slots_filled, r.off_grid_readings),
            (e.gaps, e.off),
            "{}",
            e.file
        );
        // None of the samples has duplicates, zero rows or usage above provisioned.
        assert_eq!(r.slots_with_duplicates + r.zero_rows_absent + r.zero_rows_off, 0);
        assert_eq!(r.readings_above_capacity, 0);
        let v = &loaded.vms[0];
        assert_eq!(
            (v.cores, v.mips_per_core, v.ram_mb),
            (Some(e.cores), Some(e.mips), Some(e.ram_mb))
        );
        let s = v.utilization.samples();
        assert_eq!(s.len(), e.slots, "{}", e.file);
        // Stored as `f32`: the hand computation rounded the same way.
        let as_stored = |x: f64| f64::from(x as f32);
        assert_eq!(
            (s[0], s[s.len() - 1]),
            (as_stored(e.first), as_stored(e.last)),
            "{}",
            e.file
        );
        close(mean(&s), e.mean);
        assert_eq!((v.arrival_s, v.departure_s), (0.0, Some(e.slots as f64 * 300.0)));
    }
}

#[test]
fn bitbrains_rnd_month_sample_loads_whole() {
    // The ten Rnd files as one folder, in numeric order; every VM starts at the
    // month's first timestamp (1372629804 for all ten).
    let files = list_bitbrains_files(&samples().join("bitbrains/rnd-2013-7"), &Default::default()).unwrap();
    let loaded = load_bitbrains(&files, &BitbrainsOptions::default()).unwrap();
    let names: Vec<&str> = loaded.vms.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    // Rows per file by `wc -l` less the header: 8260 8262 8254 8253 8262 8262 8262
    // 8253 8260 8249.
    assert_eq!(loaded.report.records_read, 82577);
    assert_eq!(loaded.report.vms_read, 10);
    assert!(loaded.vms.iter().all(|v| v.arrival_s == 0.0));
}

// ---------------------------------------------------------------- SWF

/// Jobs as (number, arrival s, departure s, cores, utilisation), by this Python
/// over the job lines (`;` lines skipped): arrival = submit + wait (wait −1: submit),
/// run time 0 → 0.25 s, cores = allocated (else requested), utilisation = CPU
/// time ÷ run time (−1: 1).
type Job = (&'static str, f64, f64, u32, f64);

fn check_swf(loaded: &LoadedTrace, jobs: &[Job]) {
    for &(name, arrival, departure, cores, utilisation) in jobs {
        let v = vm(&loaded.vms, name);
        assert_eq!(
            (v.arrival_s, v.departure_s, v.cores),
            (arrival, Some(departure), Some(cores)),
            "job {name}"
        );
        close(v.utilization.samples()[0], utilisation);
        assert_eq!(v.ram_mb, None, "no memory recorded");
    }
}

#[test]
fn swf_logs_plain_and_gzip() {
    let dir = samples().join("swf");
    // CTC-SP2 excerpt, 5 jobs; job 1: submit 0 + wait 588530, run 937, 306 procs,
    // CPU 142 → 142/937.
    let ctc = load_swf(
        &dir.join("CTC-SP2-1996-3.1-cln-excerpt.swf"),
        &SwfOptions::default(),
    )
    .unwrap();
    assert_eq!((ctc.report.records_read, ctc.report.vms_read), (5, 5));
    check_swf(
        &ctc,
        &[
            ("1", 588530.0, 589467.0, 306, 142.0 / 937.0),
            ("2", 521059.0, 521134.0, 17, 2.0 / 75.0),
            ("3", 657141.0, 692409.0, 306, 32792.0 / 35268.0),
        ],
    );
    // NASA iPSC/860: 18239 jobs, 173 with run time 0 (`awk '!/^;/ && $4==0'`), all
    // kept; the gzip copy is the same log.
    let nasa_jobs = [
        ("1", 0.0, 1451.0, 128, 1.0),
        ("2", 1460.0, 5186.0, 128, 1.0),
        ("3", 5198.0, 6265.0, 128, 1.0),
    ];
    for name in ["NASA-iPSC-1993-3.1-cln.swf", "NASA-iPSC-1993-3.1-cln.swf.gz"] {
        let nasa = load_swf(&dir.join(name), &SwfOptions::default()).unwrap();
        let r = &nasa.report;
        assert_eq!(
            (r.records_read, r.vms_read, r.zero_runtime_jobs_kept),
            (18239, 18239, 173)
        );
        assert_eq!(r.gzip_files, u64::from(name.ends_with(".gz")));
        check_swf(&nasa, &nasa_jobs);
    }
    let skip = SwfOptions {
        skip_zero_run_time: true,
        ..SwfOptions::default()
    };
    let nasa = load_swf(&dir.join("NASA-iPSC-1993-3.1-cln.swf"), &skip).unwrap();
    assert_eq!(
        (nasa.report.vms_read, nasa.report.vms_skipped_total()),
        (18066, 173)
    );
    // LCG 2005: the first 20000 lines (19812 jobs, none of run time 0) and the whole
    // published log (188041 jobs, 521 of run time 0), gzip-compressed.
    let lcg_jobs = [
        ("1", 0.0, 83.0, 1, 1.0),
        ("2", 3.0, 3614.0, 1, 1.0),
        ("3", 12.0, 217.0, 1, 1.0),
    ];
    let part = load_swf(
        &dir.join("LCG-2005-1-first20000lines.swf"),
        &SwfOptions::default(),
    )
    .unwrap();
    assert_eq!(
        (part.report.vms_read, part.report.zero_runtime_jobs_kept),
        (19812, 0)
    );
    check_swf(&part, &lcg_jobs);
    let whole = load_swf(&dir.join("LCG-2005-1.swf.gz"), &SwfOptions::default()).unwrap();
    assert_eq!(
        (whole.report.vms_read, whole.report.zero_runtime_jobs_kept),
        (188041, 521)
    );
    check_swf(&whole, &lcg_jobs);
}

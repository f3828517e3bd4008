//! The formats are interchangeable behind `WorkloadTrace`, PlanetLab included
//! through its adapter.

mod common;

use cirrus_traces::{
    AzureOptions, AzureTrace, BitbrainsOptions, BitbrainsTrace, GoogleOptions, GoogleTrace, PlanetLabOptions,
    PlanetLabTrace, SwfOptions, SwfTrace, TraceLimits, TracedVm, WorkloadTrace, list_bitbrains_files,
    read_planetlab, rebase,
};
use common::{assert_sane, data, files};

#[test]
fn every_format_reads_through_the_trait() {
    let (_day, paths) = files(&[("b", b"10\n20\n"), ("a", b"100\n")]);
    let day = paths[0].parent().unwrap().to_path_buf();
    let traces: Vec<(Box<dyn WorkloadTrace>, usize)> = vec![
        (
            Box::new(PlanetLabTrace {
                dir: day.clone(),
                order: None,
                options: PlanetLabOptions::default(),
            }),
            2,
        ),
        (
            Box::new(AzureTrace {
                readings: vec![data("azure/vm_cpu_readings-file-1-of-2.csv")],
                vmtable: None,
                options: AzureOptions::default(),
            }),
            2,
        ),
        (
            Box::new(GoogleTrace {
                files: vec![data("google/part-00000-of-00001.csv")],
                options: GoogleOptions::default(),
            }),
            2,
        ),
        (
            Box::new(BitbrainsTrace {
                files: list_bitbrains_files(&data("bitbrains"), &TraceLimits::default()).unwrap(),
                options: BitbrainsOptions::default(),
            }),
            2,
        ),
        (
            Box::new(SwfTrace {
                path: data("swf/tiny.swf"),
                options: SwfOptions::default(),
            }),
            4,
        ),
    ];
    for (trace, count) in &traces {
        let vms = trace.read().unwrap();
        assert_sane(&vms);
        assert_eq!(vms.len(), *count);
        let loaded = trace.load().unwrap();
        assert_eq!(loaded.vms, vms);
        assert_eq!(loaded.report.vms_read, *count as u64);
    }

    // The PlanetLab adapter: the same traces, arriving at 0, never leaving.
    let vms = traces[0].0.read().unwrap();
    let plain = read_planetlab(&day, None).unwrap();
    assert_eq!(vms, plain.into_iter().map(TracedVm::from).collect::<Vec<_>>());
    assert_eq!(vms[0].name, "a");
    assert_eq!(
        (vms[1].arrival_s, vms[1].departure_s, vms[1].cores),
        (0.0, None, None)
    );
    assert_eq!(vms[1].utilization.samples(), [0.1, 0.2]);
}

#[test]
fn rebase_shifts_a_trace_to_start_at_zero() {
    let trace = SwfTrace {
        path: data("swf/tiny.swf"),
        options: SwfOptions::default(),
    };
    let mut vms = trace.read().unwrap();
    assert_eq!(rebase(&mut vms), 5.0);
    assert_eq!(
        vms.iter().map(|v| v.arrival_s).collect::<Vec<_>>(),
        [0.0, 5.0, 15.0, 25.0]
    );
    assert_eq!(vms[0].departure_s, Some(200.0));
}

//! Gzip-compressed trace files read as published: every reader decompresses
//! a file that starts with the gzip magic bytes, whatever its name, and gives
//! the same VMs as from the plain file; errors name lines of the decompressed
//! text; corrupt or truncated data is an error, not a panic.

mod common;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use cirrus_traces::{
    AzureOptions, BitbrainsOptions, GoogleOptions, SwfOptions, list_azure_reading_files,
    list_bitbrains_files, list_google_task_usage_files, read_azure, read_bitbrains, read_failure_trace,
    read_google_task_usage, read_planetlab, read_swf,
};
use common::data;
use flate2::Compression;
use flate2::write::GzEncoder;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Writes the gzip of `from` to `dir/name` and returns the path.
fn gzip_to(from: &Path, dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    fs::write(&to, gzip(&fs::read(from).unwrap())).unwrap();
    to
}

#[test]
fn every_format_reads_gzip_like_plain_text_by_magic_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // Azure: readings and vmtable, one named .gz and one not (detected by content).
    let plain_readings = list_azure_reading_files(&data("azure"), &Default::default()).unwrap();
    let gz_readings: Vec<PathBuf> = plain_readings
        .iter()
        .map(|p| {
            let name = format!("{}.gz", p.file_name().unwrap().to_str().unwrap());
            gzip_to(p, d, &name)
        })
        .collect();
    let vmtable = gzip_to(&data("azure/vmtable.csv"), d, "vmtable.csv");
    let options = AzureOptions::default();
    let want = read_azure(&plain_readings, Some(&data("azure/vmtable.csv")), &options).unwrap();
    assert_eq!(read_azure(&gz_readings, Some(&vmtable), &options).unwrap(), want);
    // The folder listing takes `.csv.gz` files, in the same order.
    let listed = list_azure_reading_files(d, &Default::default()).unwrap();
    assert_eq!(listed, gz_readings);

    // Google.
    let g = tempfile::tempdir().unwrap();
    let plain = data("google/part-00000-of-00001.csv");
    let gz = gzip_to(&plain, g.path(), "part-00000-of-00001.csv.gz");
    let options = GoogleOptions::default();
    assert_eq!(
        read_google_task_usage(std::slice::from_ref(&gz), &options).unwrap(),
        read_google_task_usage(&[plain], &options).unwrap()
    );
    assert_eq!(
        list_google_task_usage_files(g.path(), &Default::default()).unwrap(),
        [gz]
    );

    // Bitbrains: the VM is named after the file without `.csv.gz`.
    let b = tempfile::tempdir().unwrap();
    let plain = list_bitbrains_files(&data("bitbrains"), &Default::default()).unwrap();
    for p in &plain {
        let name = format!("{}.gz", p.file_name().unwrap().to_str().unwrap());
        gzip_to(p, b.path(), &name);
    }
    let gz = list_bitbrains_files(b.path(), &Default::default()).unwrap();
    assert_eq!(gz.len(), plain.len());
    let options = BitbrainsOptions::default();
    assert_eq!(
        read_bitbrains(&gz, &options).unwrap(),
        read_bitbrains(&plain, &options).unwrap()
    );

    // SWF, named without .gz.
    let plain = data("swf/tiny.swf");
    let gz = gzip_to(&plain, d, "tiny.swf");
    let options = SwfOptions::default();
    assert_eq!(
        read_swf(&gz, &options).unwrap(),
        read_swf(&plain, &options).unwrap()
    );

    // PlanetLab: a day with one compressed file among plain ones.
    let p = tempfile::tempdir().unwrap();
    fs::write(p.path().join("a"), b"10\n20\n").unwrap();
    fs::write(p.path().join("b"), gzip(b"30\n40\n")).unwrap();
    let traces = read_planetlab(p.path(), None).unwrap();
    assert_eq!(traces[1].samples(), [0.3, 0.4]);

    // Failure traces.
    let f = d.join("failures.gz");
    fs::write(&f, gzip(b"host,start_s,end_s,kind\n0,100,200,crash\n")).unwrap();
    assert_eq!(read_failure_trace(&f, 1).unwrap().len(), 1);
}

#[test]
fn concatenated_gzip_members_are_all_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read(data("swf/tiny.swf")).unwrap();
    let cut = text.iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut two = gzip(&text[..cut]);
    two.extend(gzip(&text[cut..]));
    let path = dir.path().join("two.swf.gz");
    fs::write(&path, two).unwrap();
    let options = SwfOptions::default();
    assert_eq!(
        read_swf(&path, &options).unwrap(),
        read_swf(&data("swf/tiny.swf"), &options).unwrap()
    );
}

#[test]
fn errors_in_gzip_files_name_the_decompressed_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vm_cpu_readings-file-1-of-1.csv.gz");
    fs::write(&path, gzip(b"0,a,1,2,3\n300,a,1,2,3\n600,a,1,x,3\n")).unwrap();
    let err = read_azure(std::slice::from_ref(&path), None, &AzureOptions::default()).unwrap_err();
    assert_eq!(err.path, path);
    assert_eq!(err.line, Some(3), "{err}");
    assert!(err.message.contains("max cpu"), "{err}");
}

/// Damaged copies of the gzip of `text`, named.
fn damaged(text: &str) -> Vec<(&'static str, Vec<u8>)> {
    let whole = gzip(text.as_bytes());
    vec![
        ("truncated", whole[..whole.len() / 2].to_vec()),
        ("no trailer", whole[..whole.len() - 4].to_vec()),
        ("magic only", vec![0x1f, 0x8b]),
        ("garbage after the header", {
            let mut g = whole[..10].to_vec();
            g.extend((0..500u32).map(|i| (i * 7919 % 251) as u8));
            g
        }),
        ("bad checksum", {
            let mut g = whole.clone();
            let n = g.len();
            g[n - 8] ^= 0xff;
            g
        }),
    ]
}

#[test]
fn corrupt_and_truncated_gzip_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vm_cpu_readings-file-1-of-1.csv");
    let readings: String = (0..2000)
        .map(|i| format!("{},vm{},1,2,{}\n", i / 100 * 300, i % 100, i % 50))
        .collect();
    let swf: String = (1..2000)
        .map(|i| format!("{i} {i} 0 100 4 50 1024 4 200 2048 1 1 1 1 1 1 -1 -1\n"))
        .collect();
    let planetlab = "50\n".repeat(5000);
    type Reader = Box<dyn Fn(&Path) -> cirrus_traces::TraceFileError>;
    let readers: [(&str, &String, Reader); 3] = [
        (
            "azure",
            &readings,
            Box::new(|p: &Path| read_azure(&[p.to_path_buf()], None, &AzureOptions::default()).unwrap_err()),
        ),
        (
            "swf",
            &swf,
            Box::new(|p: &Path| read_swf(p, &SwfOptions::default()).unwrap_err()),
        ),
        (
            "planetlab",
            &planetlab,
            Box::new(|p: &Path| read_planetlab(p.parent().unwrap(), None).unwrap_err()),
        ),
    ];
    for (format, text, read) in &readers {
        for (what, bytes) in damaged(text) {
            fs::write(&path, &bytes).unwrap();
            let err = read(&path);
            assert_eq!(err.path, path, "{format} {what}");
            assert!(err.message.contains("gzip"), "{format} {what}: {err}");
            assert!(
                err.message.contains("corrupt or truncated"),
                "{format} {what}: {err}"
            );
        }
    }
}

#[test]
fn the_size_limit_applies_to_decompressed_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.swf.gz");
    let text = fs::read(data("swf/tiny.swf")).unwrap();
    fs::write(&path, gzip(&text)).unwrap();
    let mut options = SwfOptions::default();
    options.limits.max_file_bytes = (text.len() - 1) as u64;
    let err = read_swf(&path, &options).unwrap_err();
    assert!(err.message.contains("max_file_bytes"), "{err}");
}

#[test]
fn a_gz_next_to_its_decompressed_copy_is_listed_once() {
    let dir = tempfile::tempdir().unwrap();
    let plain = data("bitbrains/1.csv");
    fs::copy(&plain, dir.path().join("1.csv")).unwrap();
    gzip_to(&plain, dir.path(), "1.csv.gz");
    gzip_to(&data("bitbrains/2.csv"), dir.path(), "2.csv.gz");
    let listed = list_bitbrains_files(dir.path(), &Default::default()).unwrap();
    let names: Vec<&str> = listed
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap())
        .collect();
    assert_eq!(names, ["1.csv", "2.csv.gz"]);
}

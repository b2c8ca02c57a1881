//! What the benchmarks in `benches/` share: a line that names the machine, and writing their
//! section of `BENCHMARKS.md` in place.

use std::path::Path;

/// "N cores, CPU model", as the benchmark results name the machine.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .map(|line| line.split(':').nth(1).unwrap_or_default().trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}")
}

/// Replaces the section of `BENCHMARKS.md` that starts with `heading` (a `## ` line) by
/// `section`, or adds it at the end.
pub fn write_section(heading: &str, section: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../BENCHMARKS.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| "# Benchmarks\n".into());
    let kept = match text.find(heading) {
        Some(start) => {
            let rest = &text[start + 3..];
            let end = rest.find("\n## ").map_or(text.len(), |i| start + 3 + i + 1);
            format!("{}{}", &text[..start], &text[end..])
        }
        None => text,
    };
    let updated = format!("{}\n\n{}\n", kept.trim_end(), section.trim_end());
    std::fs::write(&path, updated).expect("BENCHMARKS.md is writable");
    println!("{section}");
}

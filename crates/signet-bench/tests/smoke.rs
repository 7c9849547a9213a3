//! The harness's smoke mode, as CI runs it: every part (1 to 4) for a few seconds with tiny
//! counts, through the real binary (part 4 starts the server as this binary's child). No
//! timing is asserted: this proves the harness builds, runs and reports.

use std::process::Command;

#[test]
fn the_smoke_run_measures_every_part_and_prints_its_table() {
    let output = Command::new(env!("CARGO_BIN_EXE_signet-bench"))
        .arg("--smoke")
        .output()
        .expect("signet-bench starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "signet-bench --smoke failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    for part in 1..=4 {
        assert!(
            stdout.contains(&format!("\n| {part} | ")),
            "no row of part {part} in:\n{stdout}"
        );
    }
    assert!(stdout.contains("mode smoke"), "{stdout}");
}

#[test]
fn the_wake_up_smoke_run_delivers_to_its_receiver_and_prints_its_figures() {
    let output = Command::new(env!("CARGO_BIN_EXE_signet-bench"))
        .args(["--smoke", "wake-ups"])
        .output()
        .expect("signet-bench starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "signet-bench --smoke wake-ups failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("Web Push receiver has the wake-up"),
        "{stdout}"
    );
}

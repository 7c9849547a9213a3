//! `signet-cli`: a headless device for testers and scripts.

fn main() {
    eprintln!("signet-cli: not built yet (see the issue \"The device core\")");
    std::process::exit(2);
}

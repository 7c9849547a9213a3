//! The `signet-server` binary.

fn main() {
    eprintln!("signet-server: not built yet (see the issue \"Authsignal-compatible push server\")");
    std::process::exit(2);
}

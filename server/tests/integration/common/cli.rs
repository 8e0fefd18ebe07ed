//! The `tessera` binary, run as an operator runs it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `tessera ARGS` on `database_url` with `stdin` as its input, and waits for it.
pub fn tessera(database_url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tessera"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

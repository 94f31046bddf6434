//! Input the tool refuses before any check: a subcommand without its argument (`explain`
//! without an ID, `rbac` without values), a file name with escapes (shown escaped), and a
//! process started with almost no file descriptors (an internal error, one line).

use std::process::Command;

use libtest_mimic::Failed;

use crate::tool;

pub(super) fn explain_without_id() -> Result<(), Failed> {
    let dir = tool::scratch("explain-no-id");
    tool::input_error(
        &tool::run(&dir, ["explain"]),
        "the following required arguments were not provided: <ID>",
    )
}

pub(super) fn rbac_needs_values() -> Result<(), Failed> {
    let dir = tool::scratch("rbac-no-values");
    tool::input_error(
        &tool::run(&dir, ["rbac"]),
        "the following required arguments were not provided: --values <FILE>",
    )
}

/// A process started with almost no file descriptors cannot start its runtime: not the user's
/// input, so exit 1 (internal), one line, no trace, no report.
pub(super) fn no_file_descriptor_left() -> Result<(), Failed> {
    use std::os::unix::process::CommandExt;
    let dir = tool::scratch("no-fds");
    std::fs::write(
        dir.join("values.yaml"),
        "glooMgmtServer: {enabled: true}\nredis: {address: \"127.0.0.1:1\"}\n",
    )
    .map_err(|e| e.to_string())?;
    let mut command = Command::new(env!("CARGO_BIN_EXE_redis-preflight"));
    command
        .args(["run", "-f", "values.yaml"])
        .current_dir(&dir)
        .env("NO_COLOR", "1");
    // stdin, stdout, stderr and two more: enough for the dynamic loader, not for the runtime's
    // poller and waker.
    let limit = libc::rlimit {
        rlim_cur: 5,
        rlim_max: 5,
    };
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(move || {
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let out = command.output().map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(1)
        || stderr.lines().count() != 1
        || !stderr.starts_with("error: internal error: cannot start the async runtime: ")
        || !out.stdout.is_empty()
    {
        return Err(format!(
            "expected exit 1 and one line naming the runtime, got {:?}: {stderr:?}",
            out.status.code()
        )
        .into());
    }
    Ok(())
}

/// An input error names the file as text: escapes in its name cannot act on the terminal.
pub(super) fn file_name_with_escapes() -> Result<(), Failed> {
    let dir = tool::scratch("escaped-name");
    std::fs::write(dir.join("x\u{1b}[2Jy.yaml"), "redis: [\n").map_err(|e| e.to_string())?;
    for flag in ["-f", "--secrets", "--facts"] {
        let out = tool::run(&dir, ["run", flag, "x\u{1b}[2Jy.yaml"]);
        if out.stderr.contains(&0x1b) {
            return Err(format!("{flag}: a raw escape reached stderr").into());
        }
        tool::input_error(&out, "x\\x1b[2Jy.yaml: ")?;
    }
    Ok(())
}

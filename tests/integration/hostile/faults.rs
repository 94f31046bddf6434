//! Stand-ins whose connection fails mid-conversation: a byte a second, an error then a close,
//! a close at accept, a reset in the middle of a reply, silence after the login or during the
//! latency pings, LOADING, MOVED and errors to the multi-key probe. Each is named as what it is
//! (a timeout, a broken path, a refusal), not as "not Redis".

use libtest_mimic::Failed;

use super::run::against;

pub(super) fn drip() -> Result<(), Failed> {
    let (run, ..) = against("drip", &[])?;
    run.expect("auth.login", "fail", "no answer within readTimeout 1s")?;
    run.exit(3)
}

pub(super) fn error_close() -> Result<(), Failed> {
    // The same diagnosis every time, not "not a Redis server" on some runs.
    for _ in 0..5 {
        let (run, ..) = against("error-close", &[])?;
        run.expect(
            "redis.capacity",
            "fail",
            "every client slot is taken (ERR max number of clients reached)",
        )?;
        run.expect("auth.login", "unknown", "every client slot is taken")?;
        run.exit(3)?;
    }
    Ok(())
}

pub(super) fn loading() -> Result<(), Failed> {
    let (run, ..) = against("loading", &[])?;
    run.expect(
        "auth.login",
        "unknown",
        "loading its dataset into memory and answers nothing else yet (LOADING",
    )?;
    run.exit(4)
}

pub(super) fn accept_close() -> Result<(), Failed> {
    let (run, ..) = against("accept-close", &[])?;
    run.expect("auth.login", "fail", "did not answer as a Redis server")?;
    run.expect("redis.role", "skip", "auth.login failed")?;
    run.exit(3)
}

pub(super) fn silent_reads() -> Result<(), Failed> {
    // PING and HELLO answered, then silence: each read costs its readTimeout (1s), is unknown
    // naming the timeout, and nothing passes on what was never read.
    let (run, ..) = against("silent-reads", &[])?;
    run.expect("auth.login", "warn", "without credentials")?;
    run.expect(
        "redis.capacity",
        "unknown",
        "INFO got no answer within readTimeout 1s",
    )?;
    run.expect(
        "redis.noeviction",
        "unknown",
        "no answer within readTimeout 1s",
    )?;
    run.expect("redis.latency", "fail", "got no answer within 1s")?;
    run.exit(3)
}

pub(super) fn reset() -> Result<(), Failed> {
    // PING answered, then a reset in the middle of the HELLO reply: a broken path, not a
    // proxy refusing HELLO, so nothing fails for a proxy and the reads are unknown saying so.
    let (run, ..) = against("reset", &[])?;
    run.expect(
        "redis.multikey",
        "unknown",
        "the connection was cut in the middle of a reply",
    )?;
    run.expect(
        "redis.capacity",
        "unknown",
        "the connection was cut in the middle of a reply: a network fault",
    )?;
    if run.get("redis.capacity")?.message.contains("proxy") {
        return Err("redis.capacity blames a proxy for a reset".into());
    }
    run.exit(4)
}

pub(super) fn silent_pings() -> Result<(), Failed> {
    let (run, ..) = against("silent-pings", &[])?;
    run.expect(
        "redis.latency",
        "fail",
        "of the latency series got no answer within 1s",
    )?;
    run.exit(3)
}

pub(super) fn moved() -> Result<(), Failed> {
    let (run, ..) = against("moved", &[])?;
    run.expect(
        "redis.multikey",
        "fail",
        "was answered MOVED 866 127.0.0.1:7000: the keys live on different nodes",
    )?;
    run.expect(
        "redis.capacity",
        "unknown",
        "INFO was refused (MOVED 866 127.0.0.1:7000: the key lives on another node",
    )?;
    run.exit(3)
}

pub(super) fn multikey_errors() -> Result<(), Failed> {
    let (run, ..) = against("errors", &[])?;
    run.expect(
        "redis.multikey",
        "unknown",
        "was refused (ERR this command is not served here); multi-key support could not be tested",
    )?;
    Ok(())
}

use crate::check::{Check, Meta, Subject, Verdict};
use crate::facts::{Observed, Session, WriteKind};
use reports::Outcome;

crate::check! {
    /// ## What it checks
    /// `INFO persistence` shows no failing save: it fails on `aof_last_write_status:err`, and on
    /// `rdb_last_bgsave_status:err` while save points are set (`CONFIG GET save`) and
    /// `stop-writes-on-bgsave-error` is `yes` (the default). For the `extauth` target it warns
    /// when neither RDB save points nor AOF are on (read with CONFIG). While the server is
    /// `loading:1` the outcome is `unknown`. A write check (`auth.write`) that meets `MISCONF`
    /// fails it too, even where INFO or CONFIG is refused; the message then says that PING is
    /// refused as well, so go-redis fails at its first PING.
    ///
    /// ## Why Gloo needs it
    /// When a background save or an AOF write fails (disk full, a lost volume, permissions, no
    /// memory to fork), Redis refuses every write with `MISCONF`: the management server cannot
    /// write its snapshot, the rate limiter fails every call, ext auth cannot store sessions.
    /// The add-ons' API keys live only in their Redis: an instance that persists nothing loses
    /// them at its next restart.
    ///
    /// ## How to fix
    /// Read the server's log for the save error, free or grow the disk (or the PVC) under
    /// `dir`, fix its permissions, or give Redis memory to fork; `BGSAVE` then clears the
    /// status. For `extauth`, turn on RDB save points or `appendonly yes`.
    ///
    /// ## On managed services
    /// ElastiCache and Memorystore block CONFIG and manage persistence themselves: the save
    /// points cannot be read, so a failing RDB status is `unknown` there and the `extauth`
    /// warning is not given. Verify backups and persistence (AOF, RDB snapshots) in the
    /// provider's console.
    RedisPersistence {
        id: "redis.persistence",
        title: "no failing RDB save or AOF write",
        scope: Target,
        phase: Session,
        requires: ["auth.login"],
        config: ["save", "appendonly", "stop-writes-on-bgsave-error"],
    }
}

impl Check for RedisPersistence {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn judge(&self, subject: Subject<'_>) -> Verdict {
        let t = subject.target();
        let Observed::Ok { value: s } = &t.session else {
            return Verdict::skip("no Redis session");
        };
        let v = from_info(t, s);
        // A write that met MISCONF settles it, whatever INFO and CONFIG could tell.
        let Some(misconf) = s.write_access.ok().and_then(|w| w.met(WriteKind::Misconf)) else {
            return v;
        };
        let seen = format!(
            "a zero-effect {} met MISCONF: Redis refuses every write, and PING too, so go-redis fails at its first PING",
            misconf.command
        );
        let v = v.with("write_reply", misconf.reply.describe());
        if v.outcome == Outcome::Fail {
            return Verdict {
                message: format!("{}; {seen}", v.message),
                ..v
            };
        }
        Verdict {
            outcome: Outcome::Fail,
            message: format!(
                "the server cannot persist: {seen} ({}); expected writes to be accepted",
                misconf.reply.brief()
            ),
            ..v
        }
        .fix("read the server log for the failing save or AOF write, free or grow the disk under dir and fix its permissions (or give Redis memory to fork); a successful BGSAVE then clears it")
    }
}

fn from_info(t: &crate::facts::TargetFacts, s: &Session) -> Verdict {
        if s.info.ok().is_none() {
            return Verdict::unknown(format!(
                "INFO persistence could not be read ({}); verify by hand that the last save and AOF write succeeded",
                s.info.problem().unwrap_or("no answer")
            ))
            .fix("grant the preflight's user INFO (+info), or check persistence in the provider's console");
        }
        let field = |k: &str| s.info_field(k);
        // An INFO without its persistence section (a proxy, a trimmed managed INFO) tells
        // nothing: never a pass on it.
        if field("rdb_last_bgsave_status").is_none() && field("aof_last_write_status").is_none() {
            return Verdict::unknown(
                "INFO has no persistence section (neither rdb_last_bgsave_status nor aof_last_write_status); verify by hand that the last save and AOF write succeeded",
            )
            .fix("run INFO persistence against the server yourself, or check backups and persistence in the provider's console");
        }
        let config = |k: &str| s.config.get(k).and_then(|o| o.ok()).map(String::as_str);
        let rdb = field("rdb_last_bgsave_status").unwrap_or("unknown");
        let aof_write = field("aof_last_write_status").unwrap_or("unknown");
        let aof_on = field("aof_enabled") == Some("1") || config("appendonly") == Some("yes");
        let save = config("save");
        let evidence = |v: Verdict| {
            let v = v
                .with("rdb_last_bgsave_status", rdb)
                .with("aof_enabled", aof_on)
                .with("aof_last_write_status", aof_write);
            match save {
                Some(points) => v.with("save", points),
                None => v.with("save", "unreadable (CONFIG refused)"),
            }
        };
        if field("loading") == Some("1") {
            return evidence(Verdict::unknown(
                "the server is loading its dataset (loading:1); persistence and writes cannot be judged until it finishes",
            ))
            .fix("run the preflight again when the load has finished");
        }
        if aof_write == "err" {
            return evidence(Verdict::fail(
                "aof_last_write_status is err: Redis refuses every write with MISCONF, so Gloo cannot write its snapshot, sessions or counters; expected ok",
            ))
            .fix("read the server log for the AOF write error, free or grow the disk under dir and fix its permissions");
        }
        if rdb == "err" {
            let stop_writes = config("stop-writes-on-bgsave-error");
            return evidence(match (save, stop_writes) {
                (Some(points), Some("no")) if !points.is_empty() => Verdict::warn(format!(
                    "rdb_last_bgsave_status is err with save points \"{points}\", and stop-writes-on-bgsave-error is no: writes go on but are not saved; expected ok"
                ))
                .fix("read the server log for the BGSAVE error, free or grow the disk under dir and fix its permissions"),
                (Some(points), _) if !points.is_empty() => Verdict::fail(format!(
                    "rdb_last_bgsave_status is err with save points \"{points}\": Redis refuses every write with MISCONF, so Gloo cannot write its snapshot, sessions or counters; expected ok"
                ))
                .fix("read the server log for the BGSAVE error, free or grow the disk under dir and fix its permissions (or give Redis memory to fork); BGSAVE then clears the status"),
                (Some(_), _) => Verdict::warn(
                    "rdb_last_bgsave_status is err, but no save points are set, so writes go on; a manual BGSAVE failed; expected ok",
                )
                .fix("read the server log for the BGSAVE error and fix the disk under dir"),
                (None, _) => Verdict::unknown(format!(
                    "rdb_last_bgsave_status is err, and the save points could not be read ({}): verify by hand whether writes get MISCONF",
                    s.config.get("save").and_then(|o| o.problem()).unwrap_or("not read")
                ))
                .fix("check the backup and persistence status in the provider's console"),
            });
        }
        if t.use_case() == Some(crate::UseCase::Extauth)
            && let Some(points) = save
            && points.is_empty()
            && !aof_on
        {
            return evidence(Verdict::warn(
                "neither RDB save points nor AOF are on: the add-ons' API keys live only in this Redis and are lost at its next restart; expected save points or appendonly yes",
            ))
            .fix("set save points (e.g. save 3600 1 300 100) or appendonly yes on the ext auth Redis");
        }
        evidence(Verdict::pass(format!(
            "the last RDB save is {rdb} and the last AOF write is {aof_write}"
        )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::TargetFacts;
    use crate::testing::{healthy_target, refused, session, set_info};
    use reports::Outcome;

    fn judge(t: &TargetFacts) -> Verdict {
        crate::testing::judge(&RedisPersistence, t)
    }

    fn config(t: &mut TargetFacts, k: &str, v: Observed<String>) {
        session(t).config.insert(k.into(), v);
    }

    fn ok(v: &str) -> Observed<String> {
        Observed::Ok { value: v.into() }
    }

    #[test]
    fn a_failing_save_with_save_points_fails() {
        let mut t = healthy_target("snapshot");
        assert_eq!(judge(&t).outcome, Outcome::Pass);
        set_info(&mut t, "rdb_last_bgsave_status", Some("err"));
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.message.contains("MISCONF"), "{}", v.message);
        assert_eq!(v.evidence["rdb_last_bgsave_status"], "err");
        config(&mut t, "stop-writes-on-bgsave-error", ok("no"));
        assert_eq!(judge(&t).outcome, Outcome::Warn);
        config(&mut t, "save", ok(""));
        assert_eq!(judge(&t).outcome, Outcome::Warn, "no save points: writes go on");
        config(&mut t, "save", refused("config|get"));
        assert_eq!(judge(&t).outcome, Outcome::Unknown, "managed: never a false fail");
    }

    #[test]
    fn a_write_that_meets_misconf_fails_even_where_info_and_config_are_refused() {
        let misconf = |t: &mut TargetFacts| {
            crate::testing::set_writes(
                t,
                WriteKind::Misconf,
                "MISCONF",
                "Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
            )
        };
        let mut t = healthy_target("snapshot");
        set_info(&mut t, "rdb_last_bgsave_status", Some("err"));
        misconf(&mut t);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.message.contains("a zero-effect SET met MISCONF: Redis refuses every write, and PING too, so go-redis fails at its first PING"),
            "{}",
            v.message
        );
        let mut managed = healthy_target("snapshot");
        misconf(&mut managed);
        session(&mut managed).info = refused("info");
        let v = judge(&managed);
        assert_eq!(v.outcome, Outcome::Fail, "{}", v.message);
        assert!(v.message.starts_with("the server cannot persist"), "{}", v.message);
    }

    #[test]
    fn a_failing_aof_write_fails_and_loading_is_unknown() {
        let mut t = healthy_target("snapshot");
        set_info(&mut t, "aof_last_write_status", Some("err"));
        assert_eq!(judge(&t).outcome, Outcome::Fail);
        set_info(&mut t, "loading", Some("1"));
        assert_eq!(judge(&t).outcome, Outcome::Unknown);
        session(&mut t).info = refused("info");
        assert_eq!(judge(&t).outcome, Outcome::Unknown);
    }

    #[test]
    fn an_info_without_its_persistence_section_is_unknown_never_a_pass() {
        let mut t = healthy_target("snapshot");
        set_info(&mut t, "rdb_last_bgsave_status", None);
        set_info(&mut t, "aof_last_write_status", None);
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Unknown, "{}", v.message);
        assert!(v.message.contains("no persistence section"), "{}", v.message);
        assert!(v.remediation.is_some());
        set_info(&mut t, "rdb_last_bgsave_status", Some("ok"));
        assert_eq!(judge(&t).outcome, Outcome::Pass);
    }

    #[test]
    fn extauth_without_persistence_warns_only_when_config_says_so() {
        let mut t = healthy_target("extauth");
        set_info(&mut t, "aof_enabled", Some("0"));
        config(&mut t, "appendonly", ok("no"));
        assert_eq!(judge(&t).outcome, Outcome::Pass, "save points are set");
        config(&mut t, "save", ok(""));
        let v = judge(&t);
        assert_eq!(v.outcome, Outcome::Warn);
        assert!(v.message.contains("API keys"), "{}", v.message);
        let mut snapshot = t.clone();
        snapshot.use_case = "snapshot".into();
        assert_eq!(judge(&snapshot).outcome, Outcome::Pass, "the snapshot is rebuilt by the relay");
        config(&mut t, "save", refused("config|get"));
        assert_eq!(judge(&t).outcome, Outcome::Pass, "CONFIG refused: not judged");
    }
}

//! The words a run and its targets are described by, each written once: the profile a run
//! serves, the layout policy it holds the instances to, and the use case a target serves. The
//! facts keep them as their names (a saved file reads the same); the checks match the kinds.

/// The moment a run serves (`--profile`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Profile {
    /// Before an install (the default).
    Preflight,
    /// After an upgrade: adds data.snapshot (the management server's snapshot is in Redis).
    PostUpgrade,
    /// A CI gate: preflight with --strict, so warnings and unknowns fail the gate.
    Ci,
}

impl Profile {
    /// Every profile, in the order the help shows them.
    pub const ALL: [Profile; 3] = [Profile::Preflight, Profile::PostUpgrade, Profile::Ci];
    /// Their names, in the same order.
    pub const NAMES: &'static [&'static str] = &["preflight", "post-upgrade", "ci"];

    /// The name, as `--profile` and the reports write it.
    pub fn name(self) -> &'static str {
        Profile::NAMES[self as usize]
    }

    /// The profile of a name.
    pub fn parse(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// How the use cases must share instances (`--layout`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum LayoutPolicy {
    /// No policy: the layout found is reported (the default).
    Any,
    /// Snapshot, ext auth and rate limiter on one instance.
    Shared,
    /// Snapshot, ext auth and rate limiter each on an instance of its own.
    Separate,
}

impl LayoutPolicy {
    /// Every policy.
    pub const ALL: [LayoutPolicy; 3] = [
        LayoutPolicy::Any,
        LayoutPolicy::Shared,
        LayoutPolicy::Separate,
    ];
    /// Their names, in the same order.
    pub const NAMES: &'static [&'static str] = &["any", "shared", "separate"];

    /// The name, as `--layout` and the facts write it.
    pub fn name(self) -> &'static str {
        LayoutPolicy::NAMES[self as usize]
    }

    /// The policy of a name.
    pub fn parse(name: &str) -> Option<LayoutPolicy> {
        LayoutPolicy::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// What a target is to Gloo: the use case its components have it for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UseCase {
    /// The management server's snapshot (with the UI and the insights engine).
    Snapshot,
    /// The insights engine's own store (2.6+).
    Insights,
    /// Ext auth's and the portal's API keys and sessions.
    Extauth,
    /// The rate limiter's counters.
    Ratelimiter,
    /// The telemetry pipelines' streams.
    Telemetry,
    /// The UI's OIDC sessions.
    Sessions,
}

impl UseCase {
    /// Every use case.
    pub const ALL: [UseCase; 6] = [
        UseCase::Snapshot,
        UseCase::Insights,
        UseCase::Extauth,
        UseCase::Ratelimiter,
        UseCase::Telemetry,
        UseCase::Sessions,
    ];
    /// Their names, in the same order: the first part of a target's name.
    pub const NAMES: &'static [&'static str] = &[
        "snapshot",
        "insights",
        "extauth",
        "ratelimiter",
        "telemetry",
        "sessions",
    ];

    /// The name, as target names and the facts write it.
    pub fn name(self) -> &'static str {
        UseCase::NAMES[self as usize]
    }

    /// The use case of a name; `None` for one this version does not know (a facts file of
    /// another version).
    pub fn parse(name: &str) -> Option<UseCase> {
        UseCase::ALL.into_iter().find(|u| u.name() == name)
    }

    /// What its components keep in Redis, for messages on what eviction loses.
    pub fn kept_data(self) -> &'static str {
        match self {
            UseCase::Snapshot => "the management server's snapshot keys",
            UseCase::Insights => "the insights engine's data",
            UseCase::Extauth => "API keys and sessions",
            UseCase::Ratelimiter => "rate-limit counters",
            UseCase::Telemetry => "telemetry stream entries",
            UseCase::Sessions => "Gloo's keys",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_name() {
        for p in Profile::ALL {
            assert_eq!(Profile::parse(p.name()), Some(p));
        }
        for l in LayoutPolicy::ALL {
            assert_eq!(LayoutPolicy::parse(l.name()), Some(l));
        }
        for u in UseCase::ALL {
            assert_eq!(UseCase::parse(u.name()), Some(u));
        }
        assert_eq!(Profile::parse("hacker"), None);
        assert_eq!(Profile::PostUpgrade.name(), "post-upgrade");
    }
}

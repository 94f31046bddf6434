//! What a run writes: the report's view of a target, the report files, colour on a terminal.

use std::path::Path;

use checks::facts::TargetFacts;
use reports::{Format, Report, TargetInfo};
use serde_json::{Map, Value};

use crate::error::InputError;

/// Colour on a terminal only, and never with `NO_COLOR` set (no-color.org).
pub(super) fn colour(stdout: &std::io::StdoutLock<'_>) -> bool {
    use std::io::IsTerminal;
    stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub(super) fn target_info(t: &TargetFacts) -> TargetInfo {
    let mut server = Map::new();
    if let Some(s) = t.session.ok() {
        // One identity for every report: Valkey's own version, not its frozen redis_version.
        let identity = checks::server::identify(s);
        let version = identity.version.as_deref();
        let flavor = (version.is_some() || s.admitted()).then_some(identity.flavor.name());
        let role = s.role_name();
        for (key, value) in [
            ("version", version),
            ("run_id", s.info_field("run_id")),
            ("role", role),
            ("flavor", flavor),
        ] {
            if let Some(v) = value {
                server.insert(key.into(), Value::String(v.to_string()));
            }
        }
    }
    TargetInfo {
        name: t.name.clone(),
        components: t.components.clone(),
        address: t.address.clone(),
        tls: t.tls,
        auth: t.auth.enabled,
        server: (!server.is_empty()).then_some(server),
    }
}

pub(super) fn write_files(
    report: &Report,
    formats: &[Format],
    dir: &Path,
) -> Result<(), InputError> {
    let unwritable = |path: &Path| {
        let path = path.to_path_buf();
        move |source| InputError::Unwritable {
            path,
            what: "the report",
            source,
        }
    };
    std::fs::create_dir_all(dir).map_err(unwritable(dir))?;
    for format in formats {
        let name = format.file_name().expect("file formats have names");
        let path = dir.join(name);
        // Written beside the target and renamed, so a CI job never reads half a report.
        let tmp = dir.join(format!(".{name}.tmp"));
        let write = || -> std::io::Result<()> {
            let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            format.write(report, &mut out)?;
            std::io::Write::flush(&mut out)?;
            drop(out);
            std::fs::rename(&tmp, &path)
        };
        write().map_err(unwritable(&path))?;
    }
    Ok(())
}

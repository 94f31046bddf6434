//! `list` and `explain`: the catalog for people.

use checks::CATALOG;
use reports::exit_codes;

pub fn list() -> i32 {
    println!("{:<20} {:<48} {:<26} REQUIRES", "ID", "TITLE", "PROFILES");
    for check in CATALOG {
        let m = check.meta();
        println!(
            "{:<20} {:<48} {:<26} {}",
            m.id,
            m.title,
            m.profiles.join(","),
            m.requires.join(",")
        );
    }
    exit_codes::OK
}

pub fn explain(id: &str) -> i32 {
    match checks::find(id) {
        Some(check) => {
            let m = check.meta();
            println!("{} — {}\n", m.id, m.title);
            // `///` lines keep the space after the slashes.
            for line in m.explain.trim_end().lines() {
                println!("{}", line.strip_prefix(' ').unwrap_or(line));
            }
            if !m.requires.is_empty() {
                println!("\n## Prerequisites\n{}", m.requires.join(", "));
            }
            exit_codes::OK
        }
        None => {
            let best = CATALOG
                .iter()
                .map(|c| c.meta().id)
                .max_by(|a, b| strsim::jaro_winkler(id, a).total_cmp(&strsim::jaro_winkler(id, b)))
                .unwrap_or_default();
            eprintln!(
                "error: no check `{id}` (did you mean `{best}`? `redis-preflight list` shows them all)"
            );
            exit_codes::INPUT
        }
    }
}

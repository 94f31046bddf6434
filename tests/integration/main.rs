//! Integration tests against real redis-server processes (started by `ci/lab`), run by a
//! libtest-mimic harness: one trial per scenario file in `tests/scenarios/`, plus the safety
//! trials (read-only on the wire, no secret in any output, deadlines), the hostile-server
//! trials (bounded reads, refusals named, dual-stack dialing), and the rules of one's own.

mod corpus;
mod engines;
mod gate;
mod hostile;
mod job;
mod kube;
mod lab;
mod leaks;
mod pipeline;
mod reports;
mod rules;
mod safety;
mod scenario;
mod tool;

use libtest_mimic::{Arguments, Trial};

fn main() {
    let args = Arguments::from_args();
    let lab = lab::Lab::start();
    let mut trials: Vec<Trial> = scenario::trials(&lab);
    trials.extend(corpus::trials(&lab));
    trials.extend(safety::trials(&lab));
    trials.extend(reports::trials(&lab));
    trials.extend(kube::trials(&lab));
    trials.extend(rules::trials(&lab));
    trials.extend(hostile::trials(&lab));
    trials.extend(gate::trials(&lab));
    trials.extend(leaks::trials(&lab));
    trials.extend(pipeline::trials(&lab));
    trials.extend(job::trials(&lab));
    trials.extend(engines::trials(&lab));
    let conclusion = libtest_mimic::run(&args, trials);
    drop(lab);
    conclusion.exit();
}

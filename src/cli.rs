//! The command line (see the README for the contract).

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

pub use checks::{LayoutPolicy, Profile};
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "redis-preflight",
    version,
    about = "Checks the Redis instances behind Gloo Mesh Enterprise before they fail the install"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the values and secrets, probe every Redis, judge, report.
    Run(Box<RunArgs>),
    /// Print the check catalog: ID, title, profiles, prerequisites.
    List {
        /// `terminal` (a table), `json` (for tooling) or `markdown` (a table, then each check's
        /// full text: docs/checks.md).
        #[arg(long, value_enum, default_value_t = ListFormat::Terminal)]
        format: ListFormat,
        /// Also list the rules of this file (see `run --rules`); repeatable.
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
    },
    /// Explain one check: what it verifies, why Gloo needs it, how to fix it.
    Explain {
        /// A check ID, e.g. redis.noeviction, or the ID of a rule in a --rules file.
        id: String,
        /// Rule files to look the ID up in; repeatable.
        #[arg(long = "rules", value_name = "FILE")]
        rules: Vec<PathBuf>,
    },
    /// Print the JSON Schema of report.json (with --facts: of the facts a rule sees; with
    /// --waivers: of a waivers file).
    Schema {
        /// Print the schema of the rule environment (`target`, `server`, `info`, `config`,
        /// `values`) instead.
        #[arg(long, conflicts_with = "waivers")]
        facts: bool,
        /// Print the schema of a `--waivers` file instead.
        #[arg(long)]
        waivers: bool,
    },
    /// Print the least-privilege RBAC for running the preflight as an in-cluster Job.
    Rbac(RbacArgs),
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  # Secrets from the current kube context, or from exported manifests
  redis-preflight run -f gloo-values.yaml
  redis-preflight run -f gloo-values.yaml --secrets secrets.yaml
  # What is installed: the release's objects, compared with its values (values.rendered)
  helm get manifest gloo-platform -n gloo-mesh > release.yaml
  helm get values gloo-platform -n gloo-mesh -a -o yaml | redis-preflight run -f - --manifests release.yaml
  # The same objects read from the cluster by name (rbac --from-cluster prints the grants)
  redis-preflight run -f gloo-values.yaml --from-cluster --context prod
  # A CI gate: the terminal report, plus report.json, junit.xml and report.md
  redis-preflight run -f gloo-values.yaml --profile ci -o reports
  # After helm upgrade: is the management server writing its snapshot?
  redis-preflight run -f gloo-values.yaml --profile post-upgrade

Exit codes: 0 passed, 3 a check failed, 4 warnings or unknowns, 2 invalid input, 1 internal error")]
pub struct RunArgs {
    /// Helm values file (`-` for stdin); repeatable, merged in order as Helm does.
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// Helm-style override PATH=VALUE; repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Rendered objects (`helm template`, `helm get manifest`, `kubectl get
    /// deploy,daemonset,configmap,secret,dashboard -o yaml`; `-` for stdin): the targets come
    /// from what each component is given; repeatable.
    #[arg(long = "manifests", value_name = "FILE")]
    pub manifests: Vec<PathBuf>,
    /// Read the release's component objects from the cluster by name (`get`, never `list`):
    /// the workloads the values enable and the ConfigMaps they read, judged as --manifests
    /// would (`redis-preflight rbac --from-cluster` prints the grants).
    #[arg(long, conflicts_with = "manifests")]
    pub from_cluster: bool,
    /// Kubernetes Secret manifests to read secrets from; repeatable.
    #[arg(long = "secrets", value_name = "FILE")]
    pub secrets: Vec<PathBuf>,
    /// Kubeconfig to read live secrets with (default: $KUBECONFIG, ~/.kube/config, or the
    /// in-cluster service account in a Pod).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use (default: the current one).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// The Helm release's namespace, as `helm -n`: the management plane and its secrets.
    #[arg(short = 'n', long, default_value = "gloo-mesh")]
    pub namespace: String,
    /// Where the add-ons run and keep their secrets [default: common.addonNamespace, else
    /// the release namespace].
    #[arg(long, value_name = "NS")]
    pub addons_namespace: Option<String>,
    /// Which moment this run serves.
    #[arg(long, value_enum, default_value_t = Profile::Preflight)]
    pub profile: Profile,
    /// Report format; repeatable.
    #[arg(long = "format", value_enum)]
    pub formats: Vec<FormatArg>,
    /// Write report.json, junit.xml and report.md (those --format names, if any) into DIR; the
    /// terminal report still goes to stdout.
    #[arg(short = 'o', long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Run only checks whose ID matches this glob; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub only: Vec<String>,
    /// Leave out checks whose ID matches this glob; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub skip: Vec<String>,
    /// The instance layout your policy demands across use cases.
    #[arg(long, value_enum, default_value_t = LayoutPolicy::Any)]
    pub layout: LayoutPolicy,
    /// Warn and unknown outcomes gate too (exit 3).
    #[arg(long)]
    pub strict: bool,
    /// Deadline for the whole run, as a Go duration.
    // Hyphen values reach the validator, which names the flag and what it expects.
    #[arg(
        long,
        default_value = "60s",
        value_name = "DURATION",
        allow_hyphen_values = true
    )]
    pub timeout: String,
    /// Save everything observed (no secret value) to FILE, to judge again elsewhere.
    #[arg(long, value_name = "FILE")]
    pub save_facts: Option<PathBuf>,
    /// Judge a saved facts file instead of probing (values, secrets and probe flags are ignored).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["values", "set", "secrets", "manifests", "from_cluster"])]
    pub facts: Option<PathBuf>,
    /// Allow the write probe (data.write-probe): SET, GET and DEL of one uniquely named key
    /// with a 10-second expiry. Nothing else is ever written.
    #[arg(long)]
    pub allow_write: bool,
    /// Warn when a certificate expires within this many days.
    #[arg(long, default_value_t = 30, value_name = "DAYS", allow_negative_numbers = true,
          value_parser = days)]
    pub cert_warn_days: u32,
    /// Ask this DNS server instead of the system resolver: IP:PORT, or an IP alone for port
    /// 53 (as `dig @IP` does), e.g. the cluster DNS 10.96.0.10.
    #[arg(long, value_name = "IP[:PORT]", value_parser = dns_server)]
    pub dns_server: Option<SocketAddr>,
    /// Policies of one's own: a YAML file of CEL rules over each target's facts; repeatable.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Accepted exceptions: a YAML list under `waivers:` of {check, target, reason, owner,
    /// expires}; a waived result is shown as waived and does not gate; repeatable.
    #[arg(long = "waivers", value_name = "FILE")]
    pub waivers: Vec<PathBuf>,
    /// While anything fails or is unknown, probe again with backoff until all pass or this
    /// Go duration has passed (e.g. 5m); the report is the last round's.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true)]
    pub wait: Option<String>,
}

/// `--cert-warn-days`: a whole number of days, 0 or more.
fn days(text: &str) -> Result<u32, String> {
    text.parse()
        .map_err(|_| "expected a whole number of days, 0 or more (e.g. 30)".to_string())
}

/// `--dns-server`: `IP:PORT` (`[IPv6]:PORT`), or an IP alone for port 53.
fn dns_server(text: &str) -> Result<SocketAddr, String> {
    text.parse::<SocketAddr>()
        .or_else(|_| text.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
        .map_err(|_| {
            "expected an IP address, optionally with a port (10.96.0.10, 10.96.0.10:53, [fd00::a]:53); a host name is not accepted".to_string()
        })
}

#[derive(Debug, Args)]
pub struct RbacArgs {
    /// Helm values file; repeatable, merged in order as Helm does. Required: the values name
    /// the secrets the Role grants.
    #[arg(short = 'f', long = "values", value_name = "FILE", required = true)]
    pub values: Vec<PathBuf>,
    /// Helm-style override PATH=VALUE; repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// The Helm release's namespace, as `helm -n`: the management plane and its secrets.
    #[arg(short = 'n', long, default_value = "gloo-mesh")]
    pub namespace: String,
    /// Where the add-ons run and keep their secrets [default: common.addonNamespace, else
    /// the release namespace].
    #[arg(long, value_name = "NS")]
    pub addons_namespace: Option<String>,
    /// The ServiceAccount the Job runs as.
    #[arg(long, default_value = "redis-preflight")]
    pub service_account: String,
    /// The namespace the Job runs in.
    #[arg(long, default_value = "gloo-mesh")]
    pub job_namespace: String,
    /// RBAC for the Job that runs from a component's vantage point: in its namespace, under its
    /// ServiceAccount (ci/k8s/job-vantage.yaml), reading only that use case's secrets.
    #[arg(long, value_enum)]
    pub vantage: Option<Vantage>,
    /// Grant also what `run --from-cluster` reads: `get` on the release's workloads and
    /// ConfigMaps, by name.
    #[arg(long, conflicts_with = "vantage")]
    pub from_cluster: bool,
}

/// A component whose vantage point the in-cluster Job can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Vantage {
    Extauth,
    Ratelimiter,
    Snapshot,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Terminal,
    Json,
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FormatArg {
    Terminal,
    Json,
    Junit,
    Markdown,
    /// SARIF 2.1.0: the values findings at the line and column of their keys.
    Sarif,
}

impl FormatArg {
    pub fn format(self) -> reports::Format {
        match self {
            FormatArg::Terminal => reports::Format::Terminal,
            FormatArg::Json => reports::Format::Json,
            FormatArg::Junit => reports::Format::Junit,
            FormatArg::Markdown => reports::Format::Markdown,
            FormatArg::Sarif => reports::Format::Sarif,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dns_server_takes_an_ip_alone_for_port_53() {
        assert_eq!(
            super::dns_server("10.96.0.10").unwrap().to_string(),
            "10.96.0.10:53"
        );
        assert_eq!(
            super::dns_server("127.0.0.1:5353").unwrap().to_string(),
            "127.0.0.1:5353"
        );
        assert_eq!(
            super::dns_server("fd00::a").unwrap().to_string(),
            "[fd00::a]:53"
        );
        let e = super::dns_server("kube-dns.kube-system").unwrap_err();
        assert!(e.contains("a host name is not accepted"), "{e}");
    }

    #[test]
    fn cert_warn_days_says_what_it_expects() {
        assert_eq!(super::days("0"), Ok(0));
        let e = super::days("-1").unwrap_err();
        assert!(e.contains("a whole number of days, 0 or more"), "{e}");
    }
}

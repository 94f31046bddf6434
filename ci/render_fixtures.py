"""Renders the scenarios' values with the real gloo-platform chart and trims the objects to the
Redis clients: the fixtures of tests/fixtures/rendered/ (see ci/render-fixtures for the usage).

Each fixture holds what Helm renders for one set of values (release gloo-platform; namespace
gloo-mesh, or the scenario's `-n`), trimmed to what tells a component where its Redis is and how
to reach it:

- every container the tool reads as a Redis client, with only its Redis command/args entries
  (`--redis-*`, the telemetry `--config=`), its `REDIS_*` and `APIKEY_STORAGE_*` env entries, and
  the mounts those read (a path or volume naming redis, the directory of a config path or CA file
  the env or args name, the telemetry `/etc/otel-certs`), with the volumes behind them;
  a telemetry container only when a pipeline of its relay config uses a `redisstream/*` exporter;
- the chart's own Redis workloads (`gloo-mesh-redis`, the add-ons' `redis`), by name only: the
  tool tells a built-in Redis by them;
- the ConfigMaps and Secrets those containers reference, in the order Helm renders them: Secret
  values emptied, as an offline render's `lookup` leaves them (ext auth's `storage-config.yaml`
  kept: it is its Redis configuration, and holds no credential); a telemetry `relay` config trimmed
  to its `redisstream/*` exporters and the pipelines that use them; trailing blanks dropped;
- the UI's Dashboard when it holds an OIDC session store (`spec.authn`).

A Secret or ConfigMap referenced but not rendered (the user creates it) is named in a comment.

Scenarios whose values are the same once every `${NAME}` (a lab port) is 6390, in the same
namespace, share one fixture, which lists each (`# values:` lines); the unit test
src/plan/rendered_fixtures.rs compares the targets from each listed scenario's values with the
targets from the fixture's objects.
"""

import argparse
import base64
import copy
import difflib
import os
import re
import sys
import tarfile
import textwrap
from pathlib import Path

import helm_python as helm
import yaml

RELEASE = "gloo-platform"
CHART_VERSION = "2.5.8"
DEFAULT_NAMESPACE = "gloo-mesh"
PLACEHOLDERS = {
    "common": {"cluster": "cluster-1"},
    "licensing": {"glooMeshLicenseKey": "placeholder"},
}
PORT = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
WORKLOADS = ("Deployment", "DaemonSet", "StatefulSet")
BUILTIN_REDIS = ("gloo-mesh-redis", "redis")
TELEMETRY = ("telemetrygateway", "telemetrycollector")
OTEL_CERTS = "/etc/otel-certs"
STORAGE_CONFIG = "storage-config.yaml"
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests/fixtures/rendered"


class Refused(Exception):
    """The chart (or its schema) refuses the values, or they are not a scenario's."""


# ---------------------------------------------------------------------------------------------
# The scenario's values, as `redis-preflight run` is given them


def merge(base, over):
    """Helm's merge of values files: maps merged key by key, anything else replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base[k], v) if k in base else copy.deepcopy(v)
        return out
    return copy.deepcopy(over)


def scenario_values(scenario_path, as_written):
    """The values of a scenario: its `values_files`, its `values` and its `--set`s, merged in
    that order. Every `${NAME}` is 6390, or left as written (`as_written`)."""
    scenario = yaml.safe_load((ROOT / scenario_path).read_text())
    if scenario["expect"]["exit"] == 2:
        raise Refused("expects exit 2 (its input is refused)")
    sub = (lambda t: t) if as_written else (lambda t: PORT.sub("6390", t))
    values = {}
    docs = [(ROOT / f).read_text() for f in scenario.get("values_files") or []]
    docs += scenario.get("values") or []
    if not docs:
        raise Refused("has no values")
    for text in docs:
        try:
            doc = yaml.safe_load(sub(text))
        except yaml.YAMLError as e:
            raise Refused(f"values that are not YAML ({e.problem})") from e
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise Refused("values that are not a mapping")
        values = merge(values, doc)
    args = scenario.get("args") or []
    namespace = DEFAULT_NAMESPACE
    for i, arg in enumerate(args):
        if arg == "--set":
            values = merge(values, helm.parse_set_string(sub(args[i + 1])))
        elif arg in ("-n", "--namespace"):
            namespace = args[i + 1]
        elif arg.startswith("--namespace="):
            namespace = arg.split("=", 1)[1]
    return values, namespace


# ---------------------------------------------------------------------------------------------
# Rendering


def render(chart_path, values, namespace):
    """Every object Helm renders, in template-path order."""
    # The schema wants a cluster name, the management server and UI a license: placeholders
    # where the values have none (the chart's own values.yaml has them empty).
    for key, value in PLACEHOLDERS.items():
        for k, v in value.items():
            block = values.setdefault(key, {})
            if not block.get(k):
                block[k] = v
    # Loaded again for every render: a second render of one loaded chart sees the first's values.
    chart = helm.Chart.load_archive(Path(chart_path).read_bytes())
    try:
        rendered = chart.render(values=values, name=RELEASE, namespace=namespace)
    except helm.HelmError as e:
        raise Refused(f"the chart refuses the values: {e}") from e
    out = []
    for path in sorted(rendered):
        if path.endswith("NOTES.txt"):
            continue
        text = "\n".join(l for l in rendered[path].splitlines() if not l.startswith("[WARNING]"))
        for doc in yaml.safe_load_all(text):
            if isinstance(doc, dict) and doc.get("kind"):
                out.append(doc)
    return out


# ---------------------------------------------------------------------------------------------
# Trimming to the Redis clients


def meta(obj, namespace):
    return {
        "name": obj["metadata"]["name"],
        "namespace": obj["metadata"].get("namespace", namespace),
    }


def volume_refs(volume):
    """(kind, name) of every ConfigMap and Secret a volume reads."""
    if "configMap" in volume:
        yield "ConfigMap", volume["configMap"]["name"]
    if "secret" in volume:
        yield "Secret", volume["secret"]["secretName"]
    for source in (volume.get("projected") or {}).get("sources") or []:
        if "secret" in source:
            yield "Secret", source["secret"]["name"]
        if "configMap" in source:
            yield "ConfigMap", source["configMap"]["name"]


def relay_redis(text):
    """A telemetry relay config trimmed to its `redisstream/*` exporters that a pipeline uses
    and those pipelines (their other exporters dropped); None when no pipeline uses one."""
    relay = yaml.safe_load(text) or {}
    pipelines = {}
    for name, pipeline in ((relay.get("service") or {}).get("pipelines") or {}).items():
        used = [e for e in (pipeline or {}).get("exporters") or [] if e.startswith("redisstream")]
        if used:
            pipelines[name] = {"exporters": used}
    if not pipelines:
        return None
    used = {e for p in pipelines.values() for e in p["exporters"]}
    exporters = {k: v for k, v in (relay.get("exporters") or {}).items() if k in used}
    return {"exporters": exporters, "service": {"pipelines": pipelines}}


def redis_arg(container, arg):
    return "redis" in arg.lower() or (
        container["name"] in TELEMETRY and arg.startswith("--config=")
    )


def trim(objects, namespace):
    """The fixture's objects and the names of those referenced but not rendered."""
    by_name = {
        (o["kind"], meta(o, namespace)["namespace"], o["metadata"]["name"]): o for o in objects
    }

    def relay_of(container, workload, ns):
        """The trimmed relay config a telemetry container's `--config=` names, if any."""
        for arg in (container.get("command") or []) + (container.get("args") or []):
            if not arg.startswith("--config="):
                continue
            directory, file = arg.split("=", 1)[1].rsplit("/", 1)
            for mount in container.get("volumeMounts") or []:
                if mount["mountPath"].rstrip("/") != directory.rstrip("/"):
                    continue
                for volume in workload["spec"]["template"]["spec"].get("volumes") or []:
                    if volume["name"] != mount["name"] or "configMap" not in volume:
                        continue
                    items = volume["configMap"].get("items") or []
                    key = next((i["key"] for i in items if i["path"] == file), file)
                    cm = by_name.get(("ConfigMap", ns, volume["configMap"]["name"]))
                    if cm and key in (cm.get("data") or {}):
                        return relay_redis(cm["data"][key])
        return None

    workloads, referenced = [], []
    for obj in objects:
        if obj["kind"] not in WORKLOADS:
            continue
        m = meta(obj, namespace)
        pod = obj["spec"]["template"]["spec"]
        if m["name"] in BUILTIN_REDIS:
            workloads.append(
                workload_doc(obj, m, [{"name": c["name"]} for c in pod["containers"]], [])
            )
            continue
        containers, mounts_kept = [], []
        for c in pod.get("containers") or []:
            if c["name"] in TELEMETRY and relay_of(c, obj, m["namespace"]) is None:
                continue
            kept = {"name": c["name"]}
            for field in ("command", "args"):
                entries = [a for a in c.get(field) or [] if redis_arg(c, a)]
                if entries:
                    kept[field] = entries
            env = [
                e for e in c.get("env") or [] if e["name"].startswith(("REDIS_", "APIKEY_STORAGE_"))
            ]
            if env:
                kept["env"] = env
            # The directories the kept entries name files in.
            paths = [
                a.split("=", 1)[1] for f in ("command", "args") for a in kept.get(f, []) if "=" in a
            ]
            paths += [
                e["value"]
                for e in env
                if isinstance(e.get("value"), str) and e["value"].startswith("/")
            ]
            dirs = {p.rsplit("/", 1)[0].rstrip("/") for p in paths}
            if c["name"] in TELEMETRY:
                dirs.add(OTEL_CERTS)
            mounts = [
                mt
                for mt in c.get("volumeMounts") or []
                if "redis" in mt["mountPath"]
                or "redis" in mt["name"]
                or mt["mountPath"].rstrip("/") in dirs
            ]
            if mounts:
                kept["volumeMounts"] = mounts
            if len(kept) == 1:
                continue  # no Redis setting: not a Redis client
            containers.append(kept)
            mounts_kept += [mt["name"] for mt in mounts]
            for e in env:
                ref = (e.get("valueFrom") or {}).get("secretKeyRef") or (
                    e.get("valueFrom") or {}
                ).get("configMapKeyRef")
                if ref:
                    kind = "Secret" if "secretKeyRef" in e["valueFrom"] else "ConfigMap"
                    referenced.append((kind, m["namespace"], ref["name"]))
        if not containers:
            continue
        volumes = [v for v in pod.get("volumes") or [] if v["name"] in mounts_kept]
        for v in volumes:
            referenced += [(kind, m["namespace"], name) for kind, name in volume_refs(v)]
        workloads.append(workload_doc(obj, m, containers, volumes))

    others = []
    wanted = set(referenced)
    for obj in objects:
        kind, m = obj["kind"], meta(obj, namespace)
        key = (kind, m["namespace"], m["name"])
        if kind == "ConfigMap" and key in wanted:
            data = {}
            for k, v in (obj.get("data") or {}).items():
                if k == "relay":
                    relay = relay_redis(v)
                    v = "# trimmed: the redisstream exporters and the pipelines that use them\n" + (
                        yaml.safe_dump(relay, default_flow_style=False, sort_keys=True)
                        if relay
                        else ""
                    )
                data[k] = v
            others.append(
                {"apiVersion": obj["apiVersion"], "kind": kind, "metadata": m, "data": data}
            )
        elif kind == "Secret" and key in wanted:
            doc = {"apiVersion": obj["apiVersion"], "kind": kind, "metadata": m}
            data = {k: "" for k in obj.get("data") or {}}
            string_data = {k: "" for k in obj.get("stringData") or {}}
            # Ext auth's Redis configuration, decoded: it holds no credential.
            if STORAGE_CONFIG in data:
                del data[STORAGE_CONFIG]
                string_data[STORAGE_CONFIG] = base64.b64decode(obj["data"][STORAGE_CONFIG]).decode()
            elif STORAGE_CONFIG in string_data:
                string_data[STORAGE_CONFIG] = obj["stringData"][STORAGE_CONFIG]
            if data or "data" in obj and not string_data:
                doc["data"] = data
            if string_data:
                doc["stringData"] = string_data
            others.append(doc)
        elif kind == "Dashboard":
            authn = (obj.get("spec") or {}).get("authn") or {}
            if (authn.get("oidc") or {}).get("session"):
                others.append(
                    {
                        "apiVersion": obj["apiVersion"],
                        "kind": kind,
                        "metadata": m,
                        "spec": {"authn": authn},
                    }
                )
    missing = sorted({r for r in referenced if r not in by_name})
    return workloads + others, missing


def workload_doc(obj, m, containers, volumes):
    spec = {"containers": containers}
    if volumes:
        spec["volumes"] = volumes
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "metadata": m,
        "spec": {"template": {"spec": spec}},
    }


# ---------------------------------------------------------------------------------------------
# Writing


class Dumper(yaml.SafeDumper):
    pass


def _str(dumper, text):
    if "\n" in text:
        text = "\n".join(l.rstrip() for l in text.split("\n"))
        return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", text)


Dumper.add_representer(str, _str)


def header(scenarios, namespace, as_written, missing, dashboard, storage):
    if as_written:
        which = (
            f"the values of {scenarios[0]} as written (each ${{NAME}} left as is: the scenario"
            " runner substitutes the lab's ports in manifests too;"
        )
    else:
        which = f"the values of {scenarios[0]} (each ${{NAME}} there as 6390,"
    if len(scenarios) > 1:
        which = (
            "the values of each scenario listed below, the same once every ${NAME} is 6390:"
            " those of " + which.removeprefix("the values of ")
        )
    prose = (
        "Rendered with real Helm (the Helm v4 library, through helm-python-sdk) by"
        f" ci/render-fixtures from the gloo-platform 2.5.8 chart, for {which}"
        " common.cluster and licensing.glooMeshLicenseKey set to placeholders, as the chart's"
        f" schema asks), release {RELEASE}, namespace {namespace}; trimmed to the Redis clients:"
        " their Redis args, env and mounts, the ConfigMaps and Secrets those reference (Secret"
        " values emptied, as offline lookup leaves them"
        + ("; storage-config.yaml kept, it is ext auth's Redis configuration)" if storage else ")")
        + (", and the UI's Dashboard, which holds the OIDC session store." if dashboard else ".")
    )
    lines = textwrap.wrap(prose, width=98, break_on_hyphens=False)
    lines += [f"values: {s}" for s in scenarios]
    lines.append(f"namespace: {namespace}")
    lines += [
        f"{k} {ns}/{n}: referenced, not rendered by the chart (the user creates it)"
        for k, ns, n in missing
    ]
    return "".join(f"# {l}\n" for l in lines)


def fixture_text(chart, scenarios, namespace, as_written):
    values, _ = scenario_values(scenarios[0], as_written)
    docs, missing = trim(render(chart, values, namespace), namespace)
    body = "---\n".join(yaml.dump(d, Dumper=Dumper, sort_keys=False, width=1000) for d in docs)
    dashboard = any(d["kind"] == "Dashboard" for d in docs)
    storage = any(STORAGE_CONFIG in (d.get("stringData") or {}) for d in docs)
    return header(scenarios, namespace, as_written, missing, dashboard, storage) + body


def read_header(path):
    text = path.read_text()
    scenarios = [l[len("# values: ") :] for l in text.splitlines() if l.startswith("# values: ")]
    namespace = next(
        l[len("# namespace: ") :] for l in text.splitlines() if l.startswith("# namespace: ")
    )
    prose = " ".join(l[2:] for l in text.split("# values:")[0].splitlines())
    return scenarios, namespace, "as written" in prose


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--chart", default=os.environ.get("GLOO_PLATFORM_CHART"))
    p.add_argument("--check", action="store_true")
    p.add_argument("--as-written", action="store_true")
    p.add_argument("scenarios", nargs="*")
    a = p.parse_args()
    if not a.chart:
        sys.exit(
            "ci/render-fixtures: name the gloo-platform 2.5.8 chart (.tgz): --chart PATH or"
            " GLOO_PLATFORM_CHART"
        )
    try:
        with tarfile.open(a.chart) as tgz:
            chart_yaml = yaml.safe_load(tgz.extractfile("gloo-platform/Chart.yaml"))
    except (OSError, KeyError, tarfile.TarError) as e:
        sys.exit(f"ci/render-fixtures: {a.chart}: not the gloo-platform chart ({e})")
    if chart_yaml.get("version") != CHART_VERSION:
        version = chart_yaml.get("version")
        sys.exit(
            f"ci/render-fixtures: {a.chart} is gloo-platform {version};"
            f" the fixtures are of {CHART_VERSION}"
        )

    # The scenarios the fixtures list, in their order, then the new ones.
    fixtures = {f: read_header(f) for f in sorted(FIXTURES.glob("*.yaml"))}
    owner, as_written = {}, set()
    for path, (scenarios, _, written) in fixtures.items():
        for s in scenarios:
            owner.setdefault(s, path)
            if written:
                as_written.add(s)
    wanted = list(owner)
    for s in a.scenarios:
        s = str(Path(s).resolve().relative_to(ROOT))
        if s not in owner and s not in wanted:
            wanted.append(s)
            if a.as_written:
                as_written.add(s)

    # Grouped by their values (every ${NAME} as 6390) and namespace: one fixture a group.
    groups = {}
    for s in wanted:
        try:
            values, namespace = scenario_values(s, False)
            if s not in owner:
                render(a.chart, copy.deepcopy(values), namespace)
        except Refused as e:
            print(f"ci/render-fixtures: {s}: skipped, {e}", file=sys.stderr)
            continue
        key = (yaml.safe_dump(values, sort_keys=True), namespace)
        groups.setdefault(key, []).append(s)

    # Each group's fixture: the existing one of its first listed member, else a new one named
    # as its first scenario. A fixture as written renders its first scenario's values as written.
    plan = {}
    for (_, namespace), scenarios in groups.items():
        written = [s for s in scenarios if s in as_written]
        if not written:
            scenarios = sorted(scenarios)
        else:
            scenarios = written[:1] + [s for s in scenarios if s != written[0]]
        paths = [owner[s] for s in scenarios if s in owner and owner[s] not in plan]
        path = paths[0] if paths else FIXTURES / Path(scenarios[0]).name
        if path in plan:
            sys.exit(f"ci/render-fixtures: {path.name} would be made for two sets of values")
        plan[path] = (scenarios, namespace, bool(written))

    changed = 0
    for path in sorted(set(plan) | set(fixtures)):
        if path in plan:
            scenarios, namespace, written = plan[path]
            want = fixture_text(a.chart, scenarios, namespace, written)
        else:
            want = ""  # its scenarios are in other fixtures now, or skipped
        have = path.read_text() if path.exists() else ""
        if want == have:
            continue
        changed += 1
        if a.check:
            sys.stdout.writelines(
                difflib.unified_diff(
                    have.splitlines(True), want.splitlines(True), str(path), "rendered"
                )
            )
        elif want:
            path.write_text(want)
            print(f"ci/render-fixtures: wrote {path.relative_to(ROOT)}", file=sys.stderr)
        else:
            path.unlink()
            print(f"ci/render-fixtures: removed {path.relative_to(ROOT)}", file=sys.stderr)
    if a.check and changed:
        sys.exit(f"ci/render-fixtures: {changed} fixture(s) differ from the chart's rendering")


if __name__ == "__main__":
    main()

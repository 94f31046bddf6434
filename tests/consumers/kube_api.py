"""A stand-in for the Kubernetes API server, for tests (no cluster runs here). It answers the
real paths and JSON shapes kubectl and kube-rs use to read one object by name: discovery (/api,
/apis, /api/v1, /apis/apps/v1, /version), a Secret, a ConfigMap, a Deployment, DaemonSet or Gloo
Dashboard, a 404
Status and a 403 Status. Every request path is appended to a log file, so tests can assert what
was asked (never a list).

    python3 kube_api.py PORT SECRETS_JSON LOG_FILE [OBJECTS_JSON]

SECRETS_JSON maps "namespace/name" to {"key": "base64 value", …}; OBJECTS_JSON is a list of
ConfigMaps, Deployments, DaemonSets and Dashboards, served by their metadata. A name starting with
"forbidden" answers 403 as RBAC would.
"""
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, secrets_file, log_file = int(sys.argv[1]), sys.argv[2], sys.argv[3]
objects = json.load(open(sys.argv[4])) if len(sys.argv) > 4 else []
# (API prefix, resource) of each kind served by name.
RESOURCES = {"ConfigMap": ("/api/v1", "configmaps"), "Deployment": ("/apis/apps/v1", "deployments"),
             "DaemonSet": ("/apis/apps/v1", "daemonsets"),
             "Dashboard": ("/apis/admin.gloo.solo.io/v2", "dashboards")}
BY_PATH = {}
for o in objects:
    prefix, resource = RESOURCES[o["kind"]]
    meta = o["metadata"]
    BY_PATH[f"{prefix}/namespaces/{meta['namespace']}/{resource}/{meta['name']}"] = o

DISCOVERY = {
    "/version": {"major": "1", "minor": "33", "gitVersion": "v1.33.0", "platform": "linux/amd64"},
    "/api": {"kind": "APIVersions", "versions": ["v1"],
             "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{port}"}]},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
        {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
         "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]},
    "/api/v1": {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        {"name": "secrets", "singularName": "secret", "namespaced": True, "kind": "Secret",
         "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]},
        {"name": "configmaps", "singularName": "configmap", "namespaced": True, "kind": "ConfigMap",
         "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}]},
    "/apis/apps/v1": {"kind": "APIResourceList", "groupVersion": "apps/v1", "resources": [
        {"name": n, "singularName": n[:-1], "namespaced": True, "kind": k,
         "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]}
        for n, k in [("deployments", "Deployment"), ("daemonsets", "DaemonSet")]]},
}
SECRET_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)/secrets/([^/]+)$")
OBJECT_PATH = re.compile(r"^/apis?/(?:apps/|admin\.gloo\.solo\.io/)?v[12]/namespaces/([^/]+)/"
                         r"(configmaps|deployments|daemonsets|dashboards)/([^/]+)$")
NAMESPACE_PATH = re.compile(r"^/api/v1/namespaces/([^/]+)$")


def status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?")[0]
        with open(log_file, "a") as log:
            log.write(f"GET {self.path}\n")
        secrets = json.load(open(secrets_file))
        match = SECRET_PATH.match(path)
        if path in DISCOVERY:
            self.reply(200, DISCOVERY[path])
        elif OBJECT_PATH.match(path):
            ns, resource, name = OBJECT_PATH.match(path).groups()
            if name.startswith("forbidden"):
                self.reply(403, status(403, "Forbidden", f'{resource} "{name}" is forbidden'))
            elif path in BY_PATH:
                self.reply(200, BY_PATH[path])
            else:
                self.reply(404, status(404, "NotFound", f'{resource} "{name}" not found'))
        elif NAMESPACE_PATH.match(path):
            ns = NAMESPACE_PATH.match(path).group(1)
            self.reply(200, {"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": ns},
                             "status": {"phase": "Active"}})
        elif match:
            ns, name = match.groups()
            if name.startswith("forbidden"):
                self.reply(403, status(403, "Forbidden", f'secrets "{name}" is forbidden: User "system:serviceaccount:ci:preflight" '
                                                         f'cannot get resource "secrets" in API group "" in the namespace "{ns}"'))
            elif f"{ns}/{name}" in secrets:
                self.reply(200, {"kind": "Secret", "apiVersion": "v1", "type": "Opaque",
                                 "metadata": {"name": name, "namespace": ns, "uid": f"uid-{ns}-{name}",
                                              "resourceVersion": "1", "creationTimestamp": "2026-11-25T00:00:00Z"},
                                 "data": secrets[f"{ns}/{name}"]})
            else:
                self.reply(404, status(404, "NotFound", f'secrets "{name}" not found'))
        else:
            self.reply(404, status(404, "NotFound", "the server could not find the requested resource"))

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()

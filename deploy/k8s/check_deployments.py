"""What the schema cannot say about our Deployments (make deploy-check): each container of each
Deployment has a readiness probe on /readyz and a liveness probe on /healthz, CPU and memory requests
and limits, and runs as non-root without privilege escalation; each Deployment has a Service and a
PodDisruptionBudget. Exits non-zero, naming what is missing."""
import sys
from pathlib import Path

import yaml

problems = []
kinds = {}
for path in sorted(Path(sys.argv[1]).glob("*.yaml")):
    for doc in yaml.safe_load_all(path.read_text()):
        if not doc:
            continue
        name = doc["metadata"]["name"]
        kinds.setdefault(doc["kind"], set()).add(name)
        if doc["kind"] != "Deployment":
            continue
        pod = doc["spec"]["template"]["spec"]
        if not pod.get("securityContext", {}).get("runAsNonRoot"):
            problems.append(f"{path.name}: {name}: the pod does not require runAsNonRoot")
        for container in pod.get("containers", []):
            where = f"{path.name}: {name}/{container['name']}"
            if container.get("readinessProbe", {}).get("httpGet", {}).get("path") != "/readyz":
                problems.append(f"{where}: no readiness probe on /readyz")
            if container.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/healthz":
                problems.append(f"{where}: no liveness probe on /healthz")
            resources = container.get("resources", {})
            for part in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    if resource not in resources.get(part, {}):
                        problems.append(f"{where}: no {resource} {part[:-1]}")
            security = container.get("securityContext", {})
            if security.get("allowPrivilegeEscalation") is not False:
                problems.append(f"{where}: allowPrivilegeEscalation is not false")
            if security.get("runAsUser") == 0:
                problems.append(f"{where}: runs as root")
for deployment in kinds.get("Deployment", set()):
    for kind in ("Service", "PodDisruptionBudget"):
        if deployment not in kinds.get(kind, set()):
            problems.append(f"{deployment}: no {kind}")
for problem in problems:
    print(f"check_deployments: {problem}", file=sys.stderr)
print(f"check_deployments: {len(kinds.get('Deployment', []))} Deployments, {len(problems)} problems")
sys.exit(1 if problems else 0)

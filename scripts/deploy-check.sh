#!/usr/bin/env bash
# `make deploy-check`: the deployment files checked offline, in a few seconds. Installs Debian's
# prometheus, prometheus-alertmanager and docker-compose (promtool, amtool, `docker-compose config`),
# and kubernetes-validate from PyPI, when they are missing.
# (That every metric the rules name is exported is checked by `make test`: AlertRulesMetricsTests.)
set -euo pipefail
cd "$(dirname "$0")/.."
DEPLOY=1 scripts/install-deps.sh

echo "deploy-check: Prometheus configuration and rules"
promtool check config deploy/prometheus/prometheus.yml
promtool check rules deploy/prometheus/rules/*.yml
echo "deploy-check: alert rule tests"
promtool test rules deploy/prometheus/tests/*.yml
echo "deploy-check: Alertmanager configuration"
amtool check-config deploy/alertmanager/alertmanager.yml
echo "deploy-check: docker-compose.yml"
docker-compose -f docker-compose.yml config -q
echo "deploy-check: Kubernetes manifests against their schemas, and our rules for Deployments"
python3 -m pip show -q kubernetes-validate >/dev/null 2>&1 || python3 -m pip install -q --disable-pip-version-check "kubernetes-validate==1.37.0"
kubernetes-validate --quiet -k 1.29.0 --strict deploy/k8s/*.yaml
python3 deploy/k8s/check_deployments.py deploy/k8s
echo "deploy-check: all passed"

#!/usr/bin/env bash
# `make deploy-check`: the deployment files checked offline, in a few seconds. Installs Debian's
# prometheus and prometheus-alertmanager for promtool and amtool when they are missing.
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
echo "deploy-check: all passed"

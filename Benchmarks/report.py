#!/usr/bin/env python3
"""The table `make bench` prints: each figure, its ratio to the baseline measured in the same run, the
issue's goal for it, and whether it is met.

Reads the raw results Benchmarks/run.sh wrote, one line each:
  micro|<name>|<mean>|<per second>|<runs>
  hash|<round>|<mean>   (one Argon2id hash, measured just before and just after the round's login row)
  load|<round>|<id>|<label>|<requests/s>|<events/s>|<p50 ms>|<p99 ms>|<errors>|<peak RSS KiB>|<requests>|<connections>
Rounds are the databases (`sqlite`, `postgres`) and `scale-out`, in the order they ran. The baseline
(id `baseline`, under the round it is measured beside) is measured just before and just after each row
with a goal held against it: each row is held against the mean of the baselines measured just before and
just after it (the one on its side when it has a baseline on one side only).
"""
import os
import sys

CORES = os.cpu_count() or 1

# Goals as ratios to the baseline (a hello-world Hummingbird server under the same load), per scenario id.
RATIO_GOALS = {
    "blog-list": 0.30, "blog-get": 0.45, "blog-create": 0.30, "auth-refresh": 0.10,
}
EVENTS_PER_BASELINE_REQUEST = {"ingest-1000": 3.0, "ingest-100": 2.5}
P99_GOALS_MS = {"blog-list": 10.0}
RSS_GOALS_MIB = {"blog": 64, "auth": 64, "collector": 96}
VERIFY_GOAL_US = 2.0
OBSERVING_GOAL = 0.95
LOGIN_GOAL = 0.80   # of cores ÷ one Argon2id hash time
GROWTH_GOAL = 0.80  # a scenario on large data, against the same scenario on small data


def micro_seconds(text):
    value, unit = text.split()
    return float(value) * {"µs": 1e-6, "ms": 1e-3, "s": 1.0}[unit]


def main(path):
    micro, loads, hashes_beside_login = [], [], {}
    for line in open(path):
        fields = line.rstrip("\n").split("|")
        if fields[0] == "micro":
            micro.append(fields[1:])
        elif fields[0] == "hash":
            hashes_beside_login.setdefault(fields[1], []).append(micro_seconds(fields[2]))
        elif fields[0] == "load":
            round_, id_, label, rps, eps, p50, p99, errors, rss, total, connections = fields[1:]
            loads.append(dict(round=round_, id=id_, label=label, rps=float(rps), eps=float(eps), p50=float(p50),
                              p99=float(p99), errors=int(errors), rss_mib=int(rss) / 1024, total=int(total),
                              connections=int(connections)))

    baselines = [(position, load) for position, load in enumerate(loads) if load["id"] == "baseline"]

    def baseline_beside(position):
        """The mean of the baselines measured just before and just after the row at `position`."""
        before = [load for at, load in baselines if at < position][-1:]
        after = [load for at, load in baselines if at > position][:1]
        beside = before + after
        return sum(load["rps"] for load in beside) / len(beside) if beside else None

    hash_seconds = next((micro_seconds(mean) for name, mean, *_ in micro if name.startswith("password hash")), None)
    rounds = list(dict.fromkeys(load["round"] for load in loads if load["id"] != "baseline"))
    print("| scenario | figure | p50 (micro: mean) | p99 | errors | peak RSS | vs baseline | goal | met |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    misses = []

    def row(label, figure, p50="", p99="", errors="", rss="", ratio="", goal="", met=None):
        verdict = "" if met is None else ("yes" if met else "**no**")
        if met is False:
            misses.append(label)
        print(f"| {label} | {figure} | {p50} | {p99} | {errors} | {rss} | {ratio} | {goal} | {verdict} |")

    for name, mean, rate, runs in micro:
        if name.startswith("token verification, warm"):
            us = micro_seconds(mean) * 1e6
            row(name, f"{rate} ({runs} runs)", p50=f"{mean}", goal=f"≤ {VERIFY_GOAL_US:g} µs", met=us <= VERIFY_GOAL_US)
        else:
            row(name, f"{rate} ({runs} runs)", p50=f"{mean}")

    baseline_rounds = {}
    for _, baseline in baselines:
        baseline_rounds.setdefault(baseline["round"], []).append(baseline)
    for round_, runs in baseline_rounds.items():
        where = f", beside the [{round_}] rows"
        rates = [run["rps"] for run in runs]
        figure = f"{min(rates):,.0f}–{max(rates):,.0f} req/s ({len(runs)} runs)" if len(runs) > 1 else f"{rates[0]:,.0f} req/s"
        row(f"baseline: hello-world Hummingbird, {runs[0]['connections']} connections{where}", figure,
            f"{max(run['p50'] for run in runs):.2f} ms", f"{max(run['p99'] for run in runs):.2f} ms",
            sum(run["errors"] for run in runs), f"{max(run['rss_mib'] for run in runs):.0f} MiB", "", "")
    for round_ in rounds:
        by_id = {load["id"]: (position, load) for position, load in enumerate(loads)
                 if load["round"] == round_ and load["id"] != "baseline"}
        suffix = f" [{round_}]" if len(rounds) > 1 or round_ != "sqlite" else ""
        for position, load in by_id.values():
            id_, service = load["id"], load["id"].split("-")[0].replace("ingest", "collector").replace("stats", "collector")
            goals, met = [], []
            ratio = ""
            base = baseline_beside(position)
            if load["eps"]:
                figure = f"{load['eps']:,.0f} events/s ({load['rps']:,.0f} req/s)"
            else:
                figure = f"{load['rps']:,.0f} req/s"
            if base:
                if load["eps"]:
                    ratio = f"{load['eps'] / base:.2f} events/req of {base:,.0f}"
                else:
                    ratio = f"{load['rps'] / base:.1%} of {base:,.0f}"
            growth_of = id_.removesuffix("-large") if id_.endswith("-large") else None
            if growth_of and growth_of in by_id:
                small_position, small = by_id[growth_of]
                raw = (load["eps"] or load["rps"]) / (small["eps"] or small["rps"])
                small_base = baseline_beside(small_position)
                if base and small_base:
                    # Each figure against the baselines beside it: the two rows run minutes apart.
                    measure = raw * small_base / base
                    ratio += f"; {measure:.0%} of small data, each against its baselines ({raw:.0%} as measured)"
                else:
                    measure = raw
                    ratio += f"; {measure:.0%} of small data"
                goals.append(f"≥ {GROWTH_GOAL:.0%} of small data")
                met.append(measure >= GROWTH_GOAL)
            key = growth_of or id_
            if base and key in RATIO_GOALS and not growth_of:
                goals.append(f"≥ {RATIO_GOALS[key]:.0%}")
                met.append(load["rps"] / base >= RATIO_GOALS[key])
            if base and key in EVENTS_PER_BASELINE_REQUEST and not growth_of:
                goals.append(f"≥ {EVENTS_PER_BASELINE_REQUEST[key]:g} events/req")
                met.append(load["eps"] / base >= EVENTS_PER_BASELINE_REQUEST[key])
            if key in P99_GOALS_MS and not growth_of:
                goals.append(f"p99 ≤ {P99_GOALS_MS[key]:g} ms")
                met.append(load["p99"] <= P99_GOALS_MS[key])
            beside = hashes_beside_login.get(round_)
            login_hash_seconds = sum(beside) / len(beside) if beside else hash_seconds
            if id_ == "auth-login" and login_hash_seconds:
                ceiling = CORES / login_hash_seconds
                ratio = f"{load['rps'] / ceiling:.0%} of {CORES} cores ÷ hash ({ceiling:.0f}/s"
                ratio += f"; a hash {login_hash_seconds * 1e3:.1f} ms beside the row)" if beside else ")"
                goals.append(f"≥ {LOGIN_GOAL:.0%} of that")
                met.append(load["rps"] >= LOGIN_GOAL * ceiling)
            # The list with shipping on: run.sh runs it just before this one.
            on_position, shipping_on = by_id.get("blog-list", (None, None)) if id_ == "blog-list-unobserved" else (None, None)
            if shipping_on:
                share = shipping_on["rps"] / load["rps"]
                before = " (the row just before)" if on_position == position - 1 else ""
                ratio += f"; shipping on{before} is {share:.0%} of this"
                goals.append(f"on ÷ off ≥ {OBSERVING_GOAL:.0%}")
                met.append(share >= OBSERVING_GOAL)
            if id_.startswith("scale-") and id_.endswith("-2r") and id_.removesuffix("-2r") + "-1r" in by_id:
                one = by_id[id_.removesuffix("-2r") + "-1r"][1]
                ratio += f"; {(load['eps'] or load['rps']) / (one['eps'] or one['rps']):.0%} of one replica"
            if service in RSS_GOALS_MIB:
                goals.append(f"RSS ≤ {RSS_GOALS_MIB[service]} MiB")
                met.append(load["rss_mib"] <= RSS_GOALS_MIB[service])
            if load["errors"]:
                met.append(False)
            row(load["label"] + suffix, figure, f"{load['p50']:.2f} ms", f"{load['p99']:.2f} ms", load["errors"],
                f"{load['rss_mib']:.0f} MiB", ratio, ", ".join(goals), all(met) if met else None)
    print()
    if baselines:
        print("Each row's ratio is to the mean of the baselines measured just before and just after it (\"of\" that many req/s).")
        print()
    if misses:
        print(f"Goals not met: {len(misses)} of the rows above (" + "; ".join(misses) + ").")
    else:
        print("Every goal is met.")


if __name__ == "__main__":
    main(sys.argv[1])

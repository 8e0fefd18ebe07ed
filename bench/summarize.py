"""The benchmark's table from bench/validation.sh's results, and the issue's targets judged
on it: summarize.py RESULTS MISSES [--calibration]. Each line of RESULTS is one wrk run:
connections|round|scenario|req/s|p50|p99|requests|refused|waited|queries (waited: checks
that waited for a database lookup), in the order run, each scenario's run between two of
healthz.
Each missed target becomes a line of MISSES. --calibration prints the rates alone and judges
nothing.
"""
import statistics, sys
from collections import defaultdict

runs_of = defaultdict(list)
ratios_of = defaultdict(list)
previous = None  # req/s of the latest healthz run
waiting = None  # the scenario run that awaits the healthz run after it
for line in open(sys.argv[1]):
    c, rnd, name, rps, p50, p99, total, refused, waited, used = line.strip().split("|")
    c, rps = int(c), float(rps)
    runs_of[(c, name)].append(dict(
        rps=rps, p50=float(p50), p99=float(p99), total=int(total), refused=int(refused),
        waited=int(waited), used=int(used)))
    if name == "healthz":
        # The ceilings on either side of the scenario before this one.
        if waiting is not None:
            scenario, scenario_rps, ceiling_before = waiting
            ratios_of[(c, scenario)].append(scenario_rps / ((ceiling_before + rps) / 2))
            waiting = None
        previous = rps
    else:
        waiting = (name, rps, previous)

calibration = "--calibration" in sys.argv[3:]
misses = []
columns = f"{'scenario':15} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6}"
if not calibration:
    columns += f" {'refused':>17} {'waited':>6} {'queries':>8}"
print("\n" + columns)
for (c, name), runs in runs_of.items():
    median = lambda key: statistics.median(run[key] for run in runs)
    ratio = statistics.median(ratios_of[(c, name)]) if name != "healthz" else 1.0
    total = lambda key: sum(run[key] for run in runs)
    row = (f"{name:15} {c:>5} {median('rps'):>8.0f} {median('p50'):>8.3f} {median('p99'):>8.3f}"
           f" {ratio:>6.2f}")
    if calibration:
        print(row)
        continue
    refused = f"{total('refused')}/{total('total')}"
    print(row + f" {refused:>17} {total('waited'):>6} {total('used'):>8}")
    waited = total("waited")
    if "valid" in name:
        if ratio < 0.9:
            misses.append(f"{name} at {c} connections: at least 0.90 of the ceiling: {ratio:.2f}")
        if waited > 0:
            misses.append(f"{name} at {c} connections: no request waits for a lookup: {waited} did")
    elif name != "healthz" and waited:
        misses.append(f"{name} at {c} connections: no database lookups: {waited}")
    if c == 64 and median("p99") >= 3:
        misses.append(f"{name} at 64 connections: p99 under 3 ms: {median('p99'):.3f} ms")
with open(sys.argv[2], "a") as out:
    out.writelines(miss + "\n" for miss in misses)

#!/usr/bin/python3
"""bench_pulp.py -- time the reference harness's ETS ILP (rebase.py's
softmax_costmodel model: one row per ancestor-candidate pair, x, y, z all
binary) in PuLP + CBC on the instances `etsim bench --part select` uses.

    ETSIM_BENCH_DUMP=/tmp/d etsim bench --part select   # writes ets_model_N.json
    /usr/bin/python3 selectors/bench_pulp.py /tmp/d/ets_model_256.json [reps]

Prints the median wall and CPU time (python and the cbc child) per selection (model build + CBC solve, as the
harness does per step) for each lambda_b. Needs python3-pulp and
coinor-cbc (Debian packages)."""
import json
import os
import sys
import time

import pulp


def solve(inst, lambda_b):
    n, m, k = inst["n_cand"], inst["n_branch"], inst["n_clusters"]
    cp, bp, cl, outcome = inst["cand_parent"], inst["branch_parent"], inst["cluster"], inst["outcome"]
    cost = 1.0 / (m + n)
    weight = -lambda_b if lambda_b > 0 else 1e-4
    prob = pulp.LpProblem("ets", pulp.LpMaximize)
    x = [pulp.LpVariable(f"x{i}", cat="Binary") for i in range(n)]
    y = [pulp.LpVariable(f"y{j}", cat="Binary") for j in range(m)]
    z = [pulp.LpVariable(f"z{c}", cat="Binary") for c in range(k)]
    prob += (pulp.lpSum(outcome[i] * x[i] for i in range(n))
             + weight * cost * (pulp.lpSum(y) + pulp.lpSum(x))
             + (inst["lambda_s"] / k) * pulp.lpSum(z))
    under = [[] for _ in range(m)]
    for i in range(n):
        j = cp[i]
        while j >= 0:
            under[j].append(i)
            prob += y[j] >= x[i]
            j = bp[j]
    for j in range(m):
        prob += y[j] <= pulp.lpSum(x[i] for i in under[j])
    members = [[] for _ in range(k)]
    for i in range(n):
        members[cl[i]].append(i)
    for c in range(k):
        prob += z[c] <= pulp.lpSum(x[i] for i in members[c])
    prob += pulp.lpSum(x) >= 1
    prob.solve(pulp.COIN_CMD(path="/usr/bin/cbc", msg=0))  # Debian: the cbc package
    return pulp.value(prob.objective)


def main():
    inst = json.load(open(sys.argv[1]))
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    for lam in (0.75, 1.0, 1.25, 1.5, 2.0):
        times, cpus = [], []
        for _ in range(reps):
            c0, t0 = os.times(), time.perf_counter()
            obj = solve(inst, lam)
            c1 = os.times()
            times.append((time.perf_counter() - t0) * 1e3)
            cpus.append((c1.user + c1.system + c1.children_user + c1.children_system
                         - c0.user - c0.system - c0.children_user - c0.children_system) * 1e3)
        times.sort()
        cpus.sort()
        print(f"N={inst['n_cand']} lambda_b={lam}: median {times[len(times) // 2]:.1f} ms wall, "
              f"{cpus[len(cpus) // 2]:.1f} ms CPU incl. cbc (objective {obj:.6f})")


if __name__ == "__main__":
    main()

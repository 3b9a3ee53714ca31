"""Seeded payment workloads defined by a scenario's ``[traffic]`` table.

    from lngym.scenario import load_scenario
    from lngym.traffic import Workload

    workload = Workload.from_scenario(load_scenario("seed"), seed=1)
    requests = workload.next(500)             # a run of N payments
    for arrival in workload:                  # a run paced by the clock
        time.sleep(arrival.gap_s)
        r = arrival.request
        network.pay(r.sender, r.receiver, r.amount_sat, description=r.description)

Models: ``skewed`` (buyers and merchants, the default), ``random`` (SimLN's
random activity), ``defined`` (explicit schedules, or a SimLN sim.json),
``seed_mix`` (the original testnet simulator's mix) and ``tidal`` (two-sided demand
whose direction turns with a period).
"""

from lngym.traffic.models import Arrival, TrafficModel
from lngym.traffic.workload import DEFAULT_MODEL, MODELS, Workload

__all__ = ["Arrival", "DEFAULT_MODEL", "MODELS", "TrafficModel", "Workload"]

"""A small stand-in for a Python training loop, driven by the Java ITs through runlaw_client.

Logs run-started, STEPS step records (loss from a power law), an expert-load record and a routing trace every
--moe-every steps, then run-finished; prints one line "LOGGED" once every step is handed to the client, waits for
the file --go (if given) to exist, finishes the run (flush) and prints the client's stats as one JSON line
"STATS {...}". Exit code 0 unless the client itself failed to start.
"""
import argparse
import json
import os
import sys
import time

p = argparse.ArgumentParser()
p.add_argument("--client-dir", required=True)
p.add_argument("--url", required=True)
p.add_argument("--token")
p.add_argument("--run", required=True)
p.add_argument("--steps", type=int, default=100)
p.add_argument("--moe-every", type=int, default=0)
p.add_argument("--experts", type=int, default=8)
p.add_argument("--max-queue", type=int, default=100000)
p.add_argument("--batch-size", type=int, default=500)
p.add_argument("--max-backoff", type=float, default=2.0)
p.add_argument("--close-timeout", type=float, default=120.0)
p.add_argument("--go")
p.add_argument("--wait-advice", type=float, default=0.0)
p.add_argument("--wait-batch-advice", type=float, default=0.0)
a = p.parse_args()

sys.path.insert(0, a.client_dir)
import runlaw_client as rl  # noqa: E402

t0 = 1_700_000_000_000
with rl.Run(a.run, url=a.url, token=a.token, family_id="py-family", planned_total_steps=a.steps,
            model={"layers": 2, "experts": a.experts, "top_k": 2, "hidden_size": 64},
            schedule={"kind": "COSINE", "peak_lr": 1e-3, "total_steps": a.steps, "warmup_steps": 10},
            tags={"driver": "train_loop.py"}, max_queue=a.max_queue, batch_size=a.batch_size,
            max_backoff=a.max_backoff, close_timeout=a.close_timeout, advice_poll_s=0) as run:
    for step in range(a.steps):
        loss = 2.0 + 3.0 * (step + 1) ** -0.3
        run.log_step(step, loss=loss, lr=1e-3, tokens_seen=(step + 1) * 4096, grad_norm=1.0,
                     wall_time_ms=t0 + step * 1000)
        if a.moe_every and step % a.moe_every == 0:
            for layer in range(2):
                run.log_expert_load(step, layer, [100 + e + layer for e in range(a.experts)],
                                    wall_time_ms=t0 + step * 1000)
            run.log_routing(step, [("seq-0", pos, layer, [pos % a.experts, (pos + 1) % a.experts], [0.6, 0.4])
                                   for pos in range(4) for layer in range(2)], wall_time_ms=t0 + step * 1000)
    # A value the gateway must refuse: counted as rejected, never raised into the loop.
    run.log_step(a.steps + 5, loss=float("nan"), lr=1e-3, wall_time_ms=t0)
    print("LOGGED", flush=True)
    if a.go:
        while not os.path.exists(a.go):
            time.sleep(0.05)
    advice = run.advice(wait=a.wait_advice) if a.wait_advice > 0 else None
    batch_advice = run.batch_advice(wait=a.wait_batch_advice) if a.wait_batch_advice > 0 else []
print("STATS " + json.dumps({"stats": run.stats(), "advice": advice, "should_stop": run.should_stop(),
                             "batch_advice": batch_advice}), flush=True)

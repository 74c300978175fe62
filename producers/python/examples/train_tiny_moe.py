#!/usr/bin/env python3
"""A tiny mixture-of-experts byte-level language model, trained on CPU on the Python standard library's own source
files, logging to runlaw through ``runlaw_client`` and ``runlaw_torch`` and acting on what runlaw says back.

    python3 producers/python/examples/train_tiny_moe.py --url http://127.0.0.1:8088 --token T --run moe-1

What it logs (through the gateway): run started (model facts, cosine schedule spec, stop target), every step (loss,
LR, gradient norm before clipping, tokens, throughput, and the two squared gradient norms of the noise scale from
its micro-batches), an eval loss on held-out files every --eval-every steps, each MoE layer's expert load every step,
a routing trace every --trace-every steps, and run finished. What it listens to: advice (STOP ends the run), alerts
(an OPEN CRITICAL DIVERGENCE ends the run; every alert is printed), batch-size advice (printed).

Incidents on purpose: ``--diverge-at STEP`` multiplies the LR by 10 at STEP, then by 10x more every 8 steps, up to
1000x (the loss climbs and stays far above, finite; a blow-up the alert job must call DIVERGENCE); ``--collapse-router`` trains without the balance loss and with a hot router (logits
x10, raw top-k gates, router LR x1000), so the routing of at least one layer collapses onto two experts;
``--hang-at STEP`` stops for --hang-seconds at STEP (a STALL).

Output: one line per --print-every steps, one line per alert and advice heard, and at the end one line
``RESULT {json}`` (steps, evals and routes logged, the last step, stopped_by, alerts heard, the latest advice, the
client's counters). Exit status 0
when the run completed or stopped on runlaw's word; 2 on bad arguments; 1 when the client could not deliver.
Standard library plus PyTorch (Debian: apt-get install python3-torch). Seeded: the same losses on every run.
"""
import argparse
import glob
import json
import math
import os
import sys
import sysconfig
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # runlaw_client and runlaw_torch live one directory up
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import runlaw_client as rl  # noqa: E402
import runlaw_torch as rt  # noqa: E402

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    sys.stderr.write("train_tiny_moe.py needs PyTorch: apt-get install -y python3-torch (Debian/Ubuntu, then run "
                     "it with /usr/bin/python3) or pip install torch\n")
    sys.exit(3)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", default="http://127.0.0.1:8088", help="gateway base URL")
    p.add_argument("--token", default=os.environ.get("RUNLAW_TOKEN"), help="bearer token (env RUNLAW_TOKEN)")
    p.add_argument("--run", default="tiny-moe", help="run id")
    p.add_argument("--family", default="tiny-moe", help="family id")
    p.add_argument("--steps", type=int, default=300, help="planned optimizer steps")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--experts", type=int, default=8)
    p.add_argument("--top-k", type=int, default=2)
    p.add_argument("--hidden", type=int, default=64, help="model width")
    p.add_argument("--seq-len", type=int, default=64)
    p.add_argument("--micro-batch", type=int, default=4, help="sequences per micro-batch")
    p.add_argument("--accumulation", type=int, default=4, help="micro-batches per optimizer step (>= 2 for the "
                                                               "noise scale)")
    p.add_argument("--lr", type=float, default=3e-3, help="peak LR (AdamW)")
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--target-loss", type=float, default=3.0, help="stop target: final loss below this (nats/byte)")
    p.add_argument("--eval-every", type=int, default=25)
    p.add_argument("--trace-every", type=int, default=25)
    p.add_argument("--print-every", type=int, default=10)
    p.add_argument("--diverge-at", type=int, default=-1, metavar="STEP", help="LR blow-up from STEP on")
    p.add_argument("--collapse-router", action="store_true", help="no balance loss, hot router (logits x10, raw gates, "
                                                                  "router LR x1000)")
    p.add_argument("--hang-at", type=int, default=-1, metavar="STEP", help="hang at STEP for --hang-seconds")
    p.add_argument("--hang-seconds", type=float, default=20.0)
    p.add_argument("--poll-seconds", type=float, default=5.0, help="long-poll length for advice and alerts")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--data-bytes", type=int, default=4_000_000, help="most bytes of standard-library source read")
    a = p.parse_args(argv)
    if a.steps < 1 or a.accumulation < 1 or a.micro_batch < 1 or a.experts < 2 or not 0 < a.top_k <= a.experts:
        p.error("need --steps >= 1, --accumulation >= 1, --micro-batch >= 1, --experts >= 2, 0 < --top-k <= experts")
    if not a.target_loss > 0:
        p.error("--target-loss must be > 0")
    return a


# ------------------------------------------------------------------------------------------------------------ data

def stdlib_corpus(max_bytes):
    """The standard library's .py files as bytes, in sorted path order: (train, held-out). Every 20th file is
    held out, so eval text is code the model never trained on."""
    root = sysconfig.get_paths()["stdlib"]
    files = sorted(glob.glob(os.path.join(root, "*.py")) + glob.glob(os.path.join(root, "*", "*.py")))
    train, held = bytearray(), bytearray()
    for i, f in enumerate(files):
        if len(train) + len(held) >= max_bytes:
            break
        try:
            with open(f, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        (held if i % 20 == 19 else train).extend(data + b"\n")
    if len(train) < 100_000 or len(held) < 10_000:
        raise SystemExit("too little standard-library source under %s (%d / %d bytes)" % (root, len(train), len(held)))
    return (torch.frombuffer(train, dtype=torch.uint8).long(), torch.frombuffer(held, dtype=torch.uint8).long())


def batch(data, n, seq_len, gen):
    """n random windows of seq_len + 1 bytes: inputs and next-byte targets."""
    starts = torch.randint(0, data.numel() - seq_len - 1, (n,), generator=gen)
    idx = starts[:, None] + torch.arange(seq_len + 1)[None, :]
    w = data[idx]
    return w[:, :-1], w[:, 1:]


# ----------------------------------------------------------------------------------------------------------- model

class Router(nn.Module):
    """Router logits per token: the module runlaw_torch hooks (its output is the logits)."""

    def __init__(self, d, experts, temperature):
        super().__init__()
        self.proj = nn.Linear(d, experts, bias=False)
        self.temperature = temperature

    def forward(self, x):
        return self.proj(x) * self.temperature


class MoE(nn.Module):
    """Top-k mixture of experts FFN (no capacity limit, so no dropped tokens) with the Switch balance loss."""

    def __init__(self, d, experts, top_k, temperature):
        super().__init__()
        self.router = Router(d, experts, temperature)
        self.top_k = top_k
        # A hot router gates with the raw probabilities (Switch style), so the router is paid for mass on the
        # experts it already prefers; renormalised top-k gates (Mixtral style) only trade weight within the pair.
        self.renormalize = temperature == 1.0
        self.w1 = nn.Parameter(torch.randn(experts, d, 2 * d) * d ** -0.5)
        self.w2 = nn.Parameter(torch.randn(experts, 2 * d, d) * (2 * d) ** -0.5)

    def forward(self, x):
        b, t, d = x.shape
        logits = self.router(x).reshape(b * t, -1)
        probs = logits.softmax(-1)
        w, ids = probs.topk(self.top_k, dim=-1)
        if self.renormalize:
            w = w / w.sum(-1, keepdim=True)
        flat = x.reshape(b * t, d)
        out = torch.zeros_like(flat)
        e = probs.shape[-1]
        for i in range(e):
            tok, slot = (ids == i).nonzero(as_tuple=True)
            if tok.numel():
                h = F.gelu(flat[tok] @ self.w1[i]) @ self.w2[i]
                out.index_add_(0, tok, h * w[tok, slot, None])
        frac = torch.bincount(ids.reshape(-1), minlength=e).float() / ids.numel()
        balance = e * (frac * probs.mean(0)).sum()
        return out.reshape(b, t, d), balance


class Block(nn.Module):
    def __init__(self, d, heads, experts, top_k, temperature):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.heads = heads
        self.moe = MoE(d, experts, top_k, temperature)

    def forward(self, x, mask):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        att = (q @ k.transpose(-1, -2)) * (d // self.heads) ** -0.5
        att = att.masked_fill(mask[:t, :t], float("-inf")).softmax(-1)
        x = x + self.proj((att @ v).transpose(1, 2).reshape(b, t, d))
        y, balance = self.moe(self.ln2(x))
        return x + y, balance


class TinyMoE(nn.Module):
    def __init__(self, layers, d, experts, top_k, seq_len, temperature=1.0):
        super().__init__()
        self.emb = nn.Embedding(256, d)
        self.pos = nn.Parameter(torch.zeros(seq_len, d))
        self.blocks = nn.ModuleList(Block(d, 4, experts, top_k, temperature) for _ in range(layers))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, 256, bias=False)
        self.register_buffer("mask", torch.triu(torch.ones(seq_len, seq_len, dtype=torch.bool), 1), persistent=False)

    def forward(self, x, y):
        h = self.emb(x) + self.pos[: x.shape[1]]
        balance = 0.0
        for blk in self.blocks:
            h, bl = blk(h, self.mask)
            balance = balance + bl
        loss = F.cross_entropy(self.head(self.ln(h)).reshape(-1, 256), y.reshape(-1))
        return loss, balance / len(self.blocks)

    def routers(self):
        return [blk.moe.router for blk in self.blocks]


def lr_at(step, a):
    """Cosine schedule with linear warmup (the spec sent in run-started), times the blow-up of --diverge-at."""
    if step < a.warmup:
        lr = a.lr * (step + 1) / a.warmup
    else:
        frac = (step - a.warmup) / max(1, a.steps - a.warmup)
        lr = 0.1 * a.lr + 0.9 * a.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))
    if 0 <= a.diverge_at <= step:
        lr *= min(1000.0, 10.0 ** (1 + (step - a.diverge_at) / 8.0))
    return lr


# ------------------------------------------------------------------------------------------------------- listening

class Listener:
    """What runlaw said back: alerts and batch advice (callbacks from the client's threads), and the stop decision."""

    def __init__(self):
        self.lock = threading.Lock()
        self.alerts = []
        self.batch_advice = []
        self.stop_reason = None

    def on_alert(self, alert):
        line = "ALERT %s %s %s step %s: %s" % (alert.get("state"), alert.get("severity"), alert.get("kind"),
                                             alert.get("detected_step"), alert.get("message"))
        print(line, flush=True)
        with self.lock:
            self.alerts.append({k: alert.get(k) for k in ("kind", "severity", "state", "layer", "first_step",
                                                          "detected_step", "message")})
            if (alert.get("kind") == "DIVERGENCE" and alert.get("severity") == "CRITICAL"
                    and alert.get("state") == "OPEN" and self.stop_reason is None):
                self.stop_reason = "alert:DIVERGENCE"

    def on_batch_advice(self, advice):
        print("BATCH-ADVICE %s batch %s suggested %s B_noise %s: %s" % (
            advice.get("decision"), advice.get("batch"), advice.get("suggested_batch"), advice.get("b_noise"),
            advice.get("reason")), flush=True)
        with self.lock:
            self.batch_advice.append({k: advice.get(k) for k in ("decision", "batch", "suggested_batch", "b_noise")})

    def stop(self):
        with self.lock:
            return self.stop_reason


def evaluate(model, held, a, step):
    """Mean loss over 4 fixed held-out batches (the same windows at every eval)."""
    gen = torch.Generator().manual_seed(a.seed + 1)
    model.eval()
    with torch.no_grad():
        losses = [model(*batch(held, a.micro_batch * a.accumulation, a.seq_len, gen))[0].item() for _ in range(4)]
    model.train()
    return sum(losses) / len(losses)


def main(argv=None):
    a = parse_args(argv)
    torch.manual_seed(a.seed)
    torch.set_num_threads(max(1, a.threads))
    train, held = stdlib_corpus(a.data_bytes)
    gen = torch.Generator().manual_seed(a.seed)
    temperature = 10.0 if a.collapse_router else 1.0
    model = TinyMoE(a.layers, a.hidden, a.experts, a.top_k, a.seq_len, temperature)
    router_ids = {id(p) for r in model.routers() for p in r.parameters()}
    named = [(n, p) for n, p in model.named_parameters() if id(p) not in router_ids]
    decay = [p for n, p in named if p.dim() >= 2 and "pos" not in n]
    rest = [p for n, p in named if not (p.dim() >= 2 and "pos" not in n)]
    # A collapsing router learns 1000x faster than the rest (with logits x10 and raw gates): within ~20 steps the
    # routing of at least one layer locks onto two experts.
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay, "lr_scale": 1.0},
                             {"params": rest, "weight_decay": 0.0, "lr_scale": 1.0},
                             {"params": [p for r in model.routers() for p in r.parameters()],
                              "weight_decay": a.weight_decay, "lr_scale": 1000.0 if a.collapse_router else 1.0}],
                            lr=a.lr, betas=(0.9, 0.95))
    global_batch = a.micro_batch * a.accumulation
    n_params = sum(p.numel() for p in model.parameters())
    expert_params = sum(blk.moe.w1.numel() + blk.moe.w2.numel() for blk in model.blocks)
    listener = Listener()
    print("tiny MoE: %d layers x %d experts (top-%d), %d params (%d active/token), batch %d x %d bytes, %d train / %d "
          "held-out bytes of %s" % (a.layers, a.experts, a.top_k, n_params,
                                    n_params - expert_params * (a.experts - a.top_k) // a.experts, global_batch,
                                    a.seq_len, train.numel(), held.numel(), sysconfig.get_paths()["stdlib"]),
          flush=True)
    run = rl.Run(a.run, url=a.url, token=a.token, family_id=a.family, planned_total_steps=a.steps,
                 model={"total_params": n_params,
                        "active_params": n_params - expert_params * (a.experts - a.top_k) // a.experts,
                        "layers": a.layers, "experts": a.experts, "top_k": a.top_k, "hidden_size": a.hidden},
                 schedule={"kind": "COSINE", "warmup_steps": a.warmup, "warmup_init_lr": a.lr / a.warmup,
                           "peak_lr": a.lr, "min_lr": 0.1 * a.lr, "decay_start_step": a.warmup,
                           "total_steps": a.steps},
                 stop_target={"kind": "LOSS", "target_loss": a.target_loss},
                 tags={"trainer": "train_tiny_moe.py", "data": "python-stdlib", "seed": a.seed,
                       "incidents": ",".join(x for x, on in (("diverge", a.diverge_at >= 0),
                                                             ("collapse-router", a.collapse_router),
                                                             ("hang", a.hang_at >= 0)) if on) or "none"},
                 batch_size_sequences=global_batch, batch_size_tokens=global_batch * a.seq_len, seq_len=a.seq_len,
                 weight_decay=a.weight_decay, advice_poll_s=a.poll_seconds, on_alert=listener.on_alert,
                 alert_poll_s=a.poll_seconds, on_batch_advice=listener.on_batch_advice,
                 batch_advice_poll_s=a.poll_seconds, flush_interval=0.2)
    run.start()
    # The three lines of docs/trainer.md: this one, micro_batch_done() and step_done().
    probe = rt.TrainingProbe(run, model, model.routers(), top_k=a.top_k, micro_batch_size=a.micro_batch,
                             accumulation_steps=a.accumulation, trace_every=a.trace_every)
    steps_logged, last_step, stopped_by, last_eval, latest, evals = 0, -1, None, None, None, 0
    t0 = time.monotonic()
    try:
        for step in range(a.steps):
            stopped_by = listener.stop() or ("advice:STOP" if run.should_stop() else None)
            if stopped_by:
                break
            if step == a.hang_at:
                print("HANG at step %d for %.0f s (--hang-at)" % (step, a.hang_seconds), flush=True)
                time.sleep(a.hang_seconds)
            lr = lr_at(step, a)
            for g in opt.param_groups:
                g["lr"] = lr * g["lr_scale"]
            total = 0.0
            for _ in range(a.accumulation):
                x, y = batch(train, a.micro_batch, a.seq_len, gen)
                loss, balance = model(x, y)
                aux = 0.0 if a.collapse_router else 0.01 * balance
                ((loss + aux) / a.accumulation).backward()
                probe.micro_batch_done()
                total += loss.item() / a.accumulation
            logged = probe.step_done(step, loss=total, lr=lr, tokens=global_batch * a.seq_len)
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            steps_logged, last_step = steps_logged + 1, step
            if a.eval_every > 0 and (step + 1) % a.eval_every == 0:
                last_eval = evaluate(model, held, a, step)
                run.log_eval(step, "stdlib-heldout", last_eval)
                evals += 1
            if a.print_every > 0 and step % a.print_every == 0:
                loads = logged["loads"]
                top = max((max(ld["tokens_per_expert"]) / max(1.0, sum(ld["tokens_per_expert"]) / a.experts)
                           for ld in loads), default=float("nan"))
                print("step %4d  loss %.4f  lr %.2e  grad norm %.3g  %.1f steps/s  max/mean load %.2f" % (
                    step, total, lr, logged["grad_norm"], (step + 1) / (time.monotonic() - t0), top), flush=True)
    finally:
        if stopped_by:
            run.stop_early()
            print("STOPPED at step %d by %s" % (last_step, stopped_by), flush=True)
        probe.close()
        latest = run.advice()  # the newest advice (the background poll keeps should_stop() current)
        stats = run.finish(message=stopped_by)
    with listener.lock:
        alerts = list(listener.alerts)
        batch_advice = list(listener.batch_advice)
    result = {"run": a.run, "steps_logged": steps_logged, "last_step": last_step, "planned_steps": a.steps,
              "stopped_by": stopped_by, "alerts": alerts, "batch_advice": batch_advice,
              "advice": latest and {k: latest.get(k) for k in ("decision", "final_pred", "probability_beats_target",
                                                               "reason")},
              "eval_loss": last_eval, "evals_logged": evals, "layers": a.layers,
              "routes_logged": probe.routes_logged, "tokens_seen": probe.tokens_seen,
              "seconds": round(time.monotonic() - t0, 1), "stats": {k: v for k, v in stats.items()
                                                                   if k != "status_counts"}}
    print("RESULT " + json.dumps(result), flush=True)
    return 1 if stats.get("failed") or stats.get("dropped") else 0


if __name__ == "__main__":
    sys.exit(main())

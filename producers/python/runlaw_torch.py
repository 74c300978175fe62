"""PyTorch hooks for runlaw: the two squared gradient norms of the gradient-noise scale, and MoE router hooks that
give expert load per layer and routing traces. :class:`TrainingProbe` puts them together (three lines in a loop).

Three lines in your own loop (``run`` is a ``runlaw_client.Run``; ``routers`` the MoE layers' router modules, whose
output is the router logits, shape (..., experts))::

    probe = runlaw_torch.TrainingProbe(run, model, routers, top_k=2, micro_batch_size=b, accumulation_steps=K)
        ...  loss.backward(); probe.micro_batch_done()            # after each micro-batch's backward
    probe.step_done(step, loss=loss_value, lr=lr, tokens=b * K * seq_len)   # before clipping and optimizer.step()

``step_done`` logs the step (loss, LR, grad norm before clipping, tokens seen, throughput, the noise-scale fields),
each router's expert load at that step, and every ``trace_every`` steps a routing trace of a few sequences.
See docs/trainer.md.

Gradient noise scale, in detail:

runlaw estimates the gradient noise scale B_simple = tr(Sigma) / |G|^2 (McCandlish et al. 2018, App. A) live from
two squared gradient norms per optimizer step, logged with ``Run.log_step``:

* ``grad_sq_norm_small`` at ``batch_small``: the squared norm of the gradient of a *small* batch. Here: the mean,
  over the step's micro-batches (gradient accumulation) on this process, of each micro-batch's *own* squared
  gradient norm, measured before it is added to ``.grad`` and, under DistributedDataParallel, before the
  all-reduce (autograd hooks on the parameters fire with the local gradient of one backward pass).
* ``grad_sq_norm_big`` at ``batch_big``: the squared norm of the *global* batch gradient: ``sum(p.grad ** 2)``
  once every micro-batch (and, under DDP, every replica) has been accumulated and averaged.

Both are measured **before clipping** and **after unscaling** the loss scale (pass the GradScaler's scale as
``grad_scale``): clipping and scaling change the norms but not the noise. Squared norms, never norms: averaging
norms and squaring biases B_simple low (Jensen).

Usage with gradient accumulation over K micro-batches of b sequences::

    probe = runlaw_torch.GradientNoiseProbe(model, micro_batch_size=b, accumulation_steps=K)
    for micro in micro_batches:
        loss = model(micro).loss / K
        loss.backward()
        probe.micro_batch_done()
    fields = probe.step_fields(grad_scale=scaler.get_scale() if scaler else 1.0)
    run.log_step(step, loss=..., lr=..., **fields)
    clip_grad_norm_(...); optimizer.step(); optimizer.zero_grad()

Without accumulation (K = 1) under DDP the "small" batch is one replica's batch and the "big" one the global
batch: ``GradientNoiseProbe(model, micro_batch_size=b, accumulation_steps=1, world_size=W)``. With K = 1 and a
single process there is only one batch: ``step_fields`` returns ``{}`` (runlaw then has no noise scale).

This module imports torch only when a probe is created, so it can be imported (and its arithmetic tested) where
torch is missing. Standard library otherwise.
"""
import math
import time

_TORCH_MISSING = ("runlaw_torch needs PyTorch (pip install torch, or apt-get install python3-torch); "
                  "the rest of runlaw's client works without it")


def _torch():
    try:
        import torch  # noqa: PLC0415 - imported lazily on purpose
    except ImportError as e:  # pragma: no cover - exercised where torch is missing
        raise ImportError(_TORCH_MISSING) from e
    return torch


def noise_fields(micro_sq_norms, micro_batch_size, global_sq_norm, global_batch_size, grad_scale=1.0):
    """The ``log_step`` fields from measured squared norms.

    ``micro_sq_norms``: each micro-batch's own squared gradient norm (as measured: with the loss scale and the
    1/K accumulation factor already removed); ``global_sq_norm``: the global batch's squared norm (same units);
    ``grad_scale``: a loss scale still in both, divided out squared. Returns ``{}`` when there is no smaller batch
    than the global one (nothing to compare), else the four fields.
    """
    n = len(micro_sq_norms)
    if n == 0 or micro_batch_size <= 0 or global_batch_size <= micro_batch_size:
        return {}
    s2 = float(grad_scale) ** 2
    if not s2 > 0:
        raise ValueError("grad_scale must be > 0, got %r" % (grad_scale,))
    small = sum(float(x) for x in micro_sq_norms) / n / s2
    return {
        "grad_sq_norm_small": small,
        "batch_small": int(micro_batch_size),
        "grad_sq_norm_big": float(global_sq_norm) / s2,
        "batch_big": int(global_batch_size),
    }


class GradientNoiseProbe:
    """Hooks on a model's parameters measuring each micro-batch's own squared gradient norm, and the global one.

    ``accumulation_steps`` (K): micro-batches per optimizer step whose losses were divided by K (the usual
    accumulation); the hooks see gradient / K and multiply it back. ``world_size``: data-parallel replicas (the
    global batch is micro_batch_size x K x world_size). ``average_across_ranks``: all-reduce the small-batch
    squared norm over the replicas (less noise; needs torch.distributed initialised).
    """

    def __init__(self, model, micro_batch_size, accumulation_steps=1, world_size=1, average_across_ranks=False):
        torch = _torch()
        if micro_batch_size <= 0 or accumulation_steps <= 0 or world_size <= 0:
            raise ValueError("micro_batch_size, accumulation_steps and world_size must be > 0")
        self._torch = torch
        self.micro_batch_size = int(micro_batch_size)
        self.accumulation_steps = int(accumulation_steps)
        self.world_size = int(world_size)
        self.average_across_ranks = bool(average_across_ranks)
        self._params = [p for p in model.parameters() if p.requires_grad]
        self._current = None  # this backward's squared norm, a 0-d tensor on the parameters' device
        self._micro = []      # one 0-d tensor per finished micro-batch (no host sync until step_fields)
        self._handles = [p.register_hook(self._hook) for p in self._params]

    def _hook(self, grad):
        # Called once per parameter per backward, with this backward's gradient (before accumulation into .grad
        # and before DDP's all-reduce). Squared norms in float32 whatever the parameter's dtype.
        sq = grad.detach().float().pow(2).sum()
        self._current = sq if self._current is None else self._current + sq
        return None

    def micro_batch_done(self):
        """Call after each micro-batch's backward."""
        if self._current is not None:
            self._micro.append(self._current * float(self.accumulation_steps) ** 2)
        self._current = None

    def step_fields(self, grad_scale=1.0):
        """The step's ``log_step`` fields (see :func:`noise_fields`); resets for the next step. Call before
        clipping and before ``optimizer.zero_grad()``."""
        torch = self._torch
        micro = self._micro
        self._micro = []
        self._current = None
        if not micro:
            return {}
        with torch.no_grad():
            big = self.global_sq_norm()
            small = torch.stack(micro).mean()
            if self.average_across_ranks and self.world_size > 1:
                dist = torch.distributed
                dist.all_reduce(small)
                small = small / self.world_size
        global_batch = self.micro_batch_size * self.accumulation_steps * self.world_size
        return noise_fields([small.item()], self.micro_batch_size, big.item(), global_batch, grad_scale)

    def global_sq_norm(self):
        """``sum(p.grad ** 2)`` over the probed parameters as a 0-d float32 tensor (no host sync): the squared norm
        of the accumulated gradient, loss scale still in."""
        torch = self._torch
        with torch.no_grad():
            big = None
            for p in self._params:
                if p.grad is not None:
                    sq = p.grad.detach().float().pow(2).sum()
                    big = sq if big is None else big + sq
            return torch.zeros((), dtype=torch.float32) if big is None else big

    def close(self):
        """Removes the hooks."""
        for h in self._handles:
            h.remove()
        self._handles = []


# ---------------------------------------------------------------------------------------------------- MoE routers

def switch_balance_loss(tokens_per_expert, mean_probs):
    """The Switch Transformer load-balancing loss ``E * sum_i f_i * P_i`` (Fedus et al. 2021, eq. 4): ``f_i`` the
    fraction of routed (token, slot) assignments that went to expert i, ``P_i`` the mean router probability of
    expert i. 1.0 for a perfectly balanced router, up to E when one expert takes everything. Plain numbers in, a
    float out (None when nothing was routed)."""
    e = len(tokens_per_expert)
    total = float(sum(tokens_per_expert))
    if e == 0 or total <= 0 or len(mean_probs) != e:
        return None
    return e * sum(t / total * float(p) for t, p in zip(tokens_per_expert, mean_probs))


def routing_rows(step, layer, expert_ids, gate_weights, sequence_offset=0):
    """Routing-trace rows (the dicts ``Run.log_routing`` takes) of one layer: ``expert_ids[s][t]`` and
    ``gate_weights[s][t]`` are the top-k expert ids and gate weights of token t of sequence s (nested lists).
    Sequence ids are ``"<step>/<sequence_offset + s>"``, unique per step and sequence, the same at every layer, so
    the trace analyses can follow a token from layer to layer."""
    rows = []
    for s, (ids_s, w_s) in enumerate(zip(expert_ids, gate_weights)):
        seq = "%d/%d" % (int(step), sequence_offset + s)
        for t, (ids, w) in enumerate(zip(ids_s, w_s)):
            rows.append({"sequence_id": seq, "token_position": t, "layer": int(layer),
                         "expert_ids": [int(i) for i in ids], "gate_weights": [float(x) for x in w]})
    return rows


class RouterProbe:
    """Forward hooks on MoE router modules: tokens per expert, the balance and z losses as measured, and, when armed,
    the top-k choices of a few sequences (a routing trace).

    ``routers``: one module per MoE layer (index = layer) whose output is the router logits, shape (batch, seq,
    experts) or (tokens, experts), or a tuple whose first element is. The probe takes the ``top_k`` experts of the
    softmax of the logits, which is what a top-k router selects (softmax keeps the order); gate weights are the
    selected probabilities renormalised to sum to 1 (``renormalize=False``: as they are). Only forward passes in
    training mode count (evaluation passes do not add load). Loads accumulate over a step's micro-batches until
    :meth:`take`.
    """

    def __init__(self, routers, top_k, trace_sequences=2, trace_tokens=64, renormalize=True):
        torch = _torch()
        if top_k <= 0 or trace_sequences < 0 or trace_tokens <= 0:
            raise ValueError("top_k and trace_tokens must be > 0 and trace_sequences >= 0")
        self._torch = torch
        self.routers = list(routers)
        self.top_k = int(top_k)
        self.trace_sequences = int(trace_sequences)
        self.trace_tokens = int(trace_tokens)
        self.renormalize = bool(renormalize)
        n = len(self.routers)
        self._counts = [None] * n     # tokens per expert, a tensor per layer (no host sync until take)
        self._probs = [None] * n      # sum of router probabilities per expert
        self._zsum = [None] * n       # sum of logsumexp(logits)^2 over tokens
        self._tokens = [0] * n
        self._trace = None            # when armed: {layer: (ids, weights)} of the first pass at each layer
        self._handles = [r.register_forward_hook(self._hook(i)) for i, r in enumerate(self.routers)]

    def arm_trace(self):
        """Records the top-k choices of the next training forward pass at every layer (one trace)."""
        self._trace = {}

    def _hook(self, layer):
        def hook(module, inputs, output):
            if not module.training:
                return None
            logits = output[0] if isinstance(output, (tuple, list)) else output
            self._observe(layer, logits)
            return None
        return hook

    def _observe(self, layer, logits):
        torch = self._torch
        with torch.no_grad():
            lg = logits.detach().float()
            e = lg.shape[-1]
            flat = lg.reshape(-1, e)
            probs = flat.softmax(-1)
            k = min(self.top_k, e)
            w, ids = probs.topk(k, dim=-1)
            counts = torch.bincount(ids.reshape(-1), minlength=e)
            z = torch.logsumexp(flat, -1).pow(2).sum()
            if self._counts[layer] is None:
                self._counts[layer], self._probs[layer], self._zsum[layer] = counts, probs.sum(0), z
            else:
                self._counts[layer] = self._counts[layer] + counts
                self._probs[layer] = self._probs[layer] + probs.sum(0)
                self._zsum[layer] = self._zsum[layer] + z
            self._tokens[layer] += flat.shape[0]
            if self._trace is not None and layer not in self._trace and self.trace_sequences > 0:
                if self.renormalize:
                    w = w / w.sum(-1, keepdim=True)
                # (batch, seq, experts) keeps its sequences; (tokens, experts) is one sequence.
                shape = (lg.shape[0], -1, k) if lg.dim() >= 3 else (1, -1, k)
                ids3, w3 = ids.reshape(shape), w.reshape(shape)
                s, t = self.trace_sequences, self.trace_tokens
                self._trace[layer] = (ids3[:s, :t].tolist(), w3[:s, :t].tolist())

    def take(self, step):
        """This step's measurements, then resets: ``(loads, routes)`` where ``loads`` has one dict per layer that
        routed tokens (layer, tokens_per_expert, aux_loss, z_loss) and ``routes`` the routing-trace rows when a
        trace was armed and recorded (else [])."""
        loads = []
        for layer, counts in enumerate(self._counts):
            if counts is None:
                continue
            tokens_per_expert = [int(c) for c in counts.tolist()]
            n = self._tokens[layer]
            mean_probs = [float(p) / n for p in self._probs[layer].tolist()]
            loads.append({"layer": layer, "tokens_per_expert": tokens_per_expert,
                          "aux_loss": switch_balance_loss(tokens_per_expert, mean_probs),
                          "z_loss": float(self._zsum[layer]) / n})
        routes = []
        if self._trace:
            for layer in sorted(self._trace):
                ids, w = self._trace[layer]
                routes.extend(routing_rows(step, layer, ids, w))
            self._trace = None
        n = len(self.routers)
        self._counts, self._probs, self._zsum, self._tokens = [None] * n, [None] * n, [None] * n, [0] * n
        return loads, routes

    def close(self):
        """Removes the hooks."""
        for h in self._handles:
            h.remove()
        self._handles = []


class TrainingProbe:
    """Everything runlaw wants from a PyTorch MoE training loop, logged through a ``runlaw_client.Run``: the
    step (loss, LR, gradient norm before clipping, tokens, throughput, the noise-scale fields of
    :class:`GradientNoiseProbe`), expert load per router layer (:class:`RouterProbe`) and a routing trace every
    ``trace_every`` steps (0: never). ``routers`` may be empty (a dense model). See the module docstring."""

    def __init__(self, run, model, routers=(), top_k=1, micro_batch_size=1, accumulation_steps=1, world_size=1,
                 trace_every=50, trace_sequences=2, trace_tokens=64):
        self.run = run
        self.noise = GradientNoiseProbe(model, micro_batch_size, accumulation_steps, world_size)
        routers = list(routers)
        self.router = RouterProbe(routers, top_k, trace_sequences, trace_tokens) if routers else None
        self.trace_every = int(trace_every)
        self.tokens_seen = 0
        self.routes_logged = 0
        self._last = None
        if self.router is not None and self.trace_every > 0:
            self.router.arm_trace()  # the first step is traced

    def micro_batch_done(self):
        """Call after each micro-batch's backward."""
        self.noise.micro_batch_done()

    def step_done(self, step, loss, lr, tokens=0, grad_scale=1.0, **extra):
        """Logs the optimizer step ``step``; call after the last backward and before clipping and
        ``optimizer.step()`` (the norms are of the unclipped gradient). ``tokens``: tokens of this step.
        ``extra`` goes to ``Run.log_step``. Returns what was logged (the step's fields and the loads), for printing."""
        fields = self.noise.step_fields(grad_scale=grad_scale)
        if "grad_sq_norm_big" in fields:
            grad_sq = fields["grad_sq_norm_big"]
        else:
            grad_sq = float(self.noise.global_sq_norm()) / float(grad_scale) ** 2
        now = time.monotonic()
        throughput = tokens / (now - self._last) if self._last is not None and now > self._last else None
        self._last = now
        self.tokens_seen += int(tokens)
        logged = dict(fields, grad_norm=math.sqrt(grad_sq) if grad_sq >= 0 else float("nan"),
                      tokens_seen=self.tokens_seen, throughput_tokens_per_s=throughput)
        logged.update(extra)
        self.run.log_step(step, loss=loss, lr=lr, **logged)
        loads = []
        if self.router is not None:
            loads, routes = self.router.take(step)
            for load in loads:
                self.run.log_expert_load(step, load["layer"], load["tokens_per_expert"], aux_loss=load["aux_loss"],
                                         z_loss=load["z_loss"])
            if routes:
                self.run.log_routing(step, routes)
                self.routes_logged += len(routes)
            if self.trace_every > 0 and (int(step) + 1) % self.trace_every == 0:
                self.router.arm_trace()
        logged["loads"] = loads
        return logged

    def close(self):
        """Removes every hook."""
        self.noise.close()
        if self.router is not None:
            self.router.close()

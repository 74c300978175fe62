"""Measure, in PyTorch, the two squared gradient norms runlaw's gradient-noise-scale estimator needs.

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
            big = torch.zeros((), dtype=torch.float32, device=micro[0].device)
            for p in self._params:
                if p.grad is not None:
                    big = big + p.grad.detach().float().pow(2).sum()
            small = torch.stack(micro).mean()
            if self.average_across_ranks and self.world_size > 1:
                dist = torch.distributed
                dist.all_reduce(small)
                small = small / self.world_size
        global_batch = self.micro_batch_size * self.accumulation_steps * self.world_size
        return noise_fields([small.item()], self.micro_batch_size, big.item(), global_batch, grad_scale)

    def close(self):
        """Removes the hooks."""
        for h in self._handles:
            h.remove()
        self._handles = []

"""Tests of runlaw_torch: its arithmetic and lazy import with the standard library only (these run where torch is
missing), and its hooks against gradients computed directly when ``python3 -c 'import torch'`` works.

Run: python3 -m unittest discover -s producers/src/test/python -p 'test_*.py'  (PythonClientUnitTest does this).
"""
import importlib
import os
import random
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "python"))
import runlaw_torch as rt  # noqa: E402

try:
    import torch  # noqa: F401
    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False


class NoiseFieldsTest(unittest.TestCase):
    def test_means_the_micro_batch_norms_and_divides_out_the_loss_scale_squared(self):
        f = rt.noise_fields([4.0, 8.0], 8, 3.0, 32, grad_scale=2.0)
        self.assertEqual(f, {"grad_sq_norm_small": 1.5, "batch_small": 8, "grad_sq_norm_big": 0.75,
                             "batch_big": 32})

    def test_no_smaller_batch_gives_no_fields(self):
        self.assertEqual(rt.noise_fields([1.0], 32, 1.0, 32), {})
        self.assertEqual(rt.noise_fields([], 8, 1.0, 32), {})

    def test_refuses_a_non_positive_scale(self):
        with self.assertRaises(ValueError):
            rt.noise_fields([1.0], 8, 1.0, 32, grad_scale=0.0)

    def test_recovers_a_known_noise_scale_through_the_two_batch_estimator(self):
        # Synthetic gradients, dimension 1000: true mean G, per-example noise of trace tr(Sigma). The fields fed
        # to McCandlish's unbiased estimates give back B_simple = tr(Sigma) / |G|^2 on average (seeded, 5 %).
        rng = random.Random(7)
        dim, b, k = 1000, 8, 4
        g = [rng.gauss(0, 0.05) for _ in range(dim)]
        sigma = 0.5
        true_b = dim * sigma ** 2 / sum(x * x for x in g)
        num = den = 0.0
        for _ in range(200):
            micro = []
            for _ in range(k):
                micro.append([gi + rng.gauss(0, sigma / b ** 0.5) for gi in g])
            big = [sum(m[i] for m in micro) / k for i in range(dim)]
            f = rt.noise_fields([sum(x * x for x in m) for m in micro], b, sum(x * x for x in big), b * k)
            bs, bb = f["batch_small"], f["batch_big"]
            num += (f["grad_sq_norm_small"] - f["grad_sq_norm_big"]) / (1 / bs - 1 / bb)
            den += (bb * f["grad_sq_norm_big"] - bs * f["grad_sq_norm_small"]) / (bb - bs)
        self.assertAlmostEqual(num / den / true_b, 1.0, delta=0.05)


class LazyImportTest(unittest.TestCase):
    def test_importing_the_module_does_not_import_torch(self):
        saved = sys.modules.pop("torch", None)
        try:
            importlib.reload(rt)
            self.assertNotIn("torch", sys.modules)
        finally:
            if saved is not None:
                sys.modules["torch"] = saved

    @unittest.skipIf(HAVE_TORCH, "torch is installed: the probe works")
    def test_a_probe_without_torch_says_what_to_install(self):
        with self.assertRaises(ImportError) as e:
            rt.GradientNoiseProbe(object(), micro_batch_size=8)
        self.assertIn("needs PyTorch", str(e.exception))


@unittest.skipUnless(HAVE_TORCH, "torch is not installed (python3 -c 'import torch' fails)")
class ProbeTest(unittest.TestCase):
    def test_measures_each_micro_batchs_own_squared_norm_and_the_global_one(self):
        import torch
        torch.manual_seed(3)
        model = torch.nn.Sequential(torch.nn.Linear(16, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
        k, b = 4, 8
        xs = [torch.randn(b, 16) for _ in range(k)]
        ys = [torch.randn(b, 1) for _ in range(k)]
        # Truth: each micro-batch's mean-loss gradient on its own, and the global mean.
        own = []
        for x, y in zip(xs, ys):
            grads = torch.autograd.grad(torch.nn.functional.mse_loss(model(x), y), list(model.parameters()))
            own.append(sum(float(gr.pow(2).sum()) for gr in grads))
        probe = rt.GradientNoiseProbe(model, micro_batch_size=b, accumulation_steps=k)
        for x, y in zip(xs, ys):
            (torch.nn.functional.mse_loss(model(x), y) / k).backward()
            probe.micro_batch_done()
        big = sum(float(p.grad.pow(2).sum()) for p in model.parameters())
        f = probe.step_fields(grad_scale=1.0)
        probe.close()
        self.assertAlmostEqual(f["grad_sq_norm_small"], sum(own) / k, places=5)
        self.assertAlmostEqual(f["grad_sq_norm_big"], big, places=6)
        self.assertEqual((f["batch_small"], f["batch_big"]), (8, 32))


class RouterArithmeticTest(unittest.TestCase):
    def test_balance_loss_is_one_when_balanced_and_e_when_one_expert_takes_everything(self):
        self.assertAlmostEqual(rt.switch_balance_loss([5, 5, 5, 5], [0.25] * 4), 1.0)
        self.assertAlmostEqual(rt.switch_balance_loss([20, 0, 0, 0], [1.0, 0, 0, 0]), 4.0)
        self.assertIsNone(rt.switch_balance_loss([0, 0], [0.5, 0.5]))
        self.assertIsNone(rt.switch_balance_loss([1, 1], [1.0]))

    def test_routing_rows_name_each_sequence_once_per_step_at_every_layer(self):
        rows = rt.routing_rows(7, 1, [[[0, 3], [2, 1]]], [[[0.75, 0.25], [0.5, 0.5]]], sequence_offset=4)
        self.assertEqual(rows, [
            {"sequence_id": "7/4", "token_position": 0, "layer": 1, "expert_ids": [0, 3], "gate_weights": [0.75, 0.25]},
            {"sequence_id": "7/4", "token_position": 1, "layer": 1, "expert_ids": [2, 1], "gate_weights": [0.5, 0.5]}])


class _RecordingRun:
    """Collects what TrainingProbe hands to a runlaw_client.Run (the real client is tested against the gateway)."""

    def __init__(self):
        self.steps, self.loads, self.routes = [], [], []

    def log_step(self, step, **fields):
        self.steps.append(dict(fields, step=step))

    def log_expert_load(self, step, layer, tokens_per_expert, aux_loss=None, z_loss=None):
        self.loads.append((step, layer, list(tokens_per_expert), aux_loss, z_loss))

    def log_routing(self, step, tokens):
        self.routes.append((step, list(tokens)))


@unittest.skipUnless(HAVE_TORCH, "torch is not installed (python3 -c 'import torch' fails)")
class RouterProbeTest(unittest.TestCase):
    def test_counts_the_top_k_choices_of_training_passes_and_traces_when_armed(self):
        import torch
        torch.manual_seed(5)
        routers = [torch.nn.Linear(8, 4, bias=False), torch.nn.Linear(8, 4, bias=False)]
        probe = rt.RouterProbe(routers, top_k=2, trace_sequences=1, trace_tokens=3)
        x = torch.randn(2, 5, 8)
        probe.arm_trace()
        for r in routers:
            r(x)
        for r in routers:
            r.eval()
            r(x)  # evaluation passes add no load
        loads, routes = probe.take(11)
        for layer, r in enumerate(routers):
            ids = r(x).softmax(-1).topk(2, dim=-1).indices
            self.assertEqual(loads[layer]["tokens_per_expert"], torch.bincount(ids.reshape(-1), minlength=4).tolist())
            self.assertEqual(sum(loads[layer]["tokens_per_expert"]), 2 * 5 * 2)
            self.assertGreaterEqual(loads[layer]["aux_loss"], 1.0 - 1e-9)
        self.assertEqual(len(routes), 2 * 3)  # 2 layers x 1 sequence x 3 tokens
        self.assertEqual({r["sequence_id"] for r in routes}, {"11/0"})
        for row in routes:
            self.assertAlmostEqual(sum(row["gate_weights"]), 1.0, places=6)
        self.assertEqual(probe.take(12), ([], []))  # reset, and the trace was one-shot
        probe.close()

    def test_training_probe_logs_step_loads_and_a_trace_every_n_steps(self):
        import torch
        torch.manual_seed(9)
        router = torch.nn.Linear(4, 3, bias=False)
        head = torch.nn.Linear(4, 1)
        model = torch.nn.ModuleList([router, head])
        run = _RecordingRun()
        probe = rt.TrainingProbe(run, model, [router], top_k=1, micro_batch_size=2, accumulation_steps=2,
                                 trace_every=2, trace_sequences=1, trace_tokens=2)
        for step in range(3):
            for _ in range(2):
                x = torch.randn(2, 2, 4)
                (((router(x).softmax(-1).sum() + head(x).sum()) ** 2) / 2).backward()
                probe.micro_batch_done()
            probe.step_done(step, loss=1.0, lr=0.1, tokens=8)
            model.zero_grad()
        probe.close()
        self.assertEqual([s["step"] for s in run.steps], [0, 1, 2])
        self.assertEqual([s["tokens_seen"] for s in run.steps], [8, 16, 24])
        self.assertEqual((run.steps[0]["batch_small"], run.steps[0]["batch_big"]), (2, 4))
        self.assertAlmostEqual(run.steps[0]["grad_norm"] ** 2, run.steps[0]["grad_sq_norm_big"], places=6)
        self.assertIsNone(run.steps[0]["throughput_tokens_per_s"])
        self.assertGreater(run.steps[1]["throughput_tokens_per_s"], 0)
        self.assertEqual([(s, layer, sum(t)) for s, layer, t, _, _ in run.loads], [(0, 0, 8), (1, 0, 8), (2, 0, 8)])
        self.assertEqual([s for s, _ in run.routes], [0, 2])  # step 0, then every 2nd step


if __name__ == "__main__":
    unittest.main()

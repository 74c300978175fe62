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


if __name__ == "__main__":
    unittest.main()

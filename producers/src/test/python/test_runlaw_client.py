"""Unit tests of runlaw_client's own logic against a scripted HTTP server (the real gateway is in the Java ITs).

Run: python3 -m unittest discover -s producers/src/test/python -p 'test_*.py'  (PythonClientUnitTest does this).
"""
import gzip
import http.server
import json
import os
import socket
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "python"))
import runlaw_client as rl  # noqa: E402


class ScriptedGateway:
    """Answers POSTs with the next scripted status (then 200), records every accepted batch."""

    def __init__(self, script=()):
        self.script = list(script)
        self.batches = []
        self.requests = 0
        self.alert_events = []  # what GET /alerts serves: events with an "offset"
        self.batch_advice = []  # what GET /batch-advice serves, likewise
        self.gets = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                records = json.loads(body)
                outer.requests += 1
                status = outer.script.pop(0) if outer.script else 200
                if status == 200:
                    outer.batches.append((self.path, self.headers.get("Authorization"), records))
                    answer = {"accepted": len(records), "rejected": 0, "errors": []}
                else:
                    answer = {"error": "scripted", "message": "scripted %d" % status}
                data = json.dumps(answer).encode()
                self.send_response(status)
                if status in (429, 503):
                    self.send_header("Retry-After", "0")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                outer.gets.append(self.path)
                feeds = {"/alerts?": ("alerts", outer.alert_events), "/batch-advice?": ("batch_advice",
                                                                                       outer.batch_advice)}
                feed = [f for key, f in feeds.items() if key in self.path]
                if feed:
                    field, served = feed[0]
                    query = urllib.parse.parse_qs(self.path.split("?", 1)[1])
                    after = int(query["after"][0])
                    events = [e for e in list(served) if e["offset"] > after]
                    nxt = max([after] + [e["offset"] for e in events])
                    data = json.dumps({field: events, "next": nxt}).encode()
                else:
                    data = json.dumps({"run_id": "r", "decision": "STOP", "seq": 3}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def records(self, kind):
        return [r for path, _, batch in self.batches if path.endswith("/" + kind) for r in batch]


def dead_url():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "http://127.0.0.1:%d" % port


def alert(offset, kind, state, first_step=250):
    return {"offset": offset, "run_id": "r", "kind": kind, "severity": "CRITICAL", "layer": -1,
            "first_step": first_step, "detected_step": first_step, "last_step": None if state == "OPEN" else 260,
            "value": 6.0, "expected": 3.0, "score": 9.0, "message": "m", "state": state}


class AlertsTest(unittest.TestCase):
    def test_alerts_follow_the_cursor_and_reach_the_callback_once_each(self):
        gw = ScriptedGateway()
        try:
            gw.alert_events = [alert(0, "LOSS_SPIKE", "OPEN"), alert(1, "LOSS_SPIKE", "RESOLVED")]
            seen = []
            run = rl.Run("r", url=gw.url, advice_poll_s=0, alert_poll_s=0, on_alert=seen.append).start()
            self.assertEqual([e["state"] for e in run.alerts()], ["OPEN", "RESOLVED"])
            self.assertEqual(run.open_alerts(), [])
            gw.alert_events.append(alert(5, "DIVERGENCE", "OPEN", first_step=300))
            events = run.alerts()
            self.assertEqual(len(events), 3)
            self.assertEqual([e["offset"] for e in seen], [0, 1, 5])
            self.assertEqual([e["kind"] for e in run.open_alerts()], ["DIVERGENCE"])
            self.assertIn("after=1", [p for p in gw.gets if "/alerts?" in p][-1])
            run.finish(timeout=5)
        finally:
            gw.close()

    def test_a_failing_callback_or_gateway_never_raises_and_keeps_what_was_seen(self):
        gw = ScriptedGateway()
        try:
            gw.alert_events = [alert(0, "STALL", "OPEN")]

            def boom(_):
                raise RuntimeError("callback bug")

            run = rl.Run("r", url=gw.url, advice_poll_s=0, alert_poll_s=0, on_alert=boom).start()
            self.assertEqual(len(run.alerts()), 1)
            run.finish(timeout=5)
        finally:
            gw.close()
        dead = rl.Run("r", url=dead_url(), advice_poll_s=0, alert_poll_s=0, timeout=0.5, max_backoff=0.05).start()
        self.assertEqual(dead.alerts(), [])
        dead.finish(timeout=1)

    def test_the_background_thread_delivers_alerts_to_the_callback(self):
        gw = ScriptedGateway()
        try:
            gw.alert_events = [alert(0, "ROUTER_COLLAPSE", "OPEN")]
            seen = []
            got = threading.Event()

            def callback(event):
                seen.append(event)
                got.set()

            run = rl.Run("r", url=gw.url, advice_poll_s=0, alert_poll_s=0.2, on_alert=callback).start()
            self.assertTrue(got.wait(10), "no alert reached the callback")
            self.assertEqual(seen[0]["kind"], "ROUTER_COLLAPSE")
            run.finish(timeout=5)
        finally:
            gw.close()


def batch_advice(offset, decision, seq, suggested=None):
    return {"offset": offset, "scope": "RUN", "run_id": "r", "decision": decision, "batch": 64,
            "suggested_batch": suggested, "b_noise": 300.0, "steps_factor": 1 + 300.0 / 64, "seq": seq}


class BatchAdviceTest(unittest.TestCase):
    def test_batch_advice_follows_the_cursor_and_reaches_the_callback_once_each(self):
        gw = ScriptedGateway()
        try:
            gw.batch_advice = [batch_advice(3, "INCREASE", 1, suggested=256)]
            seen = []
            run = rl.Run("r", url=gw.url, advice_poll_s=0, batch_advice_poll_s=0, on_batch_advice=seen.append,
                         on_alert=lambda e: self.fail("batch advice reached on_alert")).start()
            self.assertIsNone(run.latest_batch_advice())
            self.assertEqual([a["decision"] for a in run.batch_advice()], ["INCREASE"])
            self.assertEqual(run.latest_batch_advice()["suggested_batch"], 256)
            gw.batch_advice.append(batch_advice(9, "KEEP", 2))
            self.assertEqual([a["seq"] for a in run.batch_advice()], [1, 2])
            self.assertEqual([a["offset"] for a in seen], [3, 9])
            self.assertEqual(run.latest_batch_advice()["decision"], "KEEP")
            self.assertIn("after=3", [p for p in gw.gets if "/batch-advice?" in p][-1])
            self.assertEqual(run.alerts(), [], "batch advice is not an alert")
            run.finish(timeout=5)
        finally:
            gw.close()

    def test_a_failing_callback_or_gateway_never_raises(self):
        gw = ScriptedGateway()
        try:
            gw.batch_advice = [batch_advice(0, "DECREASE", 1, suggested=32)]

            def boom(_):
                raise RuntimeError("callback bug")

            run = rl.Run("r", url=gw.url, advice_poll_s=0, batch_advice_poll_s=0, on_batch_advice=boom).start()
            self.assertEqual(len(run.batch_advice()), 1)
            run.finish(timeout=5)
        finally:
            gw.close()
        dead = rl.Run("r", url=dead_url(), advice_poll_s=0, timeout=0.5, max_backoff=0.05).start()
        self.assertEqual(dead.batch_advice(), [])
        self.assertIsNone(dead.latest_batch_advice())
        dead.finish(timeout=1)

    def test_the_background_thread_delivers_batch_advice_to_the_callback(self):
        gw = ScriptedGateway()
        try:
            gw.batch_advice = [batch_advice(0, "INCREASE", 1, suggested=512)]
            got = threading.Event()
            seen = []

            def callback(advice):
                seen.append(advice)
                got.set()

            run = rl.Run("r", url=gw.url, advice_poll_s=0, batch_advice_poll_s=0.2, on_batch_advice=callback).start()
            self.assertTrue(got.wait(10), "no batch advice reached the callback")
            self.assertEqual(seen[0]["suggested_batch"], 512)
            run.finish(timeout=5)
        finally:
            gw.close()


class ClientTest(unittest.TestCase):
    def test_retries_429_and_503_then_delivers_everything_once_in_order(self):
        gw = ScriptedGateway([429, 503, 500])
        try:
            with rl.Run("r", url=gw.url, token="t" * 16, advice_poll_s=0, batch_size=50, max_backoff=0.05) as run:
                for s in range(120):
                    self.assertTrue(run.log_step(s, loss=1.0 / (s + 1), lr=1e-3))
            st = run.stats()
            self.assertEqual([r["step"] for r in gw.records("step-metrics")], list(range(120)))
            self.assertEqual(len(gw.records("run-started")), 1)
            self.assertEqual(gw.records("run-finished")[0]["status"], "COMPLETED")
            self.assertEqual(st["sent"], 122)
            self.assertEqual(st["retries"], 3)
            self.assertEqual((st["dropped"], st["rejected"], st["failed"]), (0, 0, 0))
            self.assertTrue(all(auth == "Bearer " + "t" * 16 for _, auth, _ in gw.batches))
        finally:
            gw.close()

    def test_sends_weight_decay_and_the_two_squared_gradient_norms(self):
        gw = ScriptedGateway()
        try:
            with rl.Run("r", url=gw.url, advice_poll_s=0, weight_decay=0.1, batch_size_sequences=32) as run:
                run.log_step(1, loss=2.0, lr=1e-3, grad_sq_norm_small=4.0, batch_small=8, grad_sq_norm_big=1.5,
                             batch_big=32)
            self.assertEqual(gw.records("run-started")[0]["weight_decay"], 0.1)
            step = gw.records("step-metrics")[0]
            self.assertEqual((step["grad_sq_norm_small"], step["batch_small"], step["grad_sq_norm_big"],
                              step["batch_big"]), (4.0, 8, 1.5, 32))
            self.assertIsInstance(step["batch_small"], int)
        finally:
            gw.close()
        gw = ScriptedGateway()
        try:
            with rl.Run("r2", url=gw.url, advice_poll_s=0) as run:
                pass
            self.assertNotIn("weight_decay", gw.records("run-started")[0], "absent unless given")
        finally:
            gw.close()

    def test_unreachable_gateway_never_blocks_the_loop_and_drops_beyond_the_queue(self):
        with self.assertLogs("runlaw", level="WARNING") as logs:
            run = rl.Run("r", url=dead_url(), advice_poll_s=0, max_queue=100, max_backoff=0.05).start()
            t0 = time.monotonic()
            for s in range(5000):
                run.log_step(s, loss=2.0, lr=1e-3)
            elapsed = time.monotonic() - t0
            st = run.finish(timeout=0.5)
        self.assertLess(elapsed, 2.0)
        # Memory holds the queue (100) and the batch being retried (at most batch_size 1000); the rest is dropped.
        self.assertGreaterEqual(st["dropped"], 5000 - 100 - 1000)
        self.assertEqual(st["sent"], 0)
        # Every record is accounted for: dropped at once, or given up at close (run-started/-finished included).
        self.assertEqual(st["dropped"] + st["failed"], 5000 + 2)
        self.assertTrue(any("queue full" in m for m in logs.output))

    def test_unusable_arguments_and_refusals_are_counted_not_raised(self):
        gw = ScriptedGateway([401])
        try:
            run = rl.Run("r", url=gw.url, advice_poll_s=0, batch_size=1, flush_interval=0.01).start()
            self.assertFalse(run.log_step("not a step", loss=1.0))
            self.assertFalse(run.log_expert_load(1, 0, object()))
            run.flush(5)
            self.assertEqual(run.advice()["decision"], "STOP")
            self.assertTrue(run.should_stop())
            run.stop_early()
            st = run.finish(timeout=5)
            self.assertEqual(st["rejected"], 3)  # two bad calls + run-started refused with 401
            self.assertEqual(gw.records("run-finished")[0]["status"], "STOPPED_EARLY")
        finally:
            gw.close()

    def test_a_failing_block_reports_failed(self):
        gw = ScriptedGateway()
        try:
            with self.assertRaises(ZeroDivisionError):
                with rl.Run("r", url=gw.url, advice_poll_s=0) as run:
                    run.log_step(0, loss=1.0)
                    1 / 0
            fin = gw.records("run-finished")[0]
            self.assertEqual(fin["status"], "FAILED")
            self.assertIn("ZeroDivisionError", fin["message"])
        finally:
            gw.close()


if __name__ == "__main__":
    unittest.main()

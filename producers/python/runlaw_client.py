"""runlaw client for Python training loops: telemetry to the runlaw HTTP gateway, advice and alerts back.

One file, standard library only, Python >= 3.8. Copy it next to your training script.

    import runlaw_client as rl

    with rl.Run("my-run-42", url="http://gateway:8088", token=os.environ["RUNLAW_TOKEN"],
                planned_total_steps=100_000, family_id="gpt-1b") as run:
        for step in range(100_000):
            loss = train_step()
            run.log_step(step, loss=loss, lr=scheduler.get_last_lr()[0])
            if run.should_stop():
                break

Alerts (loss spike, divergence, stall, router collapse, ...; see the README) come back too: ``run.alerts()``
returns the run's alert events (dicts with kind, severity, layer, first_step, detected_step, last_step, value,
expected, score, message, state), ``run.open_alerts()`` those still open, and ``Run(..., on_alert=callback)``
calls ``callback(alert)`` from a background thread for each new event, e.g. to checkpoint before a divergence.
Batch-size advice from the batch-size job (see docs/batch-size-live.md) comes back the same way:
``run.batch_advice()`` returns the run's advice records (dicts with decision KEEP/INCREASE/DECREASE/UNDECIDED,
batch, suggested_batch, b_noise, b_noise_lo90, b_noise_hi90, steps_factor, tokens_factor, reason, seq, ...),
``run.latest_batch_advice()`` the newest one seen, and ``Run(..., on_batch_advice=callback)`` calls
``callback(advice)`` from a background thread for each new record.

Guarantees, in order of importance:

* Never blocks and never raises in the training loop. ``log_*`` only appends to a bounded in-memory queue; when
  it is full (gateway or Kafka away for long), the record is dropped and counted (``stats()["dropped"]``) with
  one warning, instead of growing memory or stalling a step.
* A background thread sends batches (gzip JSON) and retries with exponential backoff (honouring Retry-After) on
  429, 5xx and network errors. A batch the gateway refused as a whole (429/503) was not queued there, so the
  retry cannot duplicate it. Only a response lost after the gateway accepted (a cut connection) can lead to a
  second copy, which the ClickHouse tables collapse.
* Records the gateway rejects (bad values) are counted (``stats()["rejected"]``) with one warning per reason.
* On exit (context manager or interpreter exit) the queue is flushed, waiting at most ``close_timeout`` seconds.
"""

import atexit
import collections
import gzip
import json
import logging
import math
import queue
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

__all__ = ["Run", "Client"]
_MAX_ALERTS = 1000
__version__ = "0.1.0"

log = logging.getLogger("runlaw")

_KINDS = ("run-started", "run-finished", "step-metrics", "eval-metrics", "expert-load", "routing-traces",
          "data-movement")


def _now_ms():
    return int(time.time() * 1000)


def _num(x):
    """A float from a Python number, numpy scalar or one-element tensor; None stays None."""
    if x is None:
        return None
    if hasattr(x, "item"):
        x = x.item()
    return float(x)


def _int(x):
    if hasattr(x, "item"):
        x = x.item()
    return int(x)


class Client:
    """Sends records of any kind to the gateway from a background thread; see the module docstring.

    url: gateway base URL, e.g. ``http://127.0.0.1:8088``; token: bearer token (None for a gateway run with
    --no-auth); max_queue: records held while the gateway is unreachable (plus the batch being sent, at most
    batch_size); batch_size: most records per request;
    flush_interval: seconds a record may wait for a batch to fill; timeout: seconds per HTTP request;
    max_backoff: longest pause between retries.
    """

    def __init__(self, url, token=None, max_queue=100000, batch_size=1000, flush_interval=0.5, timeout=10.0,
                 max_backoff=10.0, close_timeout=30.0):
        self.url = url.rstrip("/")
        self.token = token
        self.batch_size = max(1, int(batch_size))
        self.flush_interval = float(flush_interval)
        self.timeout = float(timeout)
        self.max_backoff = float(max_backoff)
        self.close_timeout = float(close_timeout)
        self._queue = queue.Queue(maxsize=max(1, int(max_queue)))
        # run-started / run-finished: two per run, and losing one hides the run; they bypass the bounded queue.
        self._control = collections.deque()
        self._lock = threading.Lock()
        self._stats = {"queued": 0, "sent": 0, "dropped": 0, "rejected": 0, "retries": 0, "requests": 0,
                       "failed": 0}
        self._status_counts = {}
        self._warned = set()
        self._done = 0  # records answered for (sent, rejected, dropped at encoding, or given up)
        self._idle = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="runlaw-client", daemon=True)
        self._thread.start()
        atexit.register(self.close)

    # ------------------------------------------------------------------ public

    def send(self, kind, record):
        """Queues one record (a dict with the Avro field names) of ``kind``; never blocks, never raises.

        Returns True if queued, False if dropped (queue full or client closed).
        """
        if self._closed:
            self._count("dropped")
            return False
        if kind in ("run-started", "run-finished"):
            self._count("queued")
            self._control.append((kind, record))
            return True
        try:
            self._queue.put_nowait((kind, record))
        except queue.Full:
            self._count("dropped")
            self._warn_once("dropped", "runlaw: send queue full (%d records); dropping telemetry and counting it"
                            % self._queue.maxsize)
            return False
        self._count("queued")
        return True

    def stats(self):
        """Counters: queued, sent (accepted by the gateway), dropped (queue full), rejected (by the gateway or
        unusable arguments), retries, requests, failed (given up at close, gateway still unreachable)."""
        with self._lock:
            s = dict(self._stats)
            s["status_counts"] = dict(self._status_counts)
            s["queue_size"] = self._queue.qsize()
            return s

    def flush(self, timeout=None):
        """Waits until everything queued so far is answered for (sent, rejected or given up); True if it was."""
        deadline = time.monotonic() + (self.close_timeout if timeout is None else timeout)
        with self._idle:
            while self._stats["queued"] > self._done:
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return False
                self._idle.wait(min(left, 0.1))
        return True

    def close(self, timeout=None):
        """Flushes (at most ``timeout`` s, default close_timeout) and stops the thread. Idempotent."""
        if self._closed:
            return
        ok = self.flush(timeout)
        self._closed = True
        self._stop.set()
        self._thread.join(2.0)
        # What the thread never got to (gateway away until the end) is given up, and counted as failed.
        left = len(self._control)
        self._control.clear()
        while True:
            try:
                self._queue.get_nowait()
                left += 1
            except queue.Empty:
                break
        if left:
            self._count("failed", left)
        s = self.stats()
        if not ok or s["dropped"] or s["failed"]:
            log.warning("runlaw: closed with %s", {k: v for k, v in s.items() if k != "status_counts"})

    def get_json(self, path, timeout=None):
        """GET a gateway path; returns (status, parsed JSON or None). Network errors give (0, None)."""
        req = urllib.request.Request(self.url + path, method="GET", headers=self._headers())
        try:
            with urllib.request.urlopen(req, timeout=timeout or self.timeout) as resp:
                body = resp.read()
                return resp.status, (json.loads(body) if body else None)
        except urllib.error.HTTPError as e:
            return e.code, None
        except (OSError, ValueError):
            return 0, None

    # ------------------------------------------------------------------ internals

    def _headers(self):
        h = {"User-Agent": "runlaw-python/" + __version__}
        if self.token:
            h["Authorization"] = "Bearer " + self.token
        return h

    def _count(self, key, n=1):
        with self._lock:
            self._stats[key] += n

    def _warn_once(self, key, message):
        with self._lock:
            if key in self._warned:
                return
            self._warned.add(key)
        log.warning(message)

    def _loop(self):
        while True:
            batch = self._take_batch()
            if batch is None:
                return
            if not batch:
                continue
            # Group by kind, keeping each kind's order (steps of a run stay in order).
            by_kind = {}
            for kind, rec in batch:
                by_kind.setdefault(kind, []).append(rec)
            for kind, records in by_kind.items():
                self._deliver(kind, records)
            with self._idle:
                self._done += len(batch)
                self._idle.notify_all()

    def _take_batch(self):
        """Up to batch_size records, waiting at most flush_interval after the first; None when stopping."""
        if self._control:
            return [self._control.popleft()]
        try:
            first = self._queue.get(timeout=0.1)
        except queue.Empty:
            return None if self._stop.is_set() and not self._control else []
        batch = [first]
        deadline = time.monotonic() + self.flush_interval
        while len(batch) < self.batch_size:
            left = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            batch.append(item)
        return batch

    def _deliver(self, kind, records):
        """Sends one batch, retrying until it is answered for or the client is stopping."""
        try:
            body = gzip.compress(json.dumps(records, allow_nan=True, separators=(",", ":")).encode("utf-8"), 5)
        except (TypeError, ValueError) as e:
            self._count("rejected", len(records))
            self._warn_once("encode", "runlaw: cannot encode %s records as JSON (%s); dropped" % (kind, e))
            return
        backoff = 0.1
        while True:
            status, answer, retry_after = self._post("/v1/records/" + kind, body)
            with self._lock:
                self._stats["requests"] += 1
                self._status_counts[status] = self._status_counts.get(status, 0) + 1
            if status in (200, 400) and isinstance(answer, dict) and "accepted" in answer:
                self._count("sent", int(answer.get("accepted", 0)))
                rejected = int(answer.get("rejected", 0))
                if rejected:
                    self._count("rejected", rejected)
                    for err in answer.get("errors", [])[:5]:
                        self._warn_once("reject:" + str(err.get("reason")),
                                        "runlaw: gateway rejected a %s record: %s %s"
                                        % (kind, err.get("reason"), err.get("message")))
                return
            if status == 429 or status >= 500 or status == 0:
                if self._stop.is_set():
                    self._count("failed", len(records))
                    return
                self._count("retries")
                delay = retry_after if retry_after is not None else backoff
                delay = min(self.max_backoff, delay) * (0.8 + 0.4 * random.random())
                self._warn_once("retry", "runlaw: gateway busy or unreachable (status %s); retrying with backoff"
                                % (status or "network error"))
                # Wake early when asked to stop, so close() is not held up by a long pause.
                self._stop.wait(delay)
                backoff = min(self.max_backoff, backoff * 2)
                continue
            # 401, 404, 413 ...: resending cannot help.
            self._count("rejected", len(records))
            msg = answer.get("message") if isinstance(answer, dict) else ""
            self._warn_once("status:%d" % status, "runlaw: gateway refused %d %s records with %d %s"
                            % (len(records), kind, status, msg))
            return

    def _post(self, path, body):
        headers = self._headers()
        headers["Content-Type"] = "application/json"
        headers["Content-Encoding"] = "gzip"
        req = urllib.request.Request(self.url + path, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return resp.status, _parse(resp.read()), None
        except urllib.error.HTTPError as e:
            try:
                answer = _parse(e.read())
            except OSError:
                answer = None
            return e.code, answer, _retry_after(e.headers.get("Retry-After") if e.headers else None)
        except (OSError, ValueError):
            # Refused connection, timeout, reset: the gateway itself is away.
            return 0, None, None


def _parse(body):
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _retry_after(value):
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None


class Run:
    """One training run: sends run-started on entry and run-finished on exit, and logs its telemetry.

    Used as a context manager (or call ``start()`` / ``finish()``). The run-finished status is COMPLETED, FAILED
    when the block raised, or STOPPED_EARLY after ``stop_early()`` (e.g. because ``should_stop()`` said so).
    ``schedule``, ``model``, ``stop_target`` and ``tags`` are dicts with the Avro field names of RunStarted.
    ``client_options`` go to :class:`Client` (max_queue, batch_size, flush_interval, timeout, ...).
    """

    def __init__(self, run_id, url="http://127.0.0.1:8088", token=None, family_id="", planned_total_steps=0,
                 model=None, schedule=None, stop_target=None, tags=None, batch_size_sequences=0,
                 batch_size_tokens=0, seq_len=0, advice_poll_s=10.0, on_alert=None, alert_poll_s=10.0,
                 weight_decay=None, on_batch_advice=None, batch_advice_poll_s=10.0, **client_options):
        self.run_id = str(run_id)
        self.client = Client(url, token=token, **client_options)
        self._started = {
            "run_id": self.run_id, "family_id": family_id, "started_at_ms": _now_ms(),
            "model": dict(model or {}), "planned_total_steps": int(planned_total_steps), "schedule": schedule,
            "batch_size_sequences": int(batch_size_sequences), "batch_size_tokens": int(batch_size_tokens),
            "seq_len": int(seq_len), "stop_target": stop_target, "tags": {str(k): str(v) for k, v in
                                                                         (tags or {}).items()},
        }
        if weight_decay is not None:
            # AdamW's decoupled weight decay: with the peak LR it gives the run's AdamW timescale (batch job).
            self._started["weight_decay"] = float(weight_decay)
        self._last_step = -1
        self._status = None
        self._advice = None
        self._advice_lock = threading.Lock()
        self._advice_poll_s = advice_poll_s
        self._advice_thread = None
        self._alerts = _EventFeed(self, "alerts", "alerts", "on_alert", on_alert, alert_poll_s)
        self._batch_advice = _EventFeed(self, "batch-advice", "batch_advice", "on_batch_advice", on_batch_advice,
                                        batch_advice_poll_s)
        self._finished = False

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.finish("FAILED" if exc_type is not None else None, message=repr(exc) if exc is not None else None)
        return False

    def start(self):
        """Sends run-started and starts following advice (when advice_poll_s > 0)."""
        self.client.send("run-started", self._started)
        if self._advice_poll_s and self._advice_poll_s > 0:
            self._advice_thread = threading.Thread(target=self._poll_advice, name="runlaw-advice", daemon=True)
            self._advice_thread.start()
        self._alerts.start()
        self._batch_advice.start()
        return self

    def stop_early(self):
        """Marks the run as stopped early; finish() reports STOPPED_EARLY."""
        self._status = "STOPPED_EARLY"

    def finish(self, status=None, message=None, timeout=None):
        """Sends run-finished, flushes, and closes the client. Idempotent. Returns the client's stats."""
        if self._finished:
            return self.client.stats()
        self._finished = True
        self.client.send("run-finished", {
            "run_id": self.run_id, "finished_at_ms": _now_ms(), "final_step": max(0, self._last_step),
            "status": status or self._status or "COMPLETED", "message": message})
        self.client.close(timeout)
        return self.client.stats()

    def stats(self):
        return self.client.stats()

    def flush(self, timeout=None):
        return self.client.flush(timeout)

    # ------------------------------------------------------------------ telemetry

    def log_step(self, step, loss=None, lr=0.0, tokens_seen=0, grad_norm=None, wall_time_ms=None, **extra):
        """One optimizer step. ``extra``: grad_sq_norm_small, batch_small, grad_sq_norm_big, batch_big,
        throughput_tokens_per_s, group_lrs (dict).

        The four gradient fields feed the batch-size job's gradient noise scale: the squared gradient norm of a
        small batch (e.g. the mean over micro-batches or replicas of each one's own squared norm) and of the global
        batch, with their batch sizes in sequences, measured before clipping and after unscaling the loss scale.
        ``runlaw_torch.GradientNoiseProbe`` measures them in PyTorch (docs/batch-size-live.md)."""
        try:
            step = _int(step)
            rec = {"run_id": self.run_id, "step": step,
                   "wall_time_ms": _now_ms() if wall_time_ms is None else _int(wall_time_ms),
                   "tokens_seen": _int(tokens_seen), "lr": _num(lr), "loss": _num(loss),
                   "grad_norm": _num(grad_norm)}
            for k, v in extra.items():
                if k == "group_lrs":
                    rec[k] = {str(g): _num(x) for g, x in v.items()}
                elif k in ("batch_small", "batch_big"):
                    rec[k] = None if v is None else _int(v)
                else:
                    rec[k] = _num(v)
            self._last_step = max(self._last_step, step)
            return self.client.send("step-metrics", rec)
        except Exception as e:  # noqa: BLE001 - a logging call must never end a training run
            return self._bad_call("log_step", e)

    def log_eval(self, step, eval_set, loss, accuracy=None, wall_time_ms=None):
        try:
            return self.client.send("eval-metrics", {
                "run_id": self.run_id, "step": _int(step),
                "wall_time_ms": _now_ms() if wall_time_ms is None else _int(wall_time_ms),
                "eval_set": str(eval_set), "loss": _num(loss), "accuracy": _num(accuracy)})
        except Exception as e:  # noqa: BLE001
            return self._bad_call("log_eval", e)

    def log_expert_load(self, step, layer, tokens_per_expert, dropped_tokens=0, aux_loss=None, z_loss=None,
                        wall_time_ms=None):
        """Tokens routed to each expert of one MoE layer at one step (index = expert id)."""
        try:
            if hasattr(tokens_per_expert, "tolist"):
                tokens_per_expert = tokens_per_expert.tolist()
            return self.client.send("expert-load", {
                "run_id": self.run_id, "step": _int(step),
                "wall_time_ms": _now_ms() if wall_time_ms is None else _int(wall_time_ms),
                "layer": _int(layer), "tokens_per_expert": [_int(t) for t in tokens_per_expert],
                "dropped_tokens": _int(dropped_tokens), "aux_loss": _num(aux_loss), "z_loss": _num(z_loss)})
        except Exception as e:  # noqa: BLE001
            return self._bad_call("log_expert_load", e)

    def log_routing(self, step, tokens, source_kind="TRAINING", wall_time_ms=None):
        """Token-level routing decisions: ``tokens`` is a list of dicts (sequence_id, token_position, layer,
        expert_ids, gate_weights) or tuples in that order."""
        try:
            routes = []
            for t in tokens:
                if not isinstance(t, dict):
                    t = dict(zip(("sequence_id", "token_position", "layer", "expert_ids", "gate_weights"), t))
                routes.append({"sequence_id": str(t["sequence_id"]), "token_position": _int(t["token_position"]),
                               "layer": _int(t["layer"]), "expert_ids": [_int(e) for e in t["expert_ids"]],
                               "gate_weights": [_num(w) for w in t.get("gate_weights") or []]})
            return self.client.send("routing-traces", {
                "source": self.run_id, "source_kind": source_kind, "step": _int(step),
                "wall_time_ms": _now_ms() if wall_time_ms is None else _int(wall_time_ms), "tokens": routes})
        except Exception as e:  # noqa: BLE001
            return self._bad_call("log_routing", e)

    def _bad_call(self, what, e):
        self.client._count("rejected")
        self.client._warn_once("call:" + what, "runlaw: %s got unusable arguments (%r); record dropped" % (what, e))
        return False

    # ------------------------------------------------------------------ advice

    def advice(self, wait=0.0):
        """The latest advice for this run as a dict (decision, probability_beats_target, final_pred, reason, seq,
        ...), or None if there is none yet. ``wait`` > 0 long-polls up to that many seconds for newer advice.
        Never raises: a gateway that cannot be reached gives the last advice seen."""
        with self._advice_lock:
            known = self._advice
        after = known["seq"] if known and wait > 0 else 0
        status, body = self.client.get_json(
            "/v1/runs/%s/advice?wait_ms=%d&after_seq=%d" % (urllib.parse.quote(self.run_id, safe=""),
                                                            int(wait * 1000), after),
            timeout=wait + self.client.timeout)
        if status == 200 and isinstance(body, dict):
            self._remember(body)
        with self._advice_lock:
            return self._advice

    def should_stop(self):
        """True when the latest advice known (no network call) says STOP."""
        with self._advice_lock:
            return bool(self._advice) and self._advice.get("decision") == "STOP"

    def forecast(self):
        """The latest forecast for this run as a dict, or None."""
        status, body = self.client.get_json("/v1/runs/%s/forecast" % urllib.parse.quote(self.run_id, safe=""))
        return body if status == 200 else None

    def _remember(self, advice):
        with self._advice_lock:
            if self._advice is None or advice.get("seq", 0) >= self._advice.get("seq", 0):
                self._advice = advice

    def _poll_advice(self):
        """Long-polls advice in the background so should_stop() costs nothing in the training loop."""
        while not self._finished:
            before = time.monotonic()
            self.advice(wait=self._advice_poll_s)
            # A gateway that answers at once (error, no advice support) must not be hammered.
            spent = time.monotonic() - before
            if spent < 1.0 and not self._finished:
                time.sleep(1.0 - spent)


    # ------------------------------------------------------------------ alerts and batch advice

    def alerts(self, wait=0.0):
        """The run's alert events seen so far, oldest first (OPEN when raised, RESOLVED when closed; the newest
        1000 kept), after asking the gateway for newer ones; ``wait`` > 0 long-polls up to that many seconds for
        at least one. Each new event also goes to ``on_alert``. Never raises: an unreachable gateway gives the
        events already seen."""
        return self._alerts.fetch(wait)

    def open_alerts(self):
        """The alerts still open among those seen (no network call): the latest event of each alert (kind, layer,
        first_step) when it is OPEN."""
        latest = {}
        for e in self._alerts.seen():
            latest[(e.get("kind"), e.get("layer"), e.get("first_step"))] = e
        return [e for e in latest.values() if e.get("state") == "OPEN"]

    def batch_advice(self, wait=0.0):
        """The run's batch-size advice records seen so far, oldest first (one per change of decision or
        suggested batch; the newest 1000 kept), after asking the gateway for newer ones; ``wait`` > 0 long-polls up
        to that many seconds for at least one. Each new record also goes to ``on_batch_advice``. Never raises: an
        unreachable gateway gives the records already seen."""
        return self._batch_advice.fetch(wait)

    def latest_batch_advice(self):
        """The newest batch-size advice seen (no network call), or None."""
        seen = self._batch_advice.seen()
        return seen[-1] if seen else None


class _EventFeed:
    """One of a run's offset-numbered event logs on the gateway (``/alerts``, ``/batch-advice``): the events seen,
    the gateway's cursor, the callback, and the background thread that long-polls for it."""

    def __init__(self, run, path, field, callback_name, callback, poll_s):
        self._run = run
        self._path = path
        self._field = field
        self._callback_name = callback_name
        self._callback = callback
        self._poll_s = poll_s
        # Events by arrival, the newest _MAX_ALERTS kept; _after is the gateway's cursor.
        self._events = collections.deque(maxlen=_MAX_ALERTS)
        self._after = -1
        self._lock = threading.Lock()

    def start(self):
        """Starts the background long-poll when there is a callback and a poll interval."""
        if self._callback is not None and self._poll_s and self._poll_s > 0:
            threading.Thread(target=self._poll, name="runlaw-" + self._path, daemon=True).start()

    def seen(self):
        with self._lock:
            return list(self._events)

    def fetch(self, wait):
        """Asks the gateway for events newer than the cursor, hands each new one to the callback, returns all seen."""
        client = self._run.client
        with self._lock:
            after = self._after
        status, body = client.get_json(
            "/v1/runs/%s/%s?wait_ms=%d&after=%d" % (urllib.parse.quote(self._run.run_id, safe=""), self._path,
                                                    int(wait * 1000), after),
            timeout=wait + client.timeout)
        fresh = []
        if status == 200 and isinstance(body, dict):
            with self._lock:
                for event in body.get(self._field) or []:
                    if isinstance(event, dict) and event.get("offset", -1) > self._after:
                        self._events.append(event)
                        self._after = event["offset"]
                        fresh.append(event)
        for event in fresh:
            self._notify(event)
        return self.seen()

    def _notify(self, event):
        if self._callback is None:
            return
        try:
            self._callback(event)
        except Exception as e:  # noqa: BLE001 - a failing callback must not stop the feed
            name = self._callback_name
            self._run.client._warn_once(name, "runlaw: %s callback failed (%r); further failures silent" % (name, e))

    def _poll(self):
        """Long-polls in the background and hands each new event to the callback."""
        while not self._run._finished:
            before = time.monotonic()
            self.fetch(self._poll_s)
            # A gateway that answers at once (error, no such endpoint) must not be hammered.
            spent = time.monotonic() - before
            if spent < 1.0 and not self._run._finished:
                time.sleep(1.0 - spent)


if __name__ == "__main__":  # pragma: no cover - a smoke test: python3 runlaw_client.py URL TOKEN RUN
    import sys

    logging.basicConfig(level=logging.INFO)
    u, tok, run_id = (sys.argv[1:] + ["http://127.0.0.1:8088", None, "smoke-run"])[:3]
    with Run(run_id, url=u, token=tok, planned_total_steps=100) as r:
        for s in range(100):
            r.log_step(s, loss=4.0 / math.sqrt(s + 1), lr=1e-3)
    print(json.dumps(r.stats()))

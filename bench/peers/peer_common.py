"""What every Python peer of spikegrad's benchmarks shares: the command line, the decays of docs/design.md section 1,
spikegrad's weights, input and data handed over as raw arrays, the timed training iteration and the
train-to-accuracy loop. A peer module only builds its network (`build(cfg, k)`), with:

  model.load(weights)   weights: spikegrad's parameters by name, numpy arrays in spikegrad's [fan_in][size] layout
  model(x)              x: [B, T, inputs] float tensor -> (logits [B, outputs], [hidden spikes [B, T, H] per layer])

and calls `main(peer_name, versions, build)`. Everything printed is one JSON line.
"""
import argparse
import json
import math
import os
import resource
import statistics
import time

import numpy as np
import torch


class Decays:
    """Per-step decays of the model: a = exp(-dt / tau)."""

    def __init__(self, cfg):
        self.dt = cfg.get("dt", 1e-3)
        self.a_syn = math.exp(-self.dt / cfg.get("tauSyn", 5e-3))
        self.a_mem = math.exp(-self.dt / cfg.get("tauMem", 10e-3))
        self.a_out = math.exp(-self.dt / cfg.get("tauOut", 20e-3))
        self.threshold = 1.0
        self.beta = cfg.get("beta", 10.0)


def backport_setup_context():
    """Shim for torch < 2.0 (Debian's 1.13): Norse and SpikingJelly write their autograd Functions in torch 2's style,
    `forward(*inputs)` plus `setup_context(ctx, inputs, output)`, which torch 1.13 calls as `forward(ctx, *inputs)`.
    After the framework is imported, every such Function gets a forward of the old style that calls the two in
    torch 2's order. The framework's files are not changed; with torch >= 2.0 this does nothing."""
    if int(torch.__version__.split(".")[0]) >= 2:
        return 0
    patched = 0
    pending = list(torch.autograd.Function.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "setup_context" not in cls.__dict__ or getattr(cls, "_spikegrad_backported", False):
            continue
        forward = cls.__dict__["forward"].__func__

        def old_style(ctx, *inputs, _forward=forward, _cls=cls):
            output = _forward(*inputs)
            _cls.setup_context(ctx, inputs, output)
            return output

        cls.forward = staticmethod(old_style)
        cls._spikegrad_backported = True
        patched += 1
    return patched


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--config", required=True, help="JSON: inputs, hidden (list), outputs, recurrent, steps, batch, density, gain")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--shared", help="directory with spikegrad's initial weights (and, for timing, its input and labels)")
    p.add_argument("--data", help="train to accuracy on this exported data set (directory of raw arrays)")
    p.add_argument("--train", help="JSON: epochs, batchSize, evalBatchSize, lr, regularizer {strength, threshold}, seed")
    return p.parse_args()


def _load(directory, name, dtype, shape=None):
    a = np.fromfile(os.path.join(directory, name), dtype=dtype)
    return a.reshape(shape) if shape is not None else a


def shared_weights(directory, cfg):
    """spikegrad's parameters by name, in its [fan_in][size] layout."""
    weights = {}
    fan_in = cfg["inputs"]
    for l, size in enumerate(cfg["hidden"]):
        weights[f"hidden.{l}.input"] = _load(directory, f"hidden.{l}.input.f32", np.float32, (fan_in, size))
        if cfg["recurrent"]:
            weights[f"hidden.{l}.recurrent"] = _load(directory, f"hidden.{l}.recurrent.f32", np.float32, (size, size))
        fan_in = size
    weights["readout"] = _load(directory, "readout.f32", np.float32, (fan_in, cfg["outputs"]))
    return weights


def random_weights(cfg, seed=1):
    """Uniform +-gain/sqrt(fan_in), as spikegrad's default initialization (used when no --shared is given)."""
    g = np.random.default_rng(seed)
    gain = cfg.get("gain", 1.0)
    u = lambda rows, cols, gn: g.uniform(-gn / math.sqrt(rows), gn / math.sqrt(rows), (rows, cols)).astype(np.float32)
    weights = {}
    fan_in = cfg["inputs"]
    for l, size in enumerate(cfg["hidden"]):
        weights[f"hidden.{l}.input"] = u(fan_in, size, gain)
        if cfg["recurrent"]:
            weights[f"hidden.{l}.recurrent"] = u(size, size, gain)
        fan_in = size
    weights["readout"] = u(fan_in, cfg["outputs"], 1.0)
    return weights


def hidden_rate(spikes):
    total = sum(float(s.detach().sum()) for s in spikes)
    neurons = sum(s.numel() for s in spikes)
    return total / neurons


def time_iterations(model, x, y, args):
    """The timed training iteration: forward, cross entropy, BPTT, Adam. Returns (times, hidden rate)."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    times = []
    rate = 0.0
    for i in range(args.warmup + args.repeats):
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        logits, spikes = model(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss.backward()
        opt.step()
        if i >= args.warmup:
            times.append(time.perf_counter() - t)
        rate = hidden_rate(spikes)
    return times, rate


class EventSplit:
    """One split of an exported event data set: per sample, event times and units, and a label."""

    def __init__(self, directory, split, inputs, steps):
        self.offsets = _load(directory, f"{split}.offsets.i64", np.int64)
        self.times = _load(directory, f"{split}.times.i32", np.int32)
        self.units = _load(directory, f"{split}.units.i32", np.int32)
        self.labels = _load(directory, f"{split}.labels.i32", np.int32)
        self.inputs, self.steps = inputs, steps

    def __len__(self):
        return len(self.labels)

    def batch(self, indices):
        """Dense [B, T, inputs] spike counts and labels (how these frameworks take data)."""
        x = np.zeros((len(indices), self.steps, self.inputs), dtype=np.float32)
        for b, i in enumerate(indices):
            lo, hi = self.offsets[i], self.offsets[i + 1]
            np.add.at(x[b], (self.times[lo:hi], self.units[lo:hi]), 1.0)
        return torch.from_numpy(x), torch.from_numpy(self.labels[indices].astype(np.int64))


def lower_bound_penalty(spikes, strength, threshold):
    """spikegrad's `lower` regularizer, power 2: strength * mean over neurons of max(0, nu - count)^2, batch mean."""
    total = 0.0
    for s in spikes:
        counts = s.sum(dim=1)
        total = total + strength * torch.clamp(threshold - counts, min=0).pow(2).mean(dim=1).mean()
    return total


def train_to_accuracy(model, args, cfg):
    """Trains on the exported data set, evaluating the test split after every epoch; returns per-epoch records
    with the cumulative training wall time (batch building included, evaluation excluded, as on spikegrad's side)."""
    tc = json.loads(args.train)
    meta = json.load(open(os.path.join(args.data, "meta.json")))
    train = EventSplit(args.data, "train", meta["inputs"], meta["steps"])
    test = EventSplit(args.data, "test", meta["inputs"], meta["steps"])
    reg = tc.get("regularizer")
    opt = torch.optim.Adam(model.parameters(), lr=tc["lr"], betas=(0.9, 0.999), eps=1e-8)
    rng = np.random.default_rng(tc.get("seed", 1))
    B = tc["batchSize"]
    elapsed = 0.0
    records = []
    for epoch in range(tc["epochs"]):
        started = time.perf_counter()
        order = rng.permutation(len(train))
        for lo in range(0, len(order), B):
            x, y = train.batch(order[lo:lo + B])
            opt.zero_grad(set_to_none=True)
            logits, spikes = model(x)
            loss = torch.nn.functional.cross_entropy(logits, y)
            if reg:
                loss = loss + lower_bound_penalty(spikes, reg["strength"], reg["threshold"])
            loss.backward()
            opt.step()
        elapsed += time.perf_counter() - started
        correct, rate_sum, batches = 0, 0.0, 0
        with torch.no_grad():
            for lo in range(0, len(test), tc["evalBatchSize"]):
                idx = np.arange(lo, min(lo + tc["evalBatchSize"], len(test)))
                x, y = test.batch(idx)
                logits, spikes = model(x)
                correct += int((logits.argmax(dim=1) == y).sum())
                rate_sum += hidden_rate(spikes)
                batches += 1
        records.append({"epoch": epoch + 1, "seconds": elapsed, "testAccuracy": correct / len(test), "hiddenRate": rate_sum / batches})
    return records


def main(peer, versions, build):
    args = parse_args()
    cfg = json.loads(args.config)
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    model = build(cfg, Decays(cfg))
    model.load(shared_weights(args.shared, cfg) if args.shared else random_weights(cfg))
    result = {"peer": peer, **versions, "torch": torch.__version__, "threads": args.threads}
    if args.data:
        records = train_to_accuracy(model, args, cfg)
        result.update({"epochs": records})
    else:
        B, T, C = cfg["batch"], cfg["steps"], cfg["inputs"]
        if args.shared and os.path.exists(os.path.join(args.shared, "labels.i32")):
            # The very input spikegrad ran: same spikes, same labels.
            x = torch.from_numpy(_load(args.shared, "input.f32", np.float32, (B, T, C)).copy()) if cfg.get("analog") else torch.from_numpy(_load(args.shared, "input.u8", np.uint8, (B, T, C)).astype(np.float32))
            y = torch.from_numpy(_load(args.shared, "labels.i32", np.int32, (B,)).astype(np.int64))
        else:
            x = (torch.rand(B, T, C) < cfg["density"]).to(torch.float32)
            y = torch.randint(0, cfg["outputs"], (B,))
        times, rate = time_iterations(model, x, y, args)
        med = statistics.median(times)
        result.update({"medianSeconds": med, "minSeconds": min(times), "samplesPerSecond": B / med, "hiddenRate": rate})
    result["peakRssBytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps(result))

#!/usr/bin/python3
"""PyTorch peer of spikegrad's benchmark configs (bench/configs.mjs), for side-by-side ratios.

The same model as docs/design.md section 1, written the way PyTorch SNN libraries run it at their best: the input layer
as one matrix product over all steps, a Python loop over time over per-step slices taken with unbind, a custom
autograd Function for the spike (Heaviside forward, SuperSpike backward), detached reset, max-over-time readout,
cross entropy, Adam. Input: a dense [B, T, inputs] tensor of Bernoulli spikes (how these libraries take data).

Run with Debian's python3-torch and OpenBLAS (OpenMP build):
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=2 \\
    /usr/bin/python3 bench/peers/torch_snn.py --config '{"name": "shd", ...}' --threads 2
Prints one JSON line: median/min seconds per iteration, samples/s, hidden spike rate, peak RSS.
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


class SuperSpike(torch.autograd.Function):
    scale = 10.0

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (SuperSpike.scale * x.abs() + 1.0) ** 2


spike = SuperSpike.apply


class Net(torch.nn.Module):
    def __init__(self, cfg, gain):
        super().__init__()
        dt = 1e-3
        self.a_syn = math.exp(-dt / 5e-3)
        self.a_mem = math.exp(-dt / 10e-3)
        self.a_out = math.exp(-dt / 20e-3)
        self.layers = torch.nn.ParameterList()
        self.recurrent = []
        fan_in = cfg["inputs"]
        for size in cfg["hidden"]:
            self.layers.append(torch.nn.Parameter(self._uniform(fan_in, size, gain)))
            fan_in = size
        self.rec = torch.nn.ParameterList(
            [torch.nn.Parameter(self._uniform(s, s, gain)) for s in cfg["hidden"]] if cfg["recurrent"] else []
        )
        self.readout = torch.nn.Parameter(self._uniform(fan_in, cfg["outputs"], 1.0))

    @staticmethod
    def _uniform(rows, cols, gain):
        bound = gain / math.sqrt(rows)
        return torch.empty(rows, cols).uniform_(-bound, bound)

    def forward(self, x):
        spikes_total = 0.0
        neurons = 0
        for l, w in enumerate(self.layers):
            B, T, _ = x.shape
            H = w.shape[1]
            inp = torch.einsum("btc,ch->bth", x, w)  # the input layer as one product over all steps
            I = torch.zeros(B, H)
            U = torch.zeros(B, H)
            out = []
            for drive in inp.unbind(1):
                S = spike(U - 1.0)
                out.append(S)
                U_next = (self.a_mem * U + (1 - self.a_mem) * I) * (1 - S.detach())
                I = self.a_syn * I + drive
                if self.rec:
                    I = I + S @ self.rec[l]
                U = U_next
            x = torch.stack(out, dim=1)
            spikes_total += float(x.detach().sum())
            neurons += B * T * H
        B, T, _ = x.shape
        J = torch.zeros(B, self.readout.shape[1])
        Y = torch.zeros_like(J)
        ys = []
        for s in (x @ self.readout).unbind(1):
            Y = self.a_out * Y + (1 - self.a_out) * J
            J = self.a_syn * J + s
            ys.append(Y)
        logits = torch.stack(ys, dim=1).max(dim=1).values
        return logits, spikes_total / neurons


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--config", required=True, help="JSON: inputs, hidden (list), outputs, recurrent, steps, batch, density, gain")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--shared", help="directory with spikegrad's initial weights, input and labels (raw arrays)")
    a = p.parse_args()
    cfg = json.loads(a.config)
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    net = Net(cfg, cfg.get("gain", 1.0))
    B, T, C = cfg["batch"], cfg["steps"], cfg["inputs"]
    if a.shared:
        # The very network and input spikegrad ran: same weights, same spikes, same labels.
        def load(name, dtype, shape):
            return torch.from_numpy(np.fromfile(os.path.join(a.shared, name), dtype=dtype).reshape(shape).copy())
        with torch.no_grad():
            for l, w in enumerate(net.layers):
                w.copy_(load(f"hidden.{l}.input.f32", np.float32, tuple(w.shape)))
            for l, v in enumerate(net.rec):
                v.copy_(load(f"hidden.{l}.recurrent.f32", np.float32, tuple(v.shape)))
            net.readout.copy_(load("readout.f32", np.float32, tuple(net.readout.shape)))
        if cfg.get("analog"):
            x = load("input.f32", np.float32, (B, T, C))
        else:
            x = load("input.u8", np.uint8, (B, T, C)).to(torch.float32)
        y = load("labels.i32", np.int32, (B,)).long()
    else:
        x = (torch.rand(B, T, C) < cfg["density"]).to(torch.float32)
        y = torch.randint(0, cfg["outputs"], (B,))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    times = []
    rate = 0.0
    for i in range(a.warmup + a.repeats):
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        logits, rate = net(x)
        loss = torch.nn.functional.cross_entropy(logits, y)
        loss.backward()
        opt.step()
        if i >= a.warmup:
            times.append(time.perf_counter() - t)
    med = statistics.median(times)
    print(json.dumps({
        "peer": "torch",
        "torch": torch.__version__,
        "threads": a.threads,
        "medianSeconds": med,
        "minSeconds": min(times),
        "samplesPerSecond": B / med,
        "hiddenRate": rate,
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }))


if __name__ == "__main__":
    main()

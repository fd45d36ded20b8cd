#!/usr/bin/python3
"""Plain-PyTorch peer of spikegrad's benchmark configs (bench/configs.mjs), for side-by-side ratios.

The same model as docs/design.md section 1, written the way PyTorch SNN libraries run it at their best: the input layer
as one matrix product over all steps, a Python loop over time over per-step slices taken with unbind, a custom
autograd Function for the spike (Heaviside forward, SuperSpike backward), detached reset, max-over-time readout,
cross entropy, Adam. The equations are spikegrad's exactly, so with the same weights and input both simulate the same
spikes. Input: a dense [B, T, inputs] tensor of spike counts (how these libraries take data).

Run with Debian's python3-torch and OpenBLAS (OpenMP build):
  LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=2 \\
    /usr/bin/python3 bench/peers/torch_snn.py --config '{"name": "shd", ...}' --threads 2
Options and output: bench/peers/peer_common.py.
"""
import torch

from peer_common import main


class SuperSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x)
        ctx.beta = beta
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (ctx.beta * x.abs() + 1.0) ** 2, None


class Net(torch.nn.Module):
    def __init__(self, cfg, k):
        super().__init__()
        self.k = k
        self.layers = torch.nn.ParameterList()
        fan_in = cfg["inputs"]
        for size in cfg["hidden"]:
            self.layers.append(torch.nn.Parameter(torch.zeros(fan_in, size)))
            fan_in = size
        self.rec = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(s, s)) for s in cfg["hidden"]] if cfg["recurrent"] else [])
        self.readout = torch.nn.Parameter(torch.zeros(fan_in, cfg["outputs"]))

    def load(self, weights):
        with torch.no_grad():
            for l, w in enumerate(self.layers):
                w.copy_(torch.from_numpy(weights[f"hidden.{l}.input"]))
            for l, v in enumerate(self.rec):
                v.copy_(torch.from_numpy(weights[f"hidden.{l}.recurrent"]))
            self.readout.copy_(torch.from_numpy(weights["readout"]))

    def forward(self, x):
        k = self.k
        hidden = []
        for l, w in enumerate(self.layers):
            B, T, _ = x.shape
            inp = torch.einsum("btc,ch->bth", x, w)  # the input layer as one product over all steps
            I = torch.zeros(B, w.shape[1])
            U = torch.zeros_like(I)
            out = []
            for drive in inp.unbind(1):
                S = SuperSpike.apply(U - k.threshold, k.beta)
                out.append(S)
                U_next = (k.a_mem * U + (1 - k.a_mem) * I) * (1 - S.detach())
                I = k.a_syn * I + drive
                if self.rec:
                    I = I + S @ self.rec[l]
                U = U_next
            x = torch.stack(out, dim=1)
            hidden.append(x)
        J = torch.zeros(x.shape[0], self.readout.shape[1])
        Y = torch.zeros_like(J)
        ys = []
        for s in (x @ self.readout).unbind(1):
            Y = k.a_out * Y + (1 - k.a_out) * J
            J = k.a_syn * J + s
            ys.append(Y)
        return torch.stack(ys, dim=1).max(dim=1).values, hidden


if __name__ == "__main__":
    main("torch", {}, Net)

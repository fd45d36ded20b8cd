#!/usr/bin/python3
"""Norse peer: spikegrad's network built from Norse's modules: `LIFRecurrent` (recurrent layers, its own input and
recurrent weights, one step per loop iteration inside Norse) or a bias-free nn.Linear over all steps followed by
`LIF` (feedforward layers), a bias-free nn.Linear and `LI` as the readout, Norse's "super" surrogate (SuperSpike
with alpha = beta), cross entropy on the max over time, Adam. Norse takes time-major input, so x is transposed.

How the equations map (docs/design.md section 1). Norse integrates with forward Euler:
    v <- v + dt/tau_mem (-v + i_jump),   i <- i_jump (1 - dt/tau_syn),   i_jump = i + W x[n] + V z[n-1]
With tau_mem_inv = (1 - a_mem)/dt and tau_syn_inv = (1 - a_syn)/dt the decays and the (1 - a_mem) input factor
are spikegrad's exactly, and Norse's membrane after step n is spikegrad's U[n+2] before its reset. The reset acts in
the step of the spike itself, so a Norse neuron may fire in two consecutive steps where spikegrad's is held at 0 for
one step, and recurrent spikes arrive one step later than in spikegrad. `autapses=True` keeps the diagonal of the
recurrent weights (spikegrad has self-connections). Hidden rates are therefore close to, not equal to,
spikegrad's; the harness prints both.

Run from checkouts of Norse and NIR (no package index needed): PYTHONPATH=/path/to/norse:/path/to/nir. Norse
imports `nirtorch` only for its NIR conversion, which this benchmark never calls; when nirtorch is missing an
empty module stands in for it. Norse's surrogate functions use torch 2's autograd style (`setup_context`);
`backport_setup_context` (peer_common.py) adapts them at run time for torch 1.13. Both shims live here; Norse itself
is not changed. Options and output: bench/peers/peer_common.py.
"""
import sys
import types

import torch

try:
    import nirtorch  # noqa: F401
except ImportError:
    sys.modules["nirtorch"] = types.ModuleType("nirtorch")

import norse
import norse.torch as nt

from peer_common import backport_setup_context, main

backport_setup_context()


class Net(torch.nn.Module):
    def __init__(self, cfg, k):
        super().__init__()
        p = nt.LIFParameters(
            tau_syn_inv=torch.as_tensor((1 - k.a_syn) / k.dt),
            tau_mem_inv=torch.as_tensor((1 - k.a_mem) / k.dt),
            v_th=torch.as_tensor(k.threshold),
            method="super",
            alpha=torch.as_tensor(k.beta),
        )
        self.recurrent = cfg["recurrent"]
        self.layers = torch.nn.ModuleList()
        fan_in = cfg["inputs"]
        for size in cfg["hidden"]:
            if self.recurrent:
                self.layers.append(nt.LIFRecurrent(fan_in, size, p=p, autapses=True, dt=k.dt))
            else:
                self.layers.append(torch.nn.Sequential(torch.nn.Linear(fan_in, size, bias=False), nt.LIF(p=p, dt=k.dt)))
            fan_in = size
        self.readout = torch.nn.Linear(fan_in, cfg["outputs"], bias=False)
        self.li = nt.LI(p=nt.LIParameters(tau_syn_inv=torch.as_tensor((1 - k.a_syn) / k.dt), tau_mem_inv=torch.as_tensor((1 - k.a_out) / k.dt)), dt=k.dt)

    def load(self, weights):
        with torch.no_grad():
            for l, layer in enumerate(self.layers):
                w = torch.from_numpy(weights[f"hidden.{l}.input"]).t()
                if self.recurrent:
                    layer.input_weights.copy_(w)
                    layer.recurrent_weights.copy_(torch.from_numpy(weights[f"hidden.{l}.recurrent"]).t())
                else:
                    layer[0].weight.copy_(w)
            self.readout.weight.copy_(torch.from_numpy(weights["readout"]).t())

    def forward(self, x):
        z = x.transpose(0, 1)  # [T, B, C]
        hidden = []
        for layer in self.layers:
            z, _ = layer(z)
            hidden.append(z.transpose(0, 1))
        v, _ = self.li(self.readout(z))
        return v.max(dim=0).values, hidden


if __name__ == "__main__":
    main("norse", {"norse": getattr(norse, "__version__", "unknown")}, Net)

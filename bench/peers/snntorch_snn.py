#!/usr/bin/python3
"""snnTorch peer: spikegrad's network built from snnTorch's own neurons (`snn.Synaptic`, `snn.RSynaptic`), the way
its tutorials train: nn.Linear layers, a Python loop over time calling the neuron per step, surrogate
`fast_sigmoid(slope=beta)` (exactly SuperSpike), reset to zero, cross entropy on the max over time, Adam.

How the equations map (docs/design.md section 1). snnTorch's Synaptic computes
    syn[n] = alpha syn[n-1] + in[n];   mem[n] = beta mem[n-1] + syn[n], zeroed where mem[n-1] crossed threshold
with the new current in the same step and no (1 - a_mem) input factor. With alpha = a_syn, beta = a_mem and the
input scaled by (1 - a_mem), mem[n] is spikegrad's U[n+2] and the spikes are spikegrad's shifted by two steps
(the last two steps of a sample are cut off). The scale is a constant factor in the forward pass, so the trained
parameters are spikegrad's and the same learning rate means the same thing. The readout is a Synaptic without
reset (alpha = a_syn, beta = a_out, input scaled by 1 - a_out) whose membrane is the readout trace. In RSynaptic the
recurrent spikes enter with the same two-step shift relative to the input drive, one step later than in spikegrad;
its recurrent nn.Linear is replaced by a bias-free one scaled by (1 - a_mem) (through the module's public
`recurrent` attribute). Hidden rates are therefore close to, not equal to, spikegrad's; the harness prints both.

Run from a checkout of snnTorch (no package index needed): PYTHONPATH=/path/to/snntorch-checkout. It imports on
Debian's torch 1.13 unchanged. Options and output: bench/peers/peer_common.py.
"""
import torch

import snntorch
import snntorch.surrogate

from peer_common import main


class Scaled(torch.nn.Module):
    """A bias-free linear map times a constant (the (1 - a) input factor snnTorch's neurons do not have)."""

    def __init__(self, fan_in, size, factor):
        super().__init__()
        self.linear = torch.nn.Linear(fan_in, size, bias=False)
        self.factor = factor

    def forward(self, x):
        return self.factor * self.linear(x)


class Net(torch.nn.Module):
    def __init__(self, cfg, k):
        super().__init__()
        grad = snntorch.surrogate.fast_sigmoid(slope=k.beta)
        self.fcs = torch.nn.ModuleList()
        self.neurons = torch.nn.ModuleList()
        fan_in = cfg["inputs"]
        for size in cfg["hidden"]:
            self.fcs.append(Scaled(fan_in, size, 1 - k.a_mem))
            if cfg["recurrent"]:
                n = snntorch.RSynaptic(alpha=k.a_syn, beta=k.a_mem, threshold=k.threshold, spike_grad=grad, reset_mechanism="zero", all_to_all=True, linear_features=size)
                n.recurrent = Scaled(size, size, 1 - k.a_mem)
            else:
                n = snntorch.Synaptic(alpha=k.a_syn, beta=k.a_mem, threshold=k.threshold, spike_grad=grad, reset_mechanism="zero")
            self.neurons.append(n)
            fan_in = size
        self.readout = Scaled(fan_in, cfg["outputs"], 1 - k.a_out)
        self.out = snntorch.Synaptic(alpha=k.a_syn, beta=k.a_out, reset_mechanism="none")
        self.recurrent = cfg["recurrent"]

    def load(self, weights):
        with torch.no_grad():
            for l, fc in enumerate(self.fcs):
                fc.linear.weight.copy_(torch.from_numpy(weights[f"hidden.{l}.input"]).t())
                if self.recurrent:
                    self.neurons[l].recurrent.linear.weight.copy_(torch.from_numpy(weights[f"hidden.{l}.recurrent"]).t())
            self.readout.linear.weight.copy_(torch.from_numpy(weights["readout"]).t())

    def forward(self, x):
        hidden = []
        for fc, neuron in zip(self.fcs, self.neurons):
            drive = fc(x)  # [B, T, H]: the input layer over all steps at once
            neuron.reset_mem()
            spikes = []
            for step in drive.unbind(1):
                out = neuron(step)
                spikes.append(out[0])
            x = torch.stack(spikes, dim=1)
            hidden.append(x)
        self.out.reset_mem()
        traces = [self.out(step)[2] for step in self.readout(x).unbind(1)]
        return torch.stack(traces, dim=1).max(dim=1).values, hidden


if __name__ == "__main__":
    main("snntorch", {"snntorch": snntorch.__version__}, Net)

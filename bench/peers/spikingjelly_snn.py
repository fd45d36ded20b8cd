#!/usr/bin/python3
"""SpikingJelly peer: spikegrad's network built on SpikingJelly's `neuron.LIFNode` (torch backend, hard reset,
detached reset): bias-free nn.Linear layers, the synaptic current as a torch recursion, cross entropy on the max over
time, Adam. Feedforward layers run the LIFNode in multi-step mode over the whole sequence; a recurrent layer is a
Python loop over steps in single-step mode, feeding the last step's spikes back through a bias-free nn.Linear
(SpikingJelly has no recurrent LIF layer; this is how its users write one). SpikingJelly's `layer.SynapseFilter` is
not used: it computes I <- I - (1 - x) I / tau + x, a filter for binary spikes, not for a weighted current.

How the equations map (docs/design.md section 1). The current is I <- a_syn I + drive; LIFNode with
tau = 1/(1 - a_mem), decay_input and v_reset 0 computes H = a_mem V + (1 - a_mem) I, spike where H >= threshold,
V = H (1 - spike). So decays and input factor are
spikegrad's exactly; the current of step n reaches the membrane in the same step (one step earlier than in
spikegrad), the reset acts in the step of the spike (a neuron may fire on consecutive steps), and a membrane at
exactly the threshold spikes. The surrogate is SuperSpike with SpikingJelly's scaling, alpha / (|x| + 1)^2, not
spikegrad's 1 / (beta |x| + 1)^2, so the adapter passes its own SurrogateFunctionBase with spikegrad's formula
(SpikingJelly's public way to add a surrogate). Hidden rates are close to, not equal to, spikegrad's; the harness
prints both.

Run from a checkout of SpikingJelly (no package index needed): PYTHONPATH=/path/to/spikingjelly. Shims for Debian's
torch 1.13, all in this file and peer_common.py, SpikingJelly itself unchanged: its Triton kernels register
themselves at import with torch >= 2.4's `torch.library.custom_op` / `register_fake` / `register_autograd`; on an
older torch these become no-ops (those kernels are for GPUs, and the torch backend used here does not call them);
its autograd Functions use torch 2's `setup_context` (see backport_setup_context). Needs python3-packaging.
"""
import torch

if not hasattr(torch.library, "custom_op"):

    def _custom_op(name, fn=None, mutates_args=(), **kwargs):
        class _Op:
            def __init__(self, f):
                self.f = f

            def __call__(self, *a, **k):
                return self.f(*a, **k)

            def register_fake(self, f):
                return f

            def register_autograd(self, *a, **k):
                return None

            def register_kernel(self, *a, **k):
                return lambda f: f

        return _Op(fn) if fn is not None else (lambda f: _Op(f))

    torch.library.custom_op = _custom_op
    torch.library.register_fake = lambda *a, **k: (lambda f: f)
    torch.library.register_autograd = lambda *a, **k: None

import spikingjelly
from spikingjelly.activation_based import functional, neuron, surrogate

from peer_common import backport_setup_context, main

backport_setup_context()


class _SuperSpikeFn(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        ctx.save_for_backward(x)
        ctx.beta = beta
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (ctx.beta * x.abs() + 1.0) ** 2, None


class SuperSpike(surrogate.SurrogateFunctionBase):
    """spikegrad's SuperSpike, 1 / (beta |x| + 1)^2, as a SpikingJelly surrogate."""

    def __init__(self, beta):
        super().__init__(spiking=True, beta=beta)

    @staticmethod
    def spiking_function(x, beta):
        return _SuperSpikeFn.apply(x, beta)

    @staticmethod
    def primitive_function(x, beta):
        return torch.sigmoid(4 * beta * x)


class Net(torch.nn.Module):
    def __init__(self, cfg, k):
        super().__init__()
        self.k = k
        self.recurrent = cfg["recurrent"]
        mode = "s" if self.recurrent else "m"
        self.fcs = torch.nn.ModuleList()
        self.recs = torch.nn.ModuleList()
        self.neurons = torch.nn.ModuleList()
        fan_in = cfg["inputs"]
        for size in cfg["hidden"]:
            self.fcs.append(torch.nn.Linear(fan_in, size, bias=False))
            if self.recurrent:
                self.recs.append(torch.nn.Linear(size, size, bias=False))
            self.neurons.append(neuron.LIFNode(tau=1 / (1 - k.a_mem), decay_input=True, v_threshold=k.threshold, v_reset=0.0, surrogate_function=SuperSpike(k.beta), detach_reset=True, step_mode=mode, backend="torch"))
            fan_in = size
        self.readout = torch.nn.Linear(fan_in, cfg["outputs"], bias=False)

    def load(self, weights):
        with torch.no_grad():
            for l, fc in enumerate(self.fcs):
                fc.weight.copy_(torch.from_numpy(weights[f"hidden.{l}.input"]).t())
                if self.recurrent:
                    self.recs[l].weight.copy_(torch.from_numpy(weights[f"hidden.{l}.recurrent"]).t())
            self.readout.weight.copy_(torch.from_numpy(weights["readout"]).t())

    def current(self, drive):
        """I[n] = a_syn I[n-1] + drive[n] over the time-major sequence."""
        i = torch.zeros_like(drive[0])
        out = []
        for d in drive.unbind(0):
            i = self.k.a_syn * i + d
            out.append(i)
        return torch.stack(out, dim=0)

    def forward(self, x):
        functional.reset_net(self)
        z = x.transpose(0, 1)  # [T, B, C]: SpikingJelly's multi-step layout
        hidden = []
        for l, fc in enumerate(self.fcs):
            drive = fc(z)  # the input layer over all steps at once
            if self.recurrent:
                spikes = torch.zeros_like(drive[0])
                i = torch.zeros_like(drive[0])
                out = []
                for d in drive.unbind(0):
                    i = self.k.a_syn * i + d + self.recs[l](spikes)
                    spikes = self.neurons[l](i)
                    out.append(spikes)
                z = torch.stack(out, dim=0)
            else:
                z = self.neurons[l](self.current(drive))
            hidden.append(z.transpose(0, 1))
        j = self.current(self.readout(z))
        y = torch.zeros_like(j[0])
        ys = []
        for jn in j.unbind(0):
            y = self.k.a_out * y + (1 - self.k.a_out) * jn
            ys.append(y)
        return torch.stack(ys, dim=0).max(dim=0).values, hidden


if __name__ == "__main__":
    main("spikingjelly", {"spikingjelly": getattr(spikingjelly, "__version__", "unknown")}, Net)

/** Training progress on the terminal: a cli-progress bar per epoch on a TTY, one plain line per epoch otherwise. */
import cliProgress from 'cli-progress';

import type { BatchProgress, EpochRecord } from '../train/trainer.js';

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

export interface Progress {
  onBatch(p: BatchProgress): void;
  onEpoch(r: EpochRecord): void;
  stop(): void;
}

export function formatEpoch(r: EpochRecord, epochs: number): string {
  const spikes = r.train.spikesPerNeuron.map((s) => s.toFixed(2)).join('/');
  const valid = r.valid ? `  valid ${r.valid.accuracy.toFixed(3)}${r.best ? '*' : ' '}` : '';
  return (
    `epoch ${String(r.epoch).padStart(String(epochs).length)}/${epochs}  loss ${r.train.loss.toFixed(4)}  acc ${r.train.accuracy.toFixed(3)}${valid}` +
    `  spikes/neuron ${spikes}  ${r.seconds.toFixed(1)} s  ${Math.round(r.samplesPerSecond)} samples/s`
  );
}

/** `epochs` is read when a line is printed: a run knows its epoch count only once its config is resolved. */
export function createProgress(mode: ProgressMode, totalEpochs: () => number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const useBar = mode === 'bar' || (mode === 'auto' && stream.isTTY === true);
  if (mode === 'none') return { onBatch: () => undefined, onEpoch: () => undefined, stop: () => undefined };
  if (!useBar) {
    return { onBatch: () => undefined, onEpoch: (r) => stream.write(`${formatEpoch(r, totalEpochs())}\n`), stop: () => undefined };
  }
  let bar: cliProgress.SingleBar | null = null;
  return {
    onBatch(p) {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { stream, format: `epoch ${p.epoch}/${totalEpochs()} [{bar}] {value}/{total} batches  loss {loss}  acc {acc}`, hideCursor: true, clearOnComplete: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.batches, 0, { loss: '-', acc: '-' });
      }
      bar.update(p.batch, { loss: p.loss.toFixed(4), acc: p.accuracy.toFixed(3) });
    },
    onEpoch(r) {
      bar?.stop();
      bar = null;
      stream.write(`${formatEpoch(r, totalEpochs())}\n`);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

/**
 * Training progress on the terminal: a cli-progress bar per epoch on a TTY, one plain line per epoch otherwise,
 * or JSON lines (`--json`) for scripts. Every epoch line carries a run-level ETA (mean epoch time so far x epochs
 * left). Colour only on a TTY and never with NO_COLOR.
 */
import cliProgress from 'cli-progress';

import type { BatchProgress, EpochRecord } from '../train/trainer.js';
import { type Colors, colorsFor } from './colors.js';

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none' | 'json';

export interface Progress {
  onBatch(p: BatchProgress): void;
  onEpoch(r: EpochRecord): void;
  stop(): void;
}

/** "1h02m", "3m05s", "42s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** Seconds left in the run: the mean epoch time so far times the epochs left. */
export function runEta(history: readonly EpochRecord[], epochs: number): number {
  if (history.length === 0) return Number.NaN;
  const mean = history.reduce((t, r) => t + r.seconds, 0) / history.length;
  return Math.max(0, epochs - history[history.length - 1].epoch) * mean;
}

export function formatEpoch(r: EpochRecord, epochs: number, eta = Number.NaN, c: Colors = colorsFor({})): string {
  const spikes = r.train.spikesPerNeuron.map((s) => s.toFixed(2)).join('/');
  const valid = r.valid ? `  valid ${c.green(r.valid.accuracy.toFixed(3))}${r.best ? '*' : ' '}` : '';
  return (
    `${c.bold(`epoch ${String(r.epoch).padStart(String(epochs).length)}/${epochs}`)}  loss ${r.train.loss.toFixed(4)}  acc ${r.train.accuracy.toFixed(3)}${valid}` +
    `  spikes/neuron ${spikes}  ${r.seconds.toFixed(1)} s  ${Math.round(r.samplesPerSecond)} samples/s` +
    (Number.isNaN(eta) ? '' : c.dim(`  eta ${formatDuration(eta)}`))
  );
}

/** `totalEpochs` is read when a line is printed: a run knows its epoch count only once its config is resolved. */
export function createProgress(mode: ProgressMode, totalEpochs: () => number, stream: NodeJS.WriteStream = process.stderr, out: NodeJS.WritableStream = process.stdout): Progress {
  const history: EpochRecord[] = [];
  const remember = (r: EpochRecord) => {
    history.push(r);
    return runEta(history, totalEpochs());
  };
  if (mode === 'none') return { onBatch: () => undefined, onEpoch: () => undefined, stop: () => undefined };
  if (mode === 'json') {
    return {
      onBatch: () => undefined,
      onEpoch: (r) => {
        const eta = remember(r);
        out.write(`${JSON.stringify({ type: 'epoch', epochs: totalEpochs(), etaSeconds: Number.isFinite(eta) ? eta : null, ...r })}\n`);
      },
      stop: () => undefined,
    };
  }
  const colors = colorsFor(stream);
  const useBar = mode === 'bar' || (mode === 'auto' && stream.isTTY === true);
  if (!useBar) {
    return { onBatch: () => undefined, onEpoch: (r) => stream.write(`${formatEpoch(r, totalEpochs(), remember(r), colors)}\n`), stop: () => undefined };
  }
  let bar: cliProgress.SingleBar | null = null;
  return {
    onBatch(p) {
      if (!bar) {
        const eta = history.length > 0 ? runEta(history, totalEpochs()) : Number.NaN;
        bar = new cliProgress.SingleBar(
          {
            stream,
            format: `epoch ${p.epoch}/${totalEpochs()} [{bar}] {value}/{total} batches  loss {loss}  acc {acc}  run eta ${formatDuration(eta)}`,
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(p.batches, 0, { loss: '-', acc: '-' });
      }
      bar.update(p.batch, { loss: p.loss.toFixed(4), acc: p.accuracy.toFixed(3) });
    },
    onEpoch(r) {
      bar?.stop();
      bar = null;
      stream.write(`${formatEpoch(r, totalEpochs(), remember(r), colors)}\n`);
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

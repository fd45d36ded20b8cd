/** Terminal output: a run-level ETA on every epoch line, colour only on a TTY and never with NO_COLOR. */
import { describe, expect, it } from 'vitest';

import { colorsFor } from '../src/cli/colors.js';
import { formatDuration, formatEpoch, runEta } from '../src/cli/progress.js';
import type { EpochRecord } from '../src/train/trainer.js';

const record = (epoch: number, seconds: number): EpochRecord => ({
  epoch,
  lr: 0.01,
  train: { samples: 10, loss: 1, crossEntropy: 1, regularization: 0, accuracy: 0.5, spikesPerNeuron: [2], silentFraction: [0] },
  valid: { samples: 10, loss: 1, crossEntropy: 1, regularization: 0, accuracy: 0.6, spikesPerNeuron: [2], silentFraction: [0] },
  seconds,
  samplesPerSecond: 100,
  best: true,
});

describe('progress', () => {
  it('estimates the run time left from the mean epoch time', () => {
    expect(runEta([record(1, 2), record(2, 4)], 10)).toBe(24);
    expect(runEta([record(10, 2)], 10)).toBe(0);
    expect(formatDuration(24)).toBe('24s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatEpoch(record(2, 4), 10, 24)).toMatch(/^epoch  2\/10 .* eta 24s$/);
  });

  it('colours only a TTY, and never with NO_COLOR or a dumb terminal', () => {
    expect(colorsFor({ isTTY: true }, {}).green('x')).toBe('\u001b[32mx\u001b[39m');
    expect(colorsFor({ isTTY: false }, {}).green('x')).toBe('x');
    expect(colorsFor({ isTTY: true }, { NO_COLOR: '' }).green('x')).toBe('x');
    expect(colorsFor({ isTTY: true }, { TERM: 'dumb' }).green('x')).toBe('x');
    expect(colorsFor({ isTTY: false }, { FORCE_COLOR: '1' }).bold('x')).toBe('\u001b[1mx\u001b[22m');
  });
});

/** The audio path: WAV reading, resampling, the cochlear and log-mel front ends. */
export { decodeWav, WavError } from './wav.js';
export type { WavAudio } from './wav.js';
export { resample } from './resample.js';
export { cochleaEvents, cochleagram, CochleaOptionsSchema, FrontEndSchema, frontEndInputs, LogMelOptionsSchema, logMelValues, normalizeLevel, parseFrontEnd, REFERENCE_RMS } from './front-end.js';
export type { FrontEnd, FrontEndInput, TimeGrid } from './front-end.js';

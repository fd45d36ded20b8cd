/**
 * spikegrad/report: the paper's figures (SVG, PNG, CSV) from a sweep store. Needs the optional packages vega,
 * vega-lite and @resvg/resvg-js (PNG), and better-sqlite3 to read the store.
 */
export { FIGURES, writeReport } from './report.js';
export type { ReportOptions, ReportSummary } from './report.js';
export { isRunDirectory, writeRunReport } from './run-report.js';
export type { RunReportOptions } from './run-report.js';

export { runConformance } from './run/runConformance.js';
export { formatText } from './report/formatText.js';
export { reportJson } from './report/buildReport.js';
export { registerNodeTests } from './registerNodeTests.js';
export { CATEGORY_NAMES, ConformanceOptionsError, type ConformanceOptions } from './options.js';
export type { CategoryReport, CheckStatus, ConformanceReport, FatalError, TestRecord } from './report/types.js';
export type { CategoryId, Identity } from './run/RunContext.js';

/** Reading nginx configs: tokenizer, include-expanding loader, effective values, log formats. */
export { tokenize, type Token } from './tokenize.js';
export { loadNginxConf, loadNginxDump, cite, type ConfTree, type Directive } from './load.js';
export { buildModel } from './effective.js';
export { findLogFormat, lookupLogFormat, BUILTIN_COMBINED } from './log-format.js';
export { parseNginxTime, formatSeconds } from './time.js';
export { selectLocation } from './location-match.js';
export { NginxConfError, formatProblem, type ConfProblem, type ConfResult } from './conf-error.js';
export type * from './model.js';

/** The probe: find the second at which a slow route's response disappears, and the clock that explains it. */
export { runProbe, type ProbeOptions, type ProbeResult, type ProbeOutcome } from './probe.js';
export { searchDrop, type Attempt, type AttemptOutcome, type FailureKind, type SearchResult } from './search.js';
export { attemptOnce, classifyNetworkError, fillUrl, type ProbeDeps } from './attempt.js';
export { findMatches, type ProbeMatch } from './matches.js';
export { renderProbeText, renderProbeJson } from './render.js';

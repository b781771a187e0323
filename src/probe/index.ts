/** The probe: find the second at which a slow route's response disappears, and the clock that explains it. */
export { runProbe, type ProbeOptions, type ProbeResult, type ProbeOutcome, type ProbeAttempt } from './probe.js';
export { searchDrop, type Attempt, type AttemptOutcome, type FailureKind, type Phase, type SearchResult } from './search.js';
export { attemptOnce, classifyNetworkError, fillUrl, realProbeDeps, DEFAULT_MAX_BODY_BYTES, type ProbeDeps } from './attempt.js';
export { httpGet, type ProbeResponse, type ProbeRequestInit } from './http-get.js';
export { findMatches, type ProbeMatch } from './matches.js';
export { renderProbeText, renderProbeJson } from './render.js';
export { runGate, describeExpectation, type Expectations, type ExpectationResult } from './expect.js';

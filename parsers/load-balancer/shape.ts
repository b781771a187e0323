/**
 * The load balancers' line shapes, as detection counts them (src/ingest/detect.ts): the start of
 * each vendor's line, enough to tell it from every other layer's.
 */

// AWS writes the raw line (no wrapper): ALB starts with the request type, classic ELB with the time.
export const ALB_SHAPE = /^(?:https?|h2|grpcs|wss?) \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z \S+ \S+:\d+ (?:\S+:\d+|-) -?\d/;
export const ELB_SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z \S+ \S+:\d+ (?:\S+:\d+|-) -?\d+(?:\.\d+)? -?\d/;
/** HAProxy's httplog after its syslog prefix: "ip:port [06/Feb/2009:12:14:14.655] frontend backend/server TR/Tw/Tc/…" */
export const HAPROXY_SHAPE = /^(?:(?:<\d{1,3}>)?\S+ )?(?:haproxy\[\d+\]: )?\S+:\d+ \[\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2}\.\d{3}\] \S+ \S+\/\S+ -?\d+\/-?\d+\/\+?-?\d+/;
const CLOUDFLARE_KEYS = ['EdgeResponseStatus', 'EdgeStartTimestamp', 'EdgeEndTimestamp', 'RayID', 'ClientRequestMethod', 'ClientRequestURI', 'OriginResponseStatus'];

/** A Cloud Logging entry with an httpRequest: GCP's LB request log. */
export const isGcpLbEntry = (keys: ReadonlySet<string>): boolean =>
  keys.has('httpRequest') && (keys.has('jsonPayload') || keys.has('logName') || keys.has('resource'));
/** Two or more of Logpush's http_requests field names. */
export const isCloudflareEntry = (keys: ReadonlySet<string>): boolean => CLOUDFLARE_KEYS.filter((k) => keys.has(k)).length >= 2;

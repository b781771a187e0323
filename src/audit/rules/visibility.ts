/**
 * What droptrace could not see: an access log_format without timing/upstream/request-id variables,
 * and an error_log level that drops the client-abort lines. These do not break the stack; they
 * decide which verdicts droptrace can give about it.
 */
import { BUILTIN_COMBINED } from '../../nginx-conf/log-format.js';
import { ERROR_LEVELS } from '../../nginx-conf/directives.js';
import type { AccessLog, ErrorLog, LogFormat, NginxModel, Scope } from '../../nginx-conf/model.js';
import type { ChainValue } from '../types.js';
import type { AuditRule, RuleHit, RuleInput } from './rule.js';

/** Variables droptrace needs from the access log, with what each one lets it say. */
export const TIMING_VARIABLES: readonly { readonly name: string; readonly why: string }[] = [
  { name: '$request_time', why: 'how long the client waited' },
  { name: '$upstream_connect_time', why: 'connect vs. read timeouts' },
  { name: '$upstream_header_time', why: 'time to first byte from the app' },
  { name: '$upstream_response_time', why: "the upstream's share of the time" },
  { name: '$upstream_status', why: 'what the app answered, per attempt' },
  { name: '$upstream_addr', why: 'which worker/server, and retries' },
  { name: '$request_id', why: 'joining nginx lines to app lines' },
];

interface Scoped {
  readonly server: string;
  readonly location: string;
  readonly scope: Scope;
}

/** Each server with proxied locations, plus each proxied location that overrides the server's logs. */
function scopes(input: RuleInput, pick: (s: Scope) => unknown): Scoped[] {
  const out: Scoped[] = [];
  for (const srv of input.model.servers) {
    const proxied = srv.locations.filter((l) => l.proxyPass !== null);
    if (proxied.length === 0) continue;
    out.push({ server: srv.name, location: '*', scope: srv });
    for (const loc of proxied) if (pick(loc) !== pick(srv)) out.push({ server: srv.name, location: loc.match, scope: loc });
  }
  return out;
}

const formatNamed = (model: NginxModel, name: string): LogFormat | undefined =>
  model.logFormats.find((f) => f.name === name) ?? (name === 'combined' ? BUILTIN_COMBINED : undefined);

const accessValue = (a: AccessLog): ChainValue => ({ layer: 'nginx', setting: 'access_log', value: a.path === 'off' ? 'off' : `${a.path} ${a.format}`, value_s: null, source: a.source });
const errorValue = (e: ErrorLog): ChainValue => ({ layer: 'nginx', setting: 'error_log', value: `${e.path} ${e.level}`, value_s: null, source: e.source });

export const accessLogMissingTiming: AuditRule = {
  id: 'access-log-missing-timing',
  severity: 'warn',
  summary: "The access log's format lacks the timing, upstream or request-id variables droptrace needs.",
  evidence:
    'nginx only logs what log_format names. Without $request_time and $upstream_* droptrace cannot tell which clock fired; without $request_id it cannot join nginx lines to app lines. The built-in `combined` format has none of them.',
  fix: 'Log with a format that includes $request_time $upstream_connect_time $upstream_header_time $upstream_response_time $upstream_status $upstream_addr $request_id.',
  check(input) {
    return scopes(input, (s) => s.accessLogs).flatMap(({ server, location, scope }): RuleHit[] => {
      const logs = scope.accessLogs;
      if (logs.every((a) => a.path === 'off')) {
        return [
          {
            server,
            location,
            values: logs.map(accessValue),
            message: `access_log is off for ${location === '*' ? `server ${server}` : location}: droptrace sees no request from nginx here, only what the app logs.`,
            fix: 'Turn the access log back on with a timed format (see the fix of the other findings of this rule, or the README: droptrace audit).',
          },
        ];
      }
      const hits: RuleHit[] = [];
      for (const a of logs.filter((x) => x.path !== 'off')) {
        const f = formatNamed(input.model, a.format);
        if (!f) {
          hits.push({ server, location, values: [accessValue(a)], message: `access_log uses log_format "${a.format}", which no file read defines (nginx -t would reject this).`, fix: `Define log_format ${a.format} in the http block, or use one that exists.` });
          continue;
        }
        const missing = TIMING_VARIABLES.filter((v) => !new RegExp(`\\${v.name}(?![a-z_])`).test(f.format));
        if (missing.length === 0) continue;
        hits.push({
          server,
          location,
          values: [accessValue(a), { layer: 'nginx', setting: `log_format ${f.name}`, value: f.format, value_s: null, source: f.source }],
          message: `${a.path} is written with log_format "${f.name}" (${f.source}), which lacks ${missing.map((m) => `${m.name} (${m.why})`).join(', ')}: droptrace cannot tell ${missing.some((m) => m.name.startsWith('$upstream')) ? 'which layer\'s clock fired' : 'how the request timed'} for these requests.`,
          fix: `Add \` rt=$request_time uct=$upstream_connect_time uht=$upstream_header_time urt=$upstream_response_time us=$upstream_status ua=$upstream_addr rid=$request_id\` to log_format ${f.name === 'combined' ? 'a new format (combined is built in and cannot be changed) and use it in access_log' : f.name}.`,
        });
      }
      return hits;
    });
  },
};

export const errorLogLevelHidesAborts: AuditRule = {
  id: 'error-log-level-hides-aborts',
  severity: 'info',
  summary: 'The error_log level drops the lines that explain client aborts and closed keepalive connections.',
  evidence:
    'nginx writes "client prematurely closed connection" (the 499s) and "client closed keepalive connection" at level info; error_log defaults to level error. At a level above info droptrace sees 499s in the access log but not when and how the client went away.',
  fix: 'Use `error_log <path> info;` for the servers droptrace analyses (the volume is modest: one line per abort).',
  check(input) {
    return scopes(input, (s) => s.errorLogs).flatMap(({ server, location, scope }): RuleHit[] => {
      const most = Math.min(...scope.errorLogs.map((e) => ERROR_LEVELS.indexOf(e.level)));
      if (most <= ERROR_LEVELS.indexOf('info')) return [];
      const first = scope.errorLogs[0];
      return [
        {
          server,
          location,
          values: scope.errorLogs.map(errorValue),
          message: `error_log level ${ERROR_LEVELS[most] ?? 'error'}${first ? ` (${first.source})` : ''} hides "client prematurely closed connection" and "client closed keepalive connection" (level info): droptrace can count 499s but not say whether the client, the LB or a keepalive race closed the connection.`,
          fix: `Set \`error_log ${first?.path ?? '/var/log/nginx/error.log'} info;\` in ${location === '*' ? `server ${server}` : location}.`,
        },
      ];
    });
  },
};

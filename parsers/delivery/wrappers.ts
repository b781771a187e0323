/**
 * Delivery wrappers as data: the prefix (or JSON envelope) a log line gets from whatever carried it
 * from the program to the file the user holds — journald, syslog, docker, compose, kubectl, CRI.
 * Each entry is written from the tool's documented output format and names the command that makes it;
 * nothing about a wrapper lives in code. A wrapper yields the inner line and what the envelope knew:
 * its time, the container/unit/pod it came from, the stream, and whether the line is only a part.
 */

/** How a wrapper writes its time, and so what it can say (syslog times have no year and no zone). */
export type WrapperTimeKind =
  | 'rfc3339'      // 2024-03-04T05:06:07.123456789Z, 2024-03-04T05:06:07+0100 (an offset always)
  | 'syslog'       // Mar  4 05:06:07[.123456]: local time, no year
  | 'epoch-us'     // journald's __REALTIME_TIMESTAMP: microseconds since the epoch, as a string
  | 'clock'        // 05:06:07: no date at all, never used as a time
  | 'local';       // 2024-03-04 05:06:07: local time without zone

export type WrapperId =
  | 'docker-timestamps' | 'cri' | 'docker-json' | 'compose' | 'kubectl-prefix'
  | 'journald-short' | 'journald-short-precise' | 'journald-short-iso' | 'journald-short-iso-precise'
  | 'journald-json' | 'logread' | 'heroku' | 'honcho' | 'gcp-console' | 'docker-desktop';

interface WrapperBase {
  readonly id: WrapperId;
  /** The commands or files whose output it is (README "Where your logs come from"). */
  readonly source: string;
  readonly time: WrapperTimeKind | null;
  /** Sub-second digits the time carries (0: whole seconds); null without a time. */
  readonly digits: number | null;
}

/**
 * A prefix: an anchored regex whose match is removed. Named groups: `t` time, `n` the name of the
 * container/unit/pod the line came from, `s` stream (stdout|stderr), `p` CRI's partial tag (P|F),
 * `pid` the process id journald/syslog print.
 */
export interface PrefixWrapper extends WrapperBase {
  readonly kind: 'prefix';
  readonly re: RegExp;
}

/** A JSON envelope per line: which keys hold the message, time, stream and name. */
export interface JsonWrapper extends WrapperBase {
  readonly kind: 'json';
  readonly message: string;
  readonly timeKey: string;
  readonly streamKey: string | null;
  /** Keys tried in order for the line's origin (unit, container, identifier). */
  readonly nameKeys: readonly string[];
  /** Keys every envelope of this kind has: the signature that tells it from a JSON log line. */
  readonly required: readonly string[];
  /** The message of a line split in parts does not end with "\n" (docker's json-file driver). */
  readonly partialWithoutNewline: boolean;
}

export type WrapperDef = PrefixWrapper | JsonWrapper;

const RFC3339 = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})`;
const MON = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
// journald/syslog "host ident[pid]: ": the identifier is the unit's SyslogIdentifier (often the
// program: gunicorn, nginx, start-app.sh, docker/<id>); the pid is missing for some senders.
const HOST_IDENT = String.raw` (?<h>\S+) (?<n>[^\s\[\]:]+)(?:\[(?<pid>\d+)\])?: `;

export const WRAPPERS: readonly WrapperDef[] = [
  {
    id: 'docker-timestamps', kind: 'prefix', time: 'rfc3339', digits: 9,
    source: '`docker logs -t`, `kubectl logs --timestamps`, `docker compose logs -t` after its prefix (RFC 3339 with nanoseconds, UTC)',
    re: new RegExp(`^(?<t>${RFC3339}) `),
  },
  {
    id: 'cri', kind: 'prefix', time: 'rfc3339', digits: 9,
    source: 'Kubernetes node files /var/log/containers/*.log and /var/log/pods/… (CRI: containerd, CRI-O): `<time> <stream> <P|F> <line>`',
    re: new RegExp(`^(?<t>${RFC3339}) (?<s>stdout|stderr) (?<p>[FP])(?: |$)`),
  },
  {
    id: 'docker-json', kind: 'json', time: 'rfc3339', digits: 9,
    source: "docker's json-file driver on disk: /var/lib/docker/containers/<id>/<id>-json.log, `{\"log\":…,\"stream\":…,\"time\":…}`",
    message: 'log', timeKey: 'time', streamKey: 'stream', nameKeys: [], required: ['log', 'time'], partialWithoutNewline: true,
  },
  {
    id: 'compose', kind: 'prefix', time: null, digits: null,
    source: '`docker compose logs` (`api-1  | `, v1 `proxy_1 | `, container names, padded to the longest)',
    re: /^(?<n>[A-Za-z0-9][\w.-]*) +\| ?/,
  },
  {
    id: 'kubectl-prefix', kind: 'prefix', time: null, digits: null,
    source: '`kubectl logs --prefix` (`[pod/<pod>/<container>] `)',
    re: /^\[(?<n>[a-z]+\/[^\s/\]]+\/[^\s\]]+)\] /,
  },
  {
    id: 'journald-short', kind: 'prefix', time: 'syslog', digits: 0,
    source: '`journalctl -u UNIT` (`-o short`, the default) and syslog files (/var/log/syslog, /var/log/messages: `Mar  4 05:06:07 host tag[pid]: `)',
    re: new RegExp(`^(?<t>${MON} [ \\d]\\d \\d{2}:\\d{2}:\\d{2})${HOST_IDENT}`),
  },
  {
    id: 'journald-short-precise', kind: 'prefix', time: 'syslog', digits: 6,
    source: '`journalctl -o short-precise` (microseconds)',
    re: new RegExp(`^(?<t>${MON} [ \\d]\\d \\d{2}:\\d{2}:\\d{2}\\.\\d{6})${HOST_IDENT}`),
  },
  {
    id: 'journald-short-iso', kind: 'prefix', time: 'rfc3339', digits: 0,
    source: '`journalctl -o short-iso` (`2024-03-04T05:06:07+0000`, newer systemd `+00:00`)',
    re: new RegExp(`^(?<t>\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:Z|[+-]\\d{2}:?\\d{2}))${HOST_IDENT}`),
  },
  {
    id: 'journald-short-iso-precise', kind: 'prefix', time: 'rfc3339', digits: 6,
    source: '`journalctl -o short-iso-precise`, and rsyslog\'s RSYSLOG_FileFormat (`2024-03-04T05:06:07.123456+00:00 host tag[pid]: `)',
    re: new RegExp(`^(?<t>\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{1,9}(?:Z|[+-]\\d{2}:?\\d{2}))${HOST_IDENT}`),
  },
  {
    id: 'journald-json', kind: 'json', time: 'epoch-us', digits: 6,
    source: '`journalctl -o json` (one JSON object per entry: MESSAGE, __REALTIME_TIMESTAMP, SYSLOG_IDENTIFIER, _SYSTEMD_UNIT, _PID)',
    message: 'MESSAGE', timeKey: '__REALTIME_TIMESTAMP', streamKey: null,
    nameKeys: ['CONTAINER_NAME', 'SYSLOG_IDENTIFIER', '_SYSTEMD_UNIT', '_COMM'], required: ['MESSAGE', '__REALTIME_TIMESTAMP'], partialWithoutNewline: false,
  },
  {
    id: 'logread', kind: 'prefix', time: 'syslog', digits: 0,
    source: 'OpenWrt `logread` (`daemon.debug: Sep 19 17:52:02 host host nginx: `)',
    re: new RegExp(`^[a-z]+\\.[a-z]+: (?<t>${MON} [ \\d]\\d \\d{2}:\\d{2}:\\d{2}) (?:\\S+ )?(?<h>\\S+) (?<n>[^\\s\\[\\]:]+)(?:\\[(?<pid>\\d+)\\])?: `),
  },
  {
    id: 'heroku', kind: 'prefix', time: 'rfc3339', digits: 6,
    source: '`heroku logs` (`<time> app[web.1]: `)',
    re: new RegExp(`^(?<t>${RFC3339}) (?<n>[a-z]+\\[[\\w.-]+\\]): `),
  },
  {
    id: 'honcho', kind: 'prefix', time: 'clock', digits: 0,
    source: 'honcho / foreman (`05:06:07 web.1  | `)',
    re: /^(?:\^C)?(?<t>\d{2}:\d{2}:\d{2}) (?<n>[\w.-]+) +\| /,
  },
  {
    // Only before a bracket, digit or brace, so an English "I  think" stays a line.
    id: 'gcp-console', kind: 'prefix', time: null, digits: null,
    source: 'a Google Cloud console copy (a severity letter and two spaces: `E  `)',
    re: /^[DINWECA] {2}(?=[[{\d])/,
  },
  {
    // It looks like Python's asctime, so it is only taken before an indented line (traceback lines).
    id: 'docker-desktop', kind: 'prefix', time: 'local', digits: 0,
    source: "Docker Desktop's log viewer copy (`2025-04-14 12:16:38 ` before an indented line)",
    re: /^(?<t>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?= {2})/,
  },
];

export const WRAPPER_BY_ID: Readonly<Record<WrapperId, WrapperDef>> = Object.fromEntries(WRAPPERS.map((w) => [w.id, w])) as Record<WrapperId, WrapperDef>;

/**
 * The readings a file is tried under: a chain of wrappers applied outside in. `docker compose logs -t`
 * is the compose prefix, then docker's timestamp; `kubectl logs --prefix --timestamps` the pod prefix,
 * then the timestamp. A file is read under one reading (the one under which its lines parse), and a
 * line the reading's wrapper does not match is read as it is (compose's "Attaching to …" lines).
 */
export const READINGS: readonly (readonly WrapperId[])[] = [
  ['docker-timestamps'],
  ['cri'],
  ['docker-json'],
  ['compose'],
  ['compose', 'docker-timestamps'],
  ['kubectl-prefix'],
  ['kubectl-prefix', 'docker-timestamps'],
  ['journald-short'],
  ['journald-short-precise'],
  ['journald-short-iso'],
  ['journald-short-iso-precise'],
  ['journald-json'],
  ['logread'],
  ['heroku'],
  ['honcho'],
  ['gcp-console'],
  ['docker-desktop'],
];

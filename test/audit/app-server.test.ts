import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { findAppArgsInShell } from '../../src/audit/app-server/argv.js';
import { findCommandInFile } from '../../src/audit/app-server/command-sources.js';
import { parseGunicornConfPy } from '../../src/audit/app-server/conf-py.js';
import { resolveAppServer, type AppServer } from '../../src/audit/app-server/resolve.js';
import { shellCommands } from '../../src/audit/app-server/shell-words.js';
import { writeTemp } from './helpers.js';

const opt = (cmd: string, k: string): string | undefined => findAppArgsInShell(cmd)?.options.get(k)?.at(-1)?.value;

test('argv: gunicorn timeout in every spelling', () => {
  for (const cmd of ['gunicorn -t 120 app:app', 'gunicorn -t120 app:app', 'gunicorn --timeout=120 app:app', 'gunicorn --timeout 120 app:app', 'gunicorn app:app --timeout 120']) {
    assert.equal(opt(cmd, 'timeout'), '120', cmd);
  }
});

test('argv: workers, worker class, keep-alive, graceful timeout, bind; unknown flags skip their value', () => {
  const cmd = 'gunicorn --log-level debug -w 4 -k uvicorn.workers.UvicornWorker --keep-alive 75 --graceful-timeout 10 --preload -b 0.0.0.0:8000 myapp.main:app';
  const a = findAppArgsInShell(cmd);
  assert.equal(a?.app, 'myapp.main:app');
  assert.deepEqual(['workers', 'worker_class', 'keepalive', 'graceful_timeout', 'bind'].map((k) => opt(cmd, k)), ['4', 'uvicorn.workers.UvicornWorker', '75', '10', '0.0.0.0:8000']);
});

test('argv: found behind exec, env, python -m, poetry run, sh -c and cd &&', () => {
  assert.equal(opt('exec gunicorn -t 5 app:app', 'timeout'), '5');
  assert.equal(opt('python3 -m gunicorn -t 6 app:app', 'timeout'), '6');
  assert.equal(opt('poetry run gunicorn -t 7 app:app', 'timeout'), '7');
  assert.equal(opt(`sh -c "cd /app && gunicorn -t 8 app:app"`, 'timeout'), '8');
  assert.equal(opt('cd /srv && exec gunicorn -t 9 app:app', 'timeout'), '9');
  assert.equal(findAppArgsInShell('GUNICORN_CMD_ARGS="--timeout 60" gunicorn app:app')?.env['GUNICORN_CMD_ARGS'], '--timeout 60');
});

test('argv: uvicorn run directly', () => {
  const a = findAppArgsInShell('uvicorn main:app --host 0.0.0.0 --port 8080 --workers 2 --timeout-keep-alive 65 --proxy-headers');
  assert.equal(a?.kind, 'uvicorn');
  assert.equal(a?.app, 'main:app');
  assert.deepEqual(['host', 'port', 'workers', 'timeout_keep_alive'].map((k) => a?.options.get(k)?.[0]?.value), ['0.0.0.0', '8080', '2', '65']);
});

test('shell: quotes, escapes and operators', () => {
  assert.deepEqual(shellCommands(`a "b c" 'd e' f\\ g && h; i | j`), [['a', 'b c', 'd e', 'f g'], ['h'], ['i'], ['j']]);
});

test('conf.py: plain assignments, strings, lists, env defaults, and expressions flagged', () => {
  const m = parseGunicornConfPy(
    ['import multiprocessing, os', 'bind = ["0.0.0.0:8000"]', 'workers = multiprocessing.cpu_count() * 2 + 1', "worker_class = 'gthread'", 'threads = 4', 'timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))', 'keepalive = 5  # behind nginx', 'graceful_timeout=20', '    timeout = 1  # indented: inside a block, ignored'].join('\n'),
    'gunicorn.conf.py',
  );
  assert.equal(m.get('bind')?.value, '0.0.0.0:8000');
  assert.equal(m.get('workers')?.literal, false);
  assert.equal(m.get('worker_class')?.value, 'gthread');
  assert.equal(m.get('timeout')?.value, '120');
  assert.equal(m.get('timeout')?.source, 'gunicorn.conf.py:6 (default of $GUNICORN_TIMEOUT)');
  assert.equal(m.get('keepalive')?.value, '5');
  assert.equal(m.get('graceful_timeout')?.source, 'gunicorn.conf.py:8');
});

const found = (name: string, text: string) => {
  const r = findCommandInFile(name, text);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.value;
};

test('sources: Dockerfile exec-form CMD, with ENV GUNICORN_CMD_ARGS and a continuation line', () => {
  const f = found('Dockerfile', ['FROM python:3.12-slim', 'ENV PYTHONUNBUFFERED=1 GUNICORN_CMD_ARGS="--keep-alive 10"', 'COPY . /app', 'CMD ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", \\', '     "--timeout", "90", "app.main:app"]'].join('\n'));
  assert.equal(f.source, 'Dockerfile:4');
  assert.equal(f.args.options.get('timeout')?.[0]?.value, '90');
  assert.deepEqual(f.cmdArgsEnv, { value: '--keep-alive 10', source: 'Dockerfile:2' });
});

test('sources: Dockerfile shell-form CMD and ENTRYPOINT + CMD exec forms', () => {
  assert.equal(found('Dockerfile', 'FROM x\nCMD gunicorn -t 33 app:app\n').args.options.get('timeout')?.[0]?.value, '33');
  const f = found('api.dockerfile', 'FROM x\nENTRYPOINT ["gunicorn", "-c", "gunicorn.conf.py"]\nCMD ["-t", "44", "app:app"]\n');
  assert.equal(f.args.options.get('timeout')?.[0]?.value, '44');
  assert.equal(f.source, 'api.dockerfile:2');
});

test('sources: compose command as string, flow list, block list and folded scalar; environment', () => {
  const base = (cmd: string): string => `services:\n  db:\n    image: postgres\n  web:\n    build: .\n    environment:\n      - "GUNICORN_CMD_ARGS=--graceful-timeout 15"\n${cmd}\n    ports: ["8000:8000"]\n`;
  assert.equal(found('compose.yaml', base('    command: gunicorn -t 11 app:app')).args.options.get('timeout')?.[0]?.value, '11');
  assert.equal(found('compose.yaml', base(`    command: ["gunicorn", '-t', "12", "app:app"]`)).args.options.get('timeout')?.[0]?.value, '12');
  const block = found('docker-compose.yml', base('    command:\n      - gunicorn\n      - --timeout=13\n      - app:app'));
  assert.equal(block.args.options.get('timeout')?.[0]?.value, '13');
  assert.equal(block.source, 'docker-compose.yml:8');
  assert.deepEqual(block.cmdArgsEnv, { value: '--graceful-timeout 15', source: 'docker-compose.yml:7' });
  assert.equal(found('compose.yml', base('    command: >\n      gunicorn -t 14\n      app:app')).args.options.get('timeout')?.[0]?.value, '14');
});

test('sources: Procfile prefers the web process', () => {
  const f = found('Procfile', 'worker: celery -A app worker\nweb: gunicorn -t 21 app:app\nclock: gunicorn -t 99 other:app\n');
  assert.equal(f.args.options.get('timeout')?.[0]?.value, '21');
  assert.equal(f.source, 'Procfile:2');
});

test('sources: systemd ExecStart with continuations and Environment=', () => {
  const unit = ['[Unit]', 'Description=app', '[Service]', 'Environment="GUNICORN_CMD_ARGS=--keep-alive 30" "OTHER=1"', 'ExecStart=/srv/venv/bin/gunicorn \\', '    --workers 3 --timeout 31 \\', '    app:app', '[Install]'].join('\n');
  const f = found('app.service', unit);
  assert.equal(f.source, 'app.service:5');
  assert.equal(f.args.options.get('timeout')?.[0]?.value, '31');
  assert.deepEqual(f.cmdArgsEnv, { value: '--keep-alive 30', source: 'app.service:4' });
});

test('sources: a file with no gunicorn/uvicorn says what it read it as', () => {
  const r = findCommandInFile('Dockerfile', 'FROM x\nCMD ["node", "server.js"]\n');
  assert.ok(!r.ok);
  assert.match(r.reason, /read as a dockerfile/);
});

const resolved = (inputs: Parameters<typeof resolveAppServer>[0]): AppServer => {
  const r = resolveAppServer(inputs);
  assert.ok(r.ok && r.value, r.ok ? 'no app server' : r.reason);
  return r.value;
};

test('resolve: gunicorn defaults and sync workers have no keep-alive', () => {
  const a = resolved({ cmd: 'gunicorn app:app' });
  assert.deepEqual([a.timeout?.seconds, a.gracefulTimeout?.seconds, a.workers.value, a.model, a.keepAlive], [30, 30, '1', 'sync', null]);
  assert.equal(a.timeout?.source, 'default');
});

test('resolve: precedence conf.py < GUNICORN_CMD_ARGS < command line', () => {
  const dir = writeTemp({ 'gunicorn.conf.py': 'timeout = 10\nkeepalive = 3\nworkers = 2\ngraceful_timeout = 7\n', Dockerfile: 'FROM x\nENV GUNICORN_CMD_ARGS="--keep-alive 4 --timeout 11"\nCMD ["gunicorn", "-c", "gunicorn.conf.py", "-k", "uvicorn.workers.UvicornWorker", "-t", "12", "app:app"]\n' });
  const a = resolved({ cmd: join(dir, 'Dockerfile') });
  assert.equal(a.timeout?.seconds, 12);
  assert.match(a.timeout?.source ?? '', /Dockerfile:3 \(--timeout\)$/);
  assert.equal(a.keepAlive?.seconds, 4);
  assert.match(a.keepAlive?.source ?? '', /Dockerfile:2 \(GUNICORN_CMD_ARGS --keep-alive\)$/);
  assert.equal(a.workers.value, '2');
  assert.match(a.gracefulTimeout?.source ?? '', /gunicorn\.conf\.py:4$/);
  assert.equal(a.model, 'asgi');
});

test('resolve: uvicorn alone has no worker timeout and a 5 s keep-alive by default', () => {
  const a = resolved({ cmd: 'uvicorn main:app --port 9000' });
  assert.deepEqual([a.kind, a.timeout, a.keepAlive?.seconds, a.bind.value], ['uvicorn', null, 5, '127.0.0.1:9000']);
});

test('resolve: ${VAR:-default} in a command reads as its default, with a note', () => {
  const a = resolved({ cmd: 'gunicorn -t ${GUNICORN_TIMEOUT:-75} app:app' });
  assert.equal(a.timeout?.seconds, 75);
  assert.ok(a.notes.some((n) => n.includes('GUNICORN_TIMEOUT')));
});

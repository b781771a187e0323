/**
 * The CLI loads only the module of the command a line names (src/cli/program.ts): its table of
 * command names must match what the modules register, or a command would be missing from a line
 * that names it (or load every module for nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { buildProgram, COMMAND_NAMES } from '../../src/cli/program.js';
import { repoRoot } from '../support/repo-root.js';
import type { CliIO } from '../../src/cli/io.js';

const io = (): CliIO => ({ stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), env: {}, cwd: repoRoot(), setExitCode: () => {} });

test('the command table names exactly the commands the modules register, in the help order', async () => {
  const all = await buildProgram(io());
  assert.deepEqual(all.commands.map((c) => c.name()), [...COMMAND_NAMES]);
});

test('a line naming a command builds that command (and its siblings of one module) only', async () => {
  for (const name of COMMAND_NAMES) {
    const p = await buildProgram(io(), [name, '--help']);
    const names = p.commands.map((c) => c.name());
    assert.ok(names.includes(name), `${name}: got ${names.join(', ')}`);
    assert.ok(names.length < COMMAND_NAMES.length, `${name}: every command was loaded`);
  }
  // no command, an option or a typo: the whole list, for help and for commander's suggestion
  for (const argv of [[], ['--help'], ['reprot'], ['help', 'ingest']]) {
    assert.equal((await buildProgram(io(), argv)).commands.length, COMMAND_NAMES.length, argv.join(' '));
  }
});

/**
 * `report --dataset DIR --since-last`: the marks of the previous such report, one per shard (the
 * highest request id it covered), kept in DIR/_droptrace/report-marks.json — beside the tables, where
 * no `table=*` glob reads it. Written through a temp name and a rename.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface FleetMarks {
  readonly created_ms: number;
  /** shard key → the highest request id covered */
  readonly shards: Readonly<Record<string, number>>;
}

export const marksPath = (dir: string) => join(dir, '_droptrace', 'report-marks.json');

export function readFleetMarks(dir: string): FleetMarks | null {
  const p = marksPath(dir);
  if (!existsSync(p)) return null;
  return JSON.parse(readFileSync(p, 'utf8')) as FleetMarks;
}

export function writeFleetMarks(dir: string, marks: FleetMarks): void {
  const p = marksPath(dir);
  mkdirSync(join(dir, '_droptrace'), { recursive: true });
  const tmp = `${p}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(marks, null, 2) + '\n');
  renameSync(tmp, p);
}

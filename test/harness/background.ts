/**
 * Background traffic: a few clients sending ordinary requests while the scripted events happen, so
 * every failure has innocent bystanders in the logs. Seeded, so two runs send the same mix.
 */
import { Agent } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, SendInput } from './client.js';
import { seededRandom } from '../support/random.js';

function pickRequest(random: () => number, agent: Agent): SendInput {
  const r = random();
  const base = { scenario: 'background', agent } as const;
  if (r < 0.45) {
    const id = random() < 0.06 ? 900 + Math.floor(random() * 99) : 1 + Math.floor(random() * 50);
    return { ...base, method: 'GET', path: `/api/items/${id}` };
  }
  if (r < 0.6) return { ...base, method: 'GET', path: '/health' };
  if (r < 0.78) return { ...base, method: 'POST', path: '/api/items', body: JSON.stringify({ name: 'n', n: Math.floor(random() * 1000) }) };
  if (r < 0.93) return { ...base, method: 'GET', path: '/slow', query: { seconds: (2 + Math.floor(random() * 5)) / 10 } };
  return { ...base, method: 'GET', path: '/offload', query: { seconds: 0.3 } };
}

export class BackgroundTraffic {
  private running = false;
  private paused = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly client: Client,
    private readonly clients: number,
    /** Requests per second per client */
    private readonly rate: number,
    private readonly seed = 42,
  ) {}

  start(): void {
    this.running = true;
    for (let i = 0; i < this.clients; i++) this.loops.push(this.loop(this.seed + i));
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async loop(seed: number): Promise<void> {
    const random = seededRandom(seed);
    // One keep-alive connection per client, as a browser or an API client would hold.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await sleep(random() * 300);
    while (this.running) {
      if (!this.paused) await this.client.send(pickRequest(random, agent));
      // exponential gaps: bursts and lulls, like real clients
      const gap = (-Math.log(1 - random()) / this.rate) * 1000;
      await sleep(Math.min(gap, 4000));
    }
    agent.destroy();
  }
}

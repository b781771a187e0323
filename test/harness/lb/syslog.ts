/**
 * A syslog receiver as rsyslog is one: HAProxy sends each log line as a UDP datagram in RFC 3164
 * form ("<134>Dec  5 01:20:00 haproxy[123]: …", no hostname), and the file gets what rsyslog's
 * default template writes: "Dec  5 01:20:00 <host> haproxy[123]: …", one line per message.
 */
import { createSocket, type Socket } from 'node:dgram';
import { appendFileSync } from 'node:fs';

export interface SyslogReceiver {
  readonly port: number;
  readonly lines: () => number;
  close(): Promise<void>;
}

const RFC3164 = /^<\d{1,3}>([A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) (.*)$/s;

export async function startSyslog(file: string, host = 'localhost'): Promise<SyslogReceiver> {
  const socket: Socket = createSocket('udp4');
  let n = 0;
  socket.on('message', (msg) => {
    const text = msg.toString('utf8').replace(/\n+$/, '');
    const m = RFC3164.exec(text);
    // rsyslog inserts the sender's hostname when the message carries none (a tag follows the time).
    const line = m ? (/^[\w./-]+\[\d+\]: /.test(m[2]!) ? `${m[1]} ${host} ${m[2]}` : `${m[1]} ${m[2]}`) : text;
    appendFileSync(file, line.replace(/\n/g, ' ') + '\n');
    n++;
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    lines: () => n,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}

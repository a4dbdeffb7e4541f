/** A redis-server of a test's (or benchmark's) own, on a free loopback port, without persistence. */
import { type ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';

/** A TCP port nothing listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts redis-server on 127.0.0.1:`port` and resolves once it accepts connections. */
export async function startRedis(port: number): Promise<ChildProcess> {
  const r = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let text = '';
    r.stdout!.on('data', (d) => {
      text += d;
      if (/Ready to accept connections/.test(text)) resolve();
    });
    r.on('error', (e) => reject(new Error(`cannot start redis-server (install Debian's redis-server): ${e.message}`)));
    r.on('exit', (code) => reject(new Error(`redis-server exited (${code}): ${text}`)));
  });
  return r;
}

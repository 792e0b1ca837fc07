import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { createRequire } from 'node:module';

/**
 * A Verdaccio npm registry on 127.0.0.1 for one round trip: a fresh storage directory, no users
 * (anyone may publish @deconattn/*, deconattn-* and create-deconattn-mixer; npm only needs some token to send),
 * and an uplink to the public npm registry for everything else (tfjs, commander, …), which this
 * registry caches in its storage. Nothing is kept after `stop()`.
 */
export interface Registry {
  url: string;
  storage: string;
  /** An .npmrc for publishing to and installing from this registry only. */
  npmrc: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** Where storage, config and logs go (created). */
  dir: string;
  /** Proxy packages not published here to this registry (default: the public npm registry). */
  uplink?: string;
  /** Give up starting after this many ms (default 60 s). */
  startTimeoutMs?: number;
}

const WATCHDOG = `
const { spawn } = require('node:child_process');
const [args, parent] = [JSON.parse(process.argv[1]), Number(process.argv[2])];
const c = spawn(process.execPath, args, { stdio: 'inherit' });
c.on('exit', (code) => process.exit(code ?? 0));
process.on('SIGTERM', () => { c.kill('SIGTERM'); setTimeout(() => c.kill('SIGKILL'), 3000); });
setInterval(() => {
  try { process.kill(parent, 0); } catch { c.kill('SIGKILL'); process.exit(0); }
}, 1000);
`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function config(storage: string, uplink: string): string {
  // Our names are published here and never looked up upstream (a public package of the same
  // name must not shadow what the test published); everything else comes through the uplink.
  return `storage: ${JSON.stringify(storage)}
uplinks:
  upstream:
    url: ${JSON.stringify(uplink)}
    timeout: 60s
    max_fails: 4
packages:
  '@deconattn/*':
    access: $all
    publish: $all
  'deconattn-*':
    access: $all
    publish: $all
  'create-deconattn-mixer':
    access: $all
    publish: $all
  '**':
    access: $all
    proxy: upstream
server:
  keepAliveTimeout: 60
max_body_size: 200mb
log: { type: stdout, format: pretty, level: warn }
`;
}

async function ping(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}-/ping`, { signal: AbortSignal.timeout(2000) });
    return r.ok;
  } catch {
    return false;
  }
}

export async function startRegistry(opts: RegistryOptions): Promise<Registry> {
  const dir = path.resolve(opts.dir);
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage, { recursive: true });
  const configFile = path.join(dir, 'config.yaml');
  fs.writeFileSync(configFile, config(storage, opts.uplink ?? 'https://registry.npmjs.org/'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const bin = createRequire(import.meta.url).resolve('verdaccio/bin/verdaccio');
  const log = fs.openSync(path.join(dir, 'verdaccio.log'), 'a');
  // Through a watchdog that stops the registry when this process dies without stop() (a killed
  // test run must not leave a server behind).
  const args = [bin, '--config', configFile, '--listen', `127.0.0.1:${port}`];
  const child: ChildProcess = spawn(process.execPath, ['-e', WATCHDOG, JSON.stringify(args), String(process.pid)], { stdio: ['ignore', log, log], env: { ...process.env, NODE_OPTIONS: '' } });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  while (!(await ping(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGTERM');
      const tail = fs.readFileSync(path.join(dir, 'verdaccio.log'), 'utf8').slice(-2000);
      throw new Error(`Verdaccio did not start on ${url} (${child.exitCode !== null ? `exited ${child.exitCode}` : 'timed out'}):\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  // npm refuses to publish without a token for the registry; Verdaccio lets anyone publish our names.
  const npmrc = path.join(dir, 'npmrc');
  fs.writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=round-trip\naudit=false\nfund=false\nupdate-notifier=false\n`);
  return {
    url,
    storage,
    npmrc,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      fs.closeSync(log);
    },
  };
}

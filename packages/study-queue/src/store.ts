import * as fs from 'node:fs';
import * as path from 'node:path';
import { DeconattnError } from '@deconattn/core';
import { randomBytes } from 'node:crypto';

/**
 * Where a queued study keeps what outlives a job: checkpoints, trained models and per-run
 * results, shared by every worker. Keys are relative paths of `/`-separated segments (letters,
 * digits, `.`, `_`, `-`; no `..`). `DirStore` is a shared directory (NFS, a mounted volume); an
 * S3-compatible object store can implement the same interface through a maintained client, with
 * `directory` as a local cache synced on `put`.
 */
export interface Store {
  /** Where the store is, for messages (no secrets). */
  readonly location: string;
  /** A local directory for `key`, created when absent: training writes its checkpoints there. */
  directory(key: string): string;
  /** Writes `data` under `key` atomically: a reader sees the old value or the new one, never a torn one. */
  put(key: string, data: string | Uint8Array): Promise<void>;
  /** The bytes under `key`, or null when there are none. */
  get(key: string): Promise<Uint8Array | null>;
  /** Keys under `prefix` (files, recursively), sorted. */
  list(prefix: string): Promise<string[]>;
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Checks a store key: relative, `/`-separated, each segment plain (no `..`, no absolute path, no backslash). */
export function checkStoreKey(key: string): string[] {
  const bad = (why: string) => new DeconattnError(`Store key '${String(key).slice(0, 200)}' is not allowed: ${why}. Keys are relative paths of letters, digits, '.', '_' and '-' separated by '/'.`);
  if (typeof key !== 'string' || !key) throw bad('it is empty');
  if (path.isAbsolute(key) || key.startsWith('/') || /^[A-Za-z]:/.test(key)) throw bad('it is absolute');
  const parts = key.split('/');
  for (const p of parts) {
    if (p === '..' || p === '.') throw bad(`it has a '${p}' segment`);
    if (!SEGMENT.test(p)) throw bad(`segment '${p.slice(0, 80)}' has other characters`);
  }
  return parts;
}

/** A store in a directory every worker sees (a local disk for one machine, NFS or similar for several). */
export class DirStore implements Store {
  readonly root: string;
  private readonly realRoot: string;

  constructor(root: string) {
    if (typeof root !== 'string' || !root) throw new DeconattnError(`Worker option 'store' must name a directory, got ${JSON.stringify(root)}.`);
    this.root = path.resolve(root);
    if (fs.existsSync(this.root) && !fs.statSync(this.root).isDirectory()) throw new DeconattnError(`Worker option 'store' names a file ('${root}'); it must be a directory (created when absent).`);
    fs.mkdirSync(this.root, { recursive: true });
    this.realRoot = fs.realpathSync(this.root);
  }

  get location(): string {
    return this.root;
  }

  /**
   * The path of `key`, checked to stay inside the store: the key's syntax, then every part that
   * exists, symbolic links resolved (a link inside the store pointing out of it is refused).
   */
  resolve(key: string): string {
    const parts = checkStoreKey(key);
    const full = path.join(this.realRoot, ...parts);
    let probe = full;
    while (!fs.existsSync(probe) && probe !== this.realRoot) probe = path.dirname(probe);
    // lstat first: a dangling link does not "exist" but still points somewhere.
    for (let p = full; p !== this.realRoot && p.startsWith(this.realRoot); p = path.dirname(p)) {
      let st: fs.Stats;
      try {
        st = fs.lstatSync(p);
      } catch {
        continue;
      }
      if (st.isSymbolicLink()) {
        let target: string;
        try {
          target = fs.realpathSync(p);
        } catch {
          throw new DeconattnError(`Store key '${key}' goes through a broken symbolic link (${p}); the store refuses it.`);
        }
        if (!inside(this.realRoot, target)) throw new DeconattnError(`Store key '${key}' leads outside the store through a symbolic link (${p} → ${target}); the store refuses it.`);
      }
    }
    const real = fs.realpathSync(probe);
    if (!inside(this.realRoot, real)) throw new DeconattnError(`Store key '${key}' leads outside the store (${real}); the store refuses it.`);
    return full;
  }

  directory(key: string): string {
    const dir = this.resolve(key);
    fs.mkdirSync(dir, { recursive: true });
    this.resolve(key); // a link raced in while creating: check again
    return dir;
  }

  async put(key: string, data: string | Uint8Array): Promise<void> {
    const file = this.resolve(key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.resolve(key);
    // A unique temporary name: several workers (on several machines) may write the same key.
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    try {
      fs.writeFileSync(tmp, data);
      fs.renameSync(tmp, file);
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    const file = this.resolve(key);
    try {
      return new Uint8Array(fs.readFileSync(file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.resolve(prefix);
    if (!fs.existsSync(dir)) return [];
    const out: string[] = [];
    const walk = (d: string, rel: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const r = `${rel}/${e.name}`;
        if (e.isDirectory()) walk(path.join(d, e.name), r);
        else if (e.isFile()) out.push(r);
      }
    };
    walk(dir, prefix);
    return out.sort();
  }
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Preloaded into a CLI child (`node --import <this> bin.js …`) by the kill tests. It numbers every
 * file-system write the process makes under DECONATTN_IO_ROOT (open for writing, write, fsync,
 * writeFile, appendFile, rename, rm, mkdtemp) and
 *   - with DECONATTN_IO_TRACE=<file>, appends `{i, op, path}` per write to that file (the map of
 *     moments a kill can land on), and
 *   - with DECONATTN_KILL_AT=<i>, sends itself SIGKILL just before write number i: the process
 *     dies there as it would under `kill -9`, with no exit handlers, no flush, no cleanup;
 *   - with DECONATTN_KILL_TORN=1 as well, a write (write, writeFile, appendFile) is cut in the
 *     middle instead: the first half of its bytes reach the file, then SIGKILL (the torn file a
 *     kill inside writeFileSync leaves).
 * It changes nothing else: the process runs the CLI unmodified.
 */
import fs from 'node:fs';
import path from 'node:path';
import { syncBuiltinESMExports } from 'node:module';

const root = process.env.DECONATTN_IO_ROOT ? path.resolve(process.env.DECONATTN_IO_ROOT) : undefined;
const trace = process.env.DECONATTN_IO_TRACE;
const killAt = Number(process.env.DECONATTN_KILL_AT ?? 0);
const torn = process.env.DECONATTN_KILL_TORN === '1';
const orig = {
  openSync: fs.openSync,
  writeSync: fs.writeSync,
  fsyncSync: fs.fsyncSync,
  closeSync: fs.closeSync,
  writeFileSync: fs.writeFileSync,
  appendFileSync: fs.appendFileSync,
  renameSync: fs.renameSync,
  rmSync: fs.rmSync,
  mkdtempSync: fs.mkdtempSync,
};
const fdPaths = new Map();
let count = 0;

function inRoot(p) {
  if (!root || typeof p !== 'string') return false;
  const abs = path.resolve(p);
  return abs === root || abs.startsWith(root + path.sep);
}

let depth = 0; // appendFileSync calls writeFileSync: count the outer call only

function die() {
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL to oneself is delivered before kill() returns; never run past it regardless.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

/** Counts a write; `half` performs the first half of it (torn mode) before the kill. */
function before(op, p, half) {
  if (depth > 0 || !inRoot(p)) return;
  count++;
  if (trace) orig.appendFileSync(trace, JSON.stringify({ i: count, op, path: path.relative(root, path.resolve(p)) }) + '\n');
  if (count === killAt) {
    if (torn && half) {
      depth++;
      half();
    }
    die();
  }
}

const firstHalf = (data) => {
  const buf = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return buf.subarray(0, Math.floor(buf.length / 2));
};

const pathOf = (f) => (typeof f === 'number' ? fdPaths.get(f) : typeof f === 'string' ? f : f instanceof URL ? f.pathname : undefined);

fs.openSync = function (p, flags, ...rest) {
  const writing = typeof flags === 'string' ? /[wa+]/.test(flags) : typeof flags === 'number' && (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0;
  if (writing) before('open', pathOf(p));
  const fd = orig.openSync.call(fs, p, flags, ...rest);
  if (writing && inRoot(pathOf(p))) fdPaths.set(fd, pathOf(p));
  return fd;
};
fs.writeSync = function (fd, data, ...rest) {
  before('write', fdPaths.get(fd), () => orig.writeSync.call(fs, fd, firstHalf(data)));
  return orig.writeSync.call(fs, fd, data, ...rest);
};
fs.fsyncSync = function (fd) {
  before('fsync', fdPaths.get(fd));
  return orig.fsyncSync.call(fs, fd);
};
fs.closeSync = function (fd) {
  fdPaths.delete(fd);
  return orig.closeSync.call(fs, fd);
};
const nested = (fn) => {
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
};
fs.writeFileSync = function (f, data, ...rest) {
  before('writeFile', pathOf(f), () => orig.writeFileSync.call(fs, f, firstHalf(data)));
  return nested(() => orig.writeFileSync.call(fs, f, data, ...rest));
};
fs.appendFileSync = function (f, data, ...rest) {
  before('appendFile', pathOf(f), () => orig.appendFileSync.call(fs, f, firstHalf(data)));
  return nested(() => orig.appendFileSync.call(fs, f, data, ...rest));
};
fs.renameSync = function (from, to) {
  before('rename', pathOf(to));
  return orig.renameSync.call(fs, from, to);
};
fs.rmSync = function (p, ...rest) {
  before('rm', pathOf(p));
  return nested(() => orig.rmSync.call(fs, p, ...rest));
};
fs.mkdtempSync = function (prefix, ...rest) {
  before('mkdtemp', pathOf(prefix));
  return orig.mkdtempSync.call(fs, prefix, ...rest);
};
syncBuiltinESMExports();

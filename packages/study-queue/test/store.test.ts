import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DirStore, checkStoreKey } from '../src/store.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'deconattn-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('DirStore', () => {
  it('puts, gets and lists keys; a missing key is null', async () => {
    const s = new DirStore(path.join(tmp(), 'store'));
    await s.put('k1/runs/a/result.json', '{"x":1}');
    await s.put('k1/runs/b/result.json', new Uint8Array([1, 2, 3]));
    expect(Buffer.from((await s.get('k1/runs/a/result.json'))!).toString()).toBe('{"x":1}');
    expect([...(await s.get('k1/runs/b/result.json'))!]).toEqual([1, 2, 3]);
    expect(await s.get('k1/runs/c/result.json')).toBeNull();
    expect(await s.list('k1')).toEqual(['k1/runs/a/result.json', 'k1/runs/b/result.json']);
    expect(await s.list('nothing')).toEqual([]);
    // Atomic writes leave no temporary files behind.
    expect(fs.readdirSync(path.join(s.root, 'k1/runs/a'))).toEqual(['result.json']);
  });

  it('replaces a value whole', async () => {
    const s = new DirStore(tmp());
    await s.put('a/b.json', 'x'.repeat(100_000));
    await s.put('a/b.json', 'short');
    expect(Buffer.from((await s.get('a/b.json'))!).toString()).toBe('short');
  });

  it.each([
    ['../outside', "'..' segment"],
    ['a/../../outside', "'..' segment"],
    ['/etc/passwd', 'absolute'],
    ['a/./b', "'.' segment"],
    ['a\\..\\b', 'other characters'],
    ['', 'empty'],
    ['a//b', 'other characters'],
    ['.hidden', 'other characters'],
  ])('refuses the key %j (%s)', (key, why) => {
    expect(() => checkStoreKey(key)).toThrow(why);
    const s = new DirStore(tmp());
    expect(() => s.directory(key)).toThrow(/is not allowed/);
  });

  it('refuses a symbolic link that leads out of the store, and a broken one; a link inside it is fine', async () => {
    const base = tmp();
    const outside = path.join(base, 'outside');
    fs.mkdirSync(outside);
    const s = new DirStore(path.join(base, 'store'));
    fs.symlinkSync(outside, path.join(s.root, 'escape'));
    expect(() => s.directory('escape/runs')).toThrow(/outside the store through a symbolic link/);
    await expect(s.put('escape/x.json', '{}')).rejects.toThrow(/outside the store/);
    await expect(s.get('escape/x.json')).rejects.toThrow(/outside the store/);
    expect(fs.readdirSync(outside)).toEqual([]);
    fs.symlinkSync(path.join(base, 'nowhere'), path.join(s.root, 'dangling'));
    expect(() => s.directory('dangling/a')).toThrow(/broken symbolic link/);
    fs.mkdirSync(path.join(s.root, 'real'));
    fs.symlinkSync(path.join(s.root, 'real'), path.join(s.root, 'alias'));
    await s.put('alias/ok.json', '1');
    expect(fs.readFileSync(path.join(s.root, 'real', 'ok.json'), 'utf8')).toBe('1');
  });

  it('refuses a store path that is a file', () => {
    const f = path.join(tmp(), 'file');
    fs.writeFileSync(f, '');
    expect(() => new DirStore(f)).toThrow(/Worker option 'store' names a file/);
  });
});

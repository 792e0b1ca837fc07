import { parseJsonSafely } from '@deconattn/core';
import { byteTokenizer, checkpointFiles, checkpointManifest, modelFromCheckpoint, parseTokenizerConfig, pythiaTokenizerFromJson, sha256Hex, type Tokenizer, type TokenizerConfig } from '@deconattn/hybrid';
import { zipSync } from 'fflate';
import { PYTHIA_TOKENIZER_URL } from './assets.js';
import { newEntryId, type ModelEntry } from './models.js';

/**
 * Checkpoint directories in and out of the page. In: the files of a directory a person picked
 * (file input with `webkitdirectory`) or dropped; a checkpoint directory, or a run directory whose
 * newest `checkpoints/step-N/` is taken, as the CLI does. The files are untrusted: JSON is
 * bounded, the DONE manifest's sizes and SHA-256s are checked, and modelFromCheckpoint checks the
 * rest. Out: a zip of the directory the CLI reads (config.json, model.safetensors, DONE).
 */

/** A file with its path inside what was picked or dropped. */
export interface PickedFile {
  path: string;
  file: File;
}

const MAX_JSON_BYTES = 16 * 2 ** 20;

export class CheckpointInputError extends Error {}

/** The files of a picked directory (input[webkitdirectory]). */
export function fromFileList(list: FileList | File[]): PickedFile[] {
  return [...list].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

/** The files of dropped items, directories walked (DataTransferItem.webkitGetAsEntry). */
export async function fromDrop(items: DataTransferItemList): Promise<PickedFile[]> {
  const out: PickedFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
      out.push({ path: prefix + entry.name, file });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries returns at most 100 entries per call: read until it returns none.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const e of batch) await walk(e, `${prefix}${entry.name}/`);
      }
    }
  };
  const entries = [...items].map((i) => i.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  for (const e of entries) await walk(e, '');
  return out;
}

const dirOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');

/** The checkpoint directory among the picked files: one with config.json and model.safetensors; in a run, the newest step. */
export function findCheckpoint(files: PickedFile[]): { dir: string; files: Map<string, File> } {
  const byDir = new Map<string, Map<string, File>>();
  for (const f of files) {
    const d = dirOf(f.path);
    if (!byDir.has(d)) byDir.set(d, new Map());
    byDir.get(d)!.set(f.path.slice(d ? d.length + 1 : 0), f.file);
  }
  const complete = [...byDir].filter(([, m]) => m.has('config.json') && m.has('model.safetensors'));
  if (!complete.length) throw new CheckpointInputError(`No checkpoint among the ${files.length} file(s): pick a directory with config.json and model.safetensors (a model trained by \`deconattn train\`, or its run directory).`);
  const step = (d: string) => Number(/step-(\d+)$/.exec(d)?.[1] ?? Infinity);
  // A directory of its own beats a run's step directories; among steps, the newest.
  complete.sort(([a], [b]) => (step(a) === step(b) ? a.length - b.length : step(b) - step(a)));
  const [dir, m] = complete.find(([d]) => step(d) === Infinity) ?? complete[0]!;
  return { dir, files: m };
}

async function bytes(file: File, name: string, limit?: number): Promise<Uint8Array> {
  if (limit !== undefined && file.size > limit) throw new CheckpointInputError(`${name} is ${file.size} bytes, more than the ${limit} allowed.`);
  return new Uint8Array(await file.arrayBuffer());
}

function json(buf: Uint8Array, name: string): any {
  const r = parseJsonSafely(new TextDecoder().decode(buf), { maxDepth: 64 });
  if (!r.ok) throw new CheckpointInputError(`${name} ${r.problem}.`);
  return r.value;
}

let pythia: Promise<Tokenizer> | undefined;

/** The tokenizer a checkpoint records: byte, or the Pythia BPE (its 2.4 MB file fetched on first use). */
export async function tokenizerFor(config: TokenizerConfig): Promise<Tokenizer> {
  const c = parseTokenizerConfig(config);
  if (c.kind === 'byte') return byteTokenizer();
  pythia ??= fetch(PYTHIA_TOKENIZER_URL)
    .then((r) => r.json())
    .then((j) => pythiaTokenizerFromJson(j));
  return pythia;
}

/** Loads the checkpoint among `picked` into a new model (its mixers must be registered on the page). */
export async function loadPickedCheckpoint(picked: PickedFile[]): Promise<ModelEntry> {
  const { dir, files } = findCheckpoint(picked);
  const where = (n: string) => (dir ? `${dir}/${n}` : n);
  const configBytes = await bytes(files.get('config.json')!, where('config.json'), MAX_JSON_BYTES);
  const weights = await bytes(files.get('model.safetensors')!, where('model.safetensors'));
  const done = files.get('DONE');
  if (done) {
    const manifest = json(await bytes(done, where('DONE'), MAX_JSON_BYTES), where('DONE'));
    for (const [name, buf] of [['config.json', configBytes], ['model.safetensors', weights]] as const) {
      const want = manifest?.files?.[name];
      if (want && (want.bytes !== buf.length || want.sha256 !== sha256Hex(buf))) throw new CheckpointInputError(`${where(name)} does not match its DONE manifest (${buf.length} bytes, expected ${want.bytes}; checksum differs).`);
    }
  }
  const config = json(configBytes, where('config.json'));
  const model = await modelFromCheckpoint(config, weights, { config: where('config.json'), weights: where('model.safetensors') });
  const tokenizerConfig = config.deconattn.tokenizer as TokenizerConfig;
  const tokenizer = await tokenizerFor(tokenizerConfig).catch((e) => {
    model.dispose();
    throw e;
  });
  const id = newEntryId();
  const name = dir.split('/').filter(Boolean).slice(-3).join('/') || 'checkpoint';
  return { id, label: `#${id} ${name} (${model.layerMixers.join(',')})`, model, tokenizer, tokenizerConfig, preset: config.deconattn.preset, origin: 'checkpoint', losses: [] };
}

/** A zip holding `<name>/config.json, model.safetensors, DONE`: unzip it and point the CLI at the directory. */
export async function checkpointZip(entry: ModelEntry, name: string): Promise<Uint8Array> {
  const files = await checkpointFiles(entry.model, { tokenizer: entry.tokenizerConfig, preset: entry.preset });
  files['DONE'] = new TextEncoder().encode(checkpointManifest(files));
  // Stored, not deflated: float weights barely compress, and the zip is made at once.
  return zipSync(Object.fromEntries(Object.entries(files).map(([n, b]) => [`${name}/${n}`, b])), { level: 0 });
}

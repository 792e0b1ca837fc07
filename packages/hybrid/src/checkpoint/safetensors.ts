import { DeconattnError, parseJsonSafely } from '@deconattn/core';

/**
 * The safetensors format: 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`, then raw
 * little-endian tensor bytes. We write F32 only and read F32 (plus F16/BF16 upcast, I32/I64 ids).
 * Plain Uint8Array in and out (a Node Buffer is one), so browsers read and write checkpoints too.
 */
export interface StoredTensor {
  shape: number[];
  data: Float32Array;
}

export function encodeSafetensors(tensors: Map<string, StoredTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const names = [...tensors.keys()].sort();
  for (const name of names) {
    const t = tensors.get(name)!;
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new DeconattnError(`Tensor '${name}' has ${t.data.length} values but shape [${t.shape.join(', ')}] needs ${n}.`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + n * 4] };
    offset += n * 4;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
  const headerLen = json.length + ((8 - ((8 + json.length) % 8)) % 8);
  const out = new Uint8Array(8 + headerLen + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let pos = 8 + headerLen;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    if (LITTLE_ENDIAN) out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    else d.forEach((v, i) => view.setFloat32(pos + 4 * i, v, true));
    pos += d.byteLength;
  }
  return out;
}

/** Float32Array bytes are the machine's order; the format's is little-endian (nearly every machine's). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The largest header read: the format's own limit (the reference implementation refuses headers
 * over 100 MB), far above the few kilobytes a model's header takes.
 */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

const DTYPE_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8 };

const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Reads a safetensors buffer, which may come from anyone: the header is bounded and every entry
 * is checked before any tensor is read (known dtype, shape of non-negative integers, offsets
 * inside the data, bytes = elements × dtype size, tensors tiling the data exactly: no overlap, no
 * gap, nothing after the last, as the format requires). Each problem is one error naming the file.
 */
export function decodeSafetensors(buf: Uint8Array, file = 'safetensors file'): { tensors: Map<string, StoredTensor>; metadata: Record<string, string> } {
  const bad = (why: string) => new DeconattnError(`Corrupt checkpoint: ${file} ${why}. Re-save the model, or load an earlier checkpoint.`);
  if (buf.length < 8) throw bad(`is ${buf.length} bytes long, shorter than the 8-byte header length`);
  const declared = new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(0, true);
  if (declared > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) throw bad(`declares a ${declared}-byte header, more than the ${SAFETENSORS_MAX_HEADER_BYTES}-byte limit of the format`);
  const headerLen = Number(declared);
  if (headerLen < 2 || 8 + headerLen > buf.length) throw bad(`declares a ${headerLen}-byte header but the file has ${buf.length} bytes`);
  const parsed = parseJsonSafely(new TextDecoder().decode(buf.subarray(8, 8 + headerLen)), { maxDepth: 4 });
  if (!parsed.ok) throw bad(`has a header that ${parsed.problem}`);
  const header = parsed.value;
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('has a header that is not a JSON object of tensor entries');
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null || Array.isArray(info) || Object.values(info).some((v) => typeof v !== 'string')) {
        throw bad('has "__metadata__" that is not an object of strings');
      }
      metadata = info as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: off } = (typeof info === 'object' && info !== null ? info : {}) as Record<string, unknown>;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw bad(`has tensor '${name}' of unsupported dtype ${JSON.stringify(dtype)} (F32, F16, BF16, I32, I64 are read)`);
    if (!Array.isArray(shape) || !shape.every(isCount)) throw bad(`has tensor '${name}' whose shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isCount)) throw bad(`has tensor '${name}' whose data_offsets ${JSON.stringify(off)} are not two non-negative integers`);
    const [begin, end] = off as [number, number];
    if (!(end >= begin && end <= dataLen)) throw bad(`has tensor '${name}' at bytes ${begin}–${end}, outside the ${dataLen} data bytes (truncated file?)`);
    let n = 1;
    for (const d of shape) n *= d;
    const want = n * DTYPE_BYTES[dtype]!;
    if (end - begin !== want) throw bad(`has tensor '${name}' with ${end - begin} bytes for shape [${shape.join(', ')}] of ${dtype}, which needs ${want}`);
    entries.push({ name, dtype, shape, begin, end });
  }
  // The tensors must tile the data: sorted by offset, each starts where the previous one ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: Entry | undefined;
  for (const e of sorted) {
    if (e.begin < pos) throw bad(`has tensors '${prev!.name}' and '${e.name}' sharing bytes ${e.begin}–${Math.min(pos, e.end)} (overlapping ranges)`);
    if (e.begin > pos) throw bad(`leaves data bytes ${pos}–${e.begin} outside every tensor`);
    pos = e.end;
    prev = e;
  }
  if (pos !== dataLen) throw bad(`has ${dataLen - pos} data bytes after the last tensor (the tensors cover ${pos} of ${dataLen})`);
  const tensors = new Map<string, StoredTensor>();
  for (const e of entries) {
    const n = e.shape.reduce((a, x) => a * x, 1);
    tensors.set(e.name, { shape: e.shape, data: toFloat32(buf.subarray(dataStart + e.begin, dataStart + e.end), e.dtype, n) });
  }
  return { tensors, metadata };
}

function toFloat32(bytes: Uint8Array, dtype: string, n: number): Float32Array {
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) {
    switch (dtype) {
      case 'F32':
        out[i] = view.getFloat32(i * 4, true);
        break;
      case 'I32':
        out[i] = view.getInt32(i * 4, true);
        break;
      case 'I64':
        out[i] = Number(view.getBigInt64(i * 8, true));
        break;
      case 'BF16':
        out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0]!;
        break;
      case 'F16':
        out[i] = halfToFloat(view.getUint16(i * 2, true));
        break;
    }
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * Math.pow(2, -14) * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * Math.pow(2, e - 15) * (1 + f / 1024);
}

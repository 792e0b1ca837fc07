import { DeconattnError } from '@deconattn/core';

/**
 * The safetensors format: 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`, then raw
 * little-endian tensor bytes. We write F32 only and read F32 (plus F16/BF16 upcast, I32/I64 ids).
 */
export interface StoredTensor {
  shape: number[];
  data: Float32Array;
}

export function encodeSafetensors(tensors: Map<string, StoredTensor>, metadata: Record<string, string> = {}): Buffer {
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
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned (as the reference writer does).
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(out, pos);
    pos += d.byteLength;
  }
  return out;
}

export function decodeSafetensors(buf: Buffer, file = 'safetensors file'): { tensors: Map<string, StoredTensor>; metadata: Record<string, string> } {
  const bad = (why: string) => new DeconattnError(`Corrupt checkpoint: ${file} ${why}. Re-save the model, or load an earlier checkpoint.`);
  if (buf.length < 8) throw bad(`is ${buf.length} bytes long, shorter than the 8-byte header length`);
  const headerLen = Number(buf.readBigUInt64LE(0));
  if (headerLen <= 0 || 8 + headerLen > buf.length) throw bad(`declares a ${headerLen}-byte header but the file has ${buf.length} bytes`);
  let header: Record<string, any>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8'));
  } catch (e) {
    throw bad(`has a header that is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const tensors = new Map<string, StoredTensor>();
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets: off } = info ?? {};
    if (!Array.isArray(shape) || !Array.isArray(off) || off.length !== 2) throw bad(`has a malformed entry for '${name}'`);
    const [b, e] = off as [number, number];
    if (!(b >= 0 && e >= b && e <= dataLen)) throw bad(`has tensor '${name}' at bytes ${b}–${e}, outside the ${dataLen} data bytes (truncated file?)`);
    const n = shape.reduce((a: number, x: number) => a * x, 1);
    const bytes = buf.subarray(dataStart + b, dataStart + e);
    const size = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8 }[dtype as string];
    if (!size) throw bad(`has tensor '${name}' of unsupported dtype ${dtype} (F32, F16, BF16, I32, I64 are read)`);
    if (bytes.length !== n * size) throw bad(`has tensor '${name}' with ${bytes.length} bytes for shape [${shape.join(', ')}] of ${dtype}`);
    tensors.set(name, { shape, data: toFloat32(bytes, dtype, n) });
  }
  return { tensors, metadata: (header.__metadata__ as Record<string, string>) ?? {} };
}

function toFloat32(bytes: Buffer, dtype: string, n: number): Float32Array {
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

import { sha256 } from '@noble/hashes/sha2';
import { bytesToHex } from '@noble/hashes/utils';

/**
 * SHA-256 that runs in browsers and Node alike (no node:crypto), incremental for large weights.
 * Digests equal node:crypto's for the same bytes (strings are hashed as UTF-8).
 */
export function createSha256(): { update(data: Uint8Array | string): void; hex(): string } {
  const h = sha256.create();
  return {
    update: (data) => void h.update(typeof data === 'string' ? new TextEncoder().encode(data) : data),
    hex: () => bytesToHex(h.digest()),
  };
}

export function sha256Hex(data: Uint8Array | string): string {
  const h = createSha256();
  h.update(data);
  return h.hex();
}

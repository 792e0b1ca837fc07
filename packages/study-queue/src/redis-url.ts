import { DeconattnError } from '@deconattn/core';

/**
 * A Redis URL as the user gave it (`redis://[user:password@]host:port/db`, `rediss://` for TLS),
 * checked, with a redacted form for every log and error line: passwords are never printed.
 */
export interface RedisTarget {
  /** The URL as given, secrets included: only ever handed to ioredis. */
  readonly url: string;
  /** The URL with its password (and user name) replaced by `***`. */
  readonly redacted: string;
  readonly tls: boolean;
}

/** `redis://user:secret@host:6379/0` → `redis://***@host:6379/0` (any scheme). Works on text that is not a valid URL too. */
export function redactRedisUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/i, '$1***@');
}

/** Every Redis URL in `text` redacted (error messages from the client may quote it). */
export function redactText(text: string, target?: RedisTarget): string {
  let out = text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s'"]*/gi, (u) => redactRedisUrl(u));
  if (target) {
    // The password itself, wherever a library might echo it.
    const password = passwordOf(target.url);
    if (password && password.length >= 3) out = out.split(password).join('***');
  }
  return out;
}

function passwordOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.password ? decodeURIComponent(u.password) : null;
  } catch {
    return null;
  }
}

/** Checks the scheme, host, port and database number; the error quotes the redacted URL. */
export function parseRedisUrl(url: string, option = 'queue'): RedisTarget {
  const redacted = redactRedisUrl(String(url));
  const bad = (why: string) => new DeconattnError(`Queue option '${option}' must be a Redis URL like redis://host:6379/0 or rediss://:password@host:6380/0 (${why}), got '${redacted}'.`);
  if (typeof url !== 'string' || !url) throw bad('it is empty');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad('not a URL');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw bad(`the scheme is '${u.protocol.replace(/:$/, '')}'`);
  if (!u.hostname) throw bad('no host');
  const db = u.pathname.replace(/^\//, '');
  if (db && !/^\d+$/.test(db)) throw bad(`the database '${db}' is not a number`);
  return { url, redacted, tls: u.protocol === 'rediss:' };
}

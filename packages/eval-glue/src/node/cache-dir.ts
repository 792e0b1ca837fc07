import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * The per-user answer cache: `$DECONATTN_CACHE_DIR/eval`, else `$XDG_CACHE_HOME/deconattn/eval`,
 * else `~/.cache/deconattn/eval` (relative XDG paths are ignored, as the XDG spec says).
 */
export function defaultEvalCacheDir(env: Record<string, string | undefined> = process.env): string {
  if (env.DECONATTN_CACHE_DIR) return join(env.DECONATTN_CACHE_DIR, 'eval');
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'deconattn', 'eval');
}

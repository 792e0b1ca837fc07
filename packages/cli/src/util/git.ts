import { execFileSync } from 'node:child_process';

/** The repository's commit, when run from a git checkout (recorded in results). */
export function gitHash(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

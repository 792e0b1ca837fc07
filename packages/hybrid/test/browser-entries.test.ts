import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

/*
 * The browser entries: bundled for the browser platform (as Vite or a browser bundler would),
 * they must reach no Node built-in module. Node-only parts live behind `@deconattn/hybrid/node`
 * and `@deconattn/eval-glue/node`.
 * Each entry is bundled from its sources with every dependency inlined (tfjs, tokenizers, hashes),
 * so a Node import anywhere in the graph fails the test: ours named with the importer, a
 * dependency's as esbuild's resolution error.
 */
const root = fileURLToPath(new URL('../../..', import.meta.url));

const ENTRIES: Record<string, string> = {
  '@deconattn/core': 'packages/core/src/index.ts',
  '@deconattn/attention-standard': 'packages/attention-standard/src/index.ts',
  '@deconattn/attention-relaxed': 'packages/attention-relaxed/all/src/index.ts',
  '@deconattn/hybrid': 'packages/hybrid/src/index.ts',
  '@deconattn/eval-glue': 'packages/eval-glue/src/index.ts',
};

const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Our packages from their sources (as vitest resolves them), and a record of every Node built-in asked for. */
function workspace(found: string[]): Plugin {
  return {
    name: 'deconattn-workspace',
    setup(b) {
      b.onResolve({ filter: /^@deconattn\// }, (args) => {
        const name = args.path;
        if (ENTRIES[name]) return { path: `${root}/${ENTRIES[name]}` };
        const relaxed = /^@deconattn\/attention-([a-z-]+)$/.exec(name);
        if (relaxed) return { path: `${root}/packages/attention-relaxed/${relaxed[1]}/src/index.ts` };
        found.push(`${name} (from ${args.importer.replace(root, '')}): not a browser entry`);
        return { path: name, external: true };
      });
      // Dependencies map Node modules away through their package.json "browser" field, which
      // esbuild applies; one that does not makes the build fail. Our own sources are checked here.
      b.onResolve({ filter: /.*/ }, (args) => {
        if (builtins.has(args.path) && !args.importer.includes('/node_modules/')) {
          found.push(`${args.path} (from ${args.importer.replace(root, '')})`);
          return { path: args.path, external: true };
        }
        return undefined;
      });
    },
  };
}

describe('browser entries import no Node built-in', () => {
  for (const [name, entry] of Object.entries(ENTRIES)) {
    it(`${name} bundles for the browser platform`, async () => {
      const found: string[] = [];
      const result = await build({
        entryPoints: [`${root}/${entry}`],
        bundle: true,
        write: false,
        platform: 'browser',
        format: 'esm',
        logLevel: 'silent',
        plugins: [workspace(found)],
      });
      expect(result.errors).toEqual([]);
      expect(found, `Node built-ins reached from ${name}`).toEqual([]);
      expect(result.outputFiles[0]!.text.length).toBeGreaterThan(1000);
    });
  }

  it('the check can fail: the Node entry reaches node:fs', async () => {
    const found: string[] = [];
    await build({ entryPoints: [`${root}/packages/hybrid/src/node.ts`], bundle: true, write: false, platform: 'browser', format: 'esm', logLevel: 'silent', packages: 'external', plugins: [workspace(found)] });
    expect(found.some((f) => f.startsWith('node:fs'))).toBe(true);
  });

  it("the check can fail: eval-glue's Node entry reaches node:fs", async () => {
    const found: string[] = [];
    await build({ entryPoints: [`${root}/packages/eval-glue/src/node.ts`], bundle: true, write: false, platform: 'browser', format: 'esm', logLevel: 'silent', packages: 'external', plugins: [workspace(found)] });
    expect(found.some((f) => f.startsWith('node:fs'))).toBe(true);
  });
});

/**
 * The allowed dependency directions of docs/architecture.md, checked by `pnpm lint`:
 *   0 core ◀ 1 mixers ◀ … ; core ◀ 1 kernels-wasm ◀ hybrid/node ; core ◀ 2 hybrid ◀ testkit ; core ◀ 3 eval-glue ; 4 study ◀ 4½ study-queue ◀ 5 cli.
 * Imports of our packages resolve through tsconfig.json's paths to their sources, so a rule sees
 * which package (and which file of it) an import reaches. Tests are not checked.
 */
const PKG = '(packages/attention-relaxed/[^/]+|packages/[^/]+|examples/[^/]+)';
const MIXERS = '^(packages/attention-standard|packages/attention-relaxed/[^/]+|examples/[^/]+)/src/';

const layer = (name, from, forbidden, comment) => ({ name, severity: 'error', comment, from: { path: from }, to: { path: forbidden } });

module.exports = {
  forbidden: [
    layer('core-is-the-contract', '^packages/core/src/', '^(packages|examples)/(?!core/)', 'core imports no other package: a plugin needs only core and tfjs-core'),
    layer('mixers-need-only-core', MIXERS, '^packages/(hybrid|testkit|eval-glue|study|cli)/', 'a mixer depends on core (and on other mixers it builds on), never on the runtime or the tools'),
    layer('kernels-need-only-core', '^packages/kernels-wasm/src/', '^(packages|examples)/(?!(core|kernels-wasm)/)', 'the wasm kernels implement core\'s kernel names; they know no mixer and no runtime'),
    layer('runtime-below-tools', '^packages/hybrid/src/', '^(packages/(attention-|testkit|eval-glue|study|cli)|examples/)', 'hybrid knows mixers only through the registry'),
    layer('testkit-below-tools', '^packages/testkit/src/', '^(packages/(attention-|eval-glue|study|cli)|examples/)', 'the kit tests any mixer, ours or not'),
    layer('evaluation-scores-an-interface', '^packages/eval-glue/src/', '^(packages/(attention-|hybrid|testkit|study|cli)|examples/)', 'eval-glue scores a ScoringModel; it does not import the runtime'),
    layer('study-below-cli', '^packages/study/src/', '^(packages/(testkit|cli|study-queue)|examples/)', 'the study is a library the CLI and the queue call'),
    layer('queue-below-cli', '^packages/study-queue/src/', '^(packages/(testkit|cli)|examples/)', 'the queue runs the study library on workers; the CLI calls it'),
    {
      name: 'no-deep-imports',
      severity: 'error',
      comment: 'another package is reached through its public entries only (index.ts, or the node.ts subpath); its package.json is metadata (create-deconattn-mixer reads the versions it scaffolds)',
      from: { path: `^${PKG}/src/` },
      // hybrid's data files are a declared subpath too (@deconattn/hybrid/data/*: a page serves them).
      to: { path: `^${PKG}/`, pathNot: ['^$1/', `^${PKG}/src/(index|node)\\.ts$`, `^${PKG}/package\\.json$`, '^packages/hybrid/data/'] },
    },
    {
      name: 'kernels-from-node-entries-only',
      severity: 'error',
      comment: 'kernels-wasm starts worker threads: only hybrid/node installs it, never a browser entry',
      from: { path: '^packages/(core|attention-standard|attention-relaxed/[^/]+|hybrid)/src/', pathNot: '^packages/hybrid/src/(node\\.ts|node/)' },
      to: { path: '^packages/kernels-wasm/' },
    },
    {
      name: 'browser-entries-use-no-node',
      severity: 'error',
      comment: 'core, the mixers and the main entries of hybrid and eval-glue run in browsers: Node modules only in their node entries and the files those alone reach',
      from: {
        path: '^packages/(core|attention-standard|attention-relaxed/[^/]+|hybrid|eval-glue)/src/',
        pathNot: [
          '^packages/hybrid/src/(node\\.ts|node/|train/run\\.ts|checkpoint/(checkpoint|files)\\.ts|data/(corpus|dataDir|fixed-passage)\\.ts|tokenizer/files\\.ts)',
          '^packages/eval-glue/src/(node\\.ts|node/)',
        ],
      },
      to: { dependencyTypes: ['core'] },
    },
    // Type-only cycles (two files naming each other's types) vanish at run time.
    { name: 'no-circular', severity: 'error', from: { path: '/src/' }, to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } } },
    // Vite's `?url` imports (the playground's assets) are resolved by Vite, not by Node.
    { name: 'no-unresolvable', severity: 'error', from: { path: '/src/' }, to: { couldNotResolve: true, pathNot: '\\?url$' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The scaffold template is not a workspace package (its package.json is _package.json until
    // scaffolded); create-deconattn-mixer's end-to-end test checks it as a package of its own.
    exclude: { path: '(^|/)(test|dist|node_modules)/|^packages/create-deconattn-mixer/template/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.js', '.json'] },
  },
};

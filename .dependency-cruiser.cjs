/**
 * The layering of ../shared/DESIGN.md §2, checked by dependency-cruiser (`npm run lint`):
 *
 *   cli -> {ui, headless, batch} -> agent -> {model, tools, repo} -> exec
 *   traces and config are leaves that cli/compose.ts plugs in.
 *   secrets/ (the one redaction function) and fs/ (atomic writes, whole-line appends, the run lock) are
 *   bottom leaves every layer below the front ends may use: they import nothing from src/.
 *
 * LAYERS lists, for each folder under src/, the folders it may import (besides itself). Arrows point down
 * only; anything not listed is a violation. Extra rules: every import must resolve; only cli/ reads the
 * config files (config/load.ts); nothing reaches traces/ but cli/; no createRequire or
 * process.getBuiltinModule tricks around the checker (node:module is allowed in one named place).
 */
const LEAVES = ['config', 'secrets', 'fs'];
const BELOW_AGENT = ['model', 'tools', 'repo', 'exec', ...LEAVES];
const LAYERS = {
  cli: ['ui', 'headless', 'batch', 'agent', 'traces', ...BELOW_AGENT],
  // front ends: never cli/, never each other (the shared exit-code table excepted, see EXTRA_ALLOWED);
  // ui/ talks to the agent only (DESIGN: "ui imports agent types only")
  ui: ['agent'],
  headless: ['agent', ...BELOW_AGENT],
  batch: ['agent', 'headless', ...BELOW_AGENT],
  agent: BELOW_AGENT,
  // traces: plugged in by compose; reads agent event types, repo identity, and defines a tool
  traces: ['agent', 'tools', 'repo', 'exec', 'model', ...LEAVES],
  tools: ['model', 'exec', ...LEAVES],
  model: LEAVES,
  repo: ['exec', ...LEAVES],
  exec: LEAVES,
  config: [],
  secrets: [],
  fs: [],
};
/** single files a layer may use across the table, with the reason */
const EXTRA_ALLOWED = {
  ui: [
    // every front end maps a run's outcome to the same process exit codes, and colours text one way
    'src/headless/exit-codes.ts',
    'src/headless/style.ts',
    // the TUI's /undo and /diff work on git checkpoints of the workspace
    'src/repo/checkpoint.ts',
  ],
};
/** the only modules allowed to load node:module (createRequire), with the reason */
const NODE_MODULE_ALLOWED = [
  // resolves the platform's ripgrep binary path inside @vscode/ripgrep (no code is loaded)
  '^src/tools/grep\\.ts$',
];

const layerRules = Object.entries(LAYERS).map(([from, allowed]) => ({
  name: `layer-${from}`,
  comment: `src/${from}/ may import only: ${allowed.join(', ') || 'nothing in src/'} (DESIGN §2)`,
  severity: 'error',
  from: { path: `^src/${from}/` },
  to: {
    path: '^src/',
    pathNot: [`^src/(${[from, ...allowed].join('|')})/`, ...(EXTRA_ALLOWED[from] ?? []).map((f) => `^${f}$`)],
  },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-unknown-folder',
      comment: 'every folder under src/ has a row in the layer table of .dependency-cruiser.cjs',
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/(${Object.keys(LAYERS).join('|')})/` },
      to: {},
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import the checker cannot resolve cannot be checked',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'config-read-in-cli-only',
      comment: 'cli/compose.ts resolves settings once; nothing else reads config files',
      severity: 'error',
      from: { pathNot: '^src/cli/' },
      to: { path: '^src/config/load\\.ts$' },
    },
    {
      name: 'no-create-require',
      comment: 'createRequire / process.getBuiltinModule hide imports from this check',
      severity: 'error',
      from: { pathNot: NODE_MODULE_ALLOWED },
      to: { path: '^(node:)?module$' },
    },
    {
      name: 'headless-without-ink',
      comment: 'headless mode must not load Ink or React (startup time)',
      severity: 'error',
      from: { path: '^src/(headless|agent|batch)/' },
      to: { path: '^(src/ui/|node_modules/(ink|react|react-dom)/)', reachable: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    moduleSystems: ['es6', 'cjs'],
    detectProcessBuiltinModuleCalls: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      mainFields: ['module', 'main'],
    },
  },
};

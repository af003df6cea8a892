import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN §2 as a lint rule: arrows point down only.
 * cli -> {ui, headless, batch} -> agent -> {model, tools, repo} -> exec; traces and config are leaves.
 */
const SRC = resolve(__dirname, '..', 'src');

const FORBIDDEN: Record<string, string[]> = {
  exec: ['agent', 'tools', 'model', 'repo', 'traces', 'ui', 'headless', 'batch', 'cli'],
  model: ['agent', 'tools', 'repo', 'exec', 'traces', 'ui', 'headless', 'batch', 'cli'],
  tools: ['agent', 'ui', 'headless', 'batch', 'cli'],
  repo: ['agent', 'tools', 'traces', 'ui', 'headless', 'batch', 'cli'],
  agent: ['ui', 'headless', 'batch', 'cli', 'traces'],
  config: ['agent', 'tools', 'model', 'repo', 'exec', 'traces', 'ui', 'headless', 'batch', 'cli'],
  traces: ['ui', 'headless', 'batch', 'cli', 'tools'],
  ui: ['headless', 'batch', 'cli', 'tools', 'model', 'exec'],
  headless: ['ui', 'batch', 'cli'],
  batch: ['ui', 'cli'],
};
/** Only type imports may cross these (a leaf may know the event shape, never call the loop). */
const TYPE_ONLY: Record<string, string[]> = { traces: ['agent'], ui: ['agent'], headless: ['agent'] };

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
  spec: string;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(name) ? [p] : [];
  });
}

function imports(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  const re = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) {
    const spec = m[3] ?? m[4] ?? '';
    out.push({ from: file, to: spec, typeOnly: Boolean(m[2]), spec });
  }
  return out;
}

const layer = (file: string) => relative(SRC, file).split('/')[0] ?? '';

describe('architecture', () => {
  const all = files(SRC);

  it('keeps the dependency arrows pointing down', () => {
    const violations: string[] = [];
    for (const file of all) {
      const from = layer(file);
      for (const imp of imports(file)) {
        if (!imp.spec.startsWith('.')) continue;
        const target = layer(resolve(dirname(file), imp.spec));
        if (target === from) continue;
        // events.ts is the shared data shape; its small pure helpers (emptyUsage, addUsage) may be used anywhere.
        const eventsHelpers = /\/agent\/events\.js$/.test(imp.spec);
        const typeOk = (imp.typeOnly || eventsHelpers) && TYPE_ONLY[from]?.includes(target);
        if (FORBIDDEN[from]?.includes(target) && !typeOk) violations.push(`${relative(SRC, file)} -> ${imp.spec}`);
        if (!imp.typeOnly && !eventsHelpers && TYPE_ONLY[from]?.includes(target))
          violations.push(`${relative(SRC, file)} -> ${imp.spec} (type imports only)`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('never lets headless code statically reach ink or react', () => {
    // Follow static (non-type, non-dynamic) imports from the exec entry; dynamic import() is the way out.
    const seen = new Set<string>();
    const reached: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      const re =
        /(?:^|\n)\s*(?:import|export)\s+(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;
      for (const m of text.matchAll(re)) {
        const spec = m[1] ?? m[2] ?? '';
        if (/^(ink|react|ink-.*|cli-highlight|marked)(\/|$)/.test(spec))
          reached.push(`${relative(SRC, file)} -> ${spec}`);
        if (!spec.startsWith('.')) continue;
        const target = resolve(dirname(file), spec).replace(/\.js$/, '');
        for (const ext of ['.ts', '.tsx']) {
          try {
            statSync(target + ext);
            visit(target + ext);
          } catch {
            /* not this extension */
          }
        }
      }
    };
    visit(join(SRC, 'cli', 'main.ts'));
    visit(join(SRC, 'cli', 'exec.ts'));
    expect(reached).toEqual([]);
  });
});

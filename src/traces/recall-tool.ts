/** The `recall` tool: the model searches prior runs in this repo mid-task (same ranking as run start). */
import { z } from 'zod';
import { readPrompt } from '../config/prompts.js';
import { defineTool, type Tool } from '../tools/tool.js';
import { commandFacts, rankTask, readLiveTree, renderRecallBlock } from './recall.js';
import type { TraceRecord } from './record.js';
import type { TraceStore } from './store.js';

const RECALL_PARAMS = z.object({
  query: z.string().min(1).describe('A task, feature, file or error.'),
});

export function createRecallTool(opts: { store: TraceStore; repoRoot: string; budgetTokens?: number }): Tool {
  return defineTool({
    name: 'recall',
    kind: 'read',
    description: readPrompt('tools/recall.md'),
    parameters: RECALL_PARAMS,
    title: (p) => `recall ${p.query}`,
    async execute({ query }, ctx) {
      const docs = opts.store.list();
      if (!docs.length) return { output: 'No earlier runs are recorded for this repository.' };
      const tree = await readLiveTree(opts.repoRoot, ctx.signal);
      const ranked = rankTask(opts.store, query, tree, { limit: 5, fileLimit: 10 });
      const records = ranked.traces
        .map((h) => ({ record: opts.store.get(h.doc.id), score: h.score }))
        .filter((r): r is { record: TraceRecord; score: number } => r.record !== null);
      if (!records.length) return { output: `No earlier runs match "${query}".` };
      const facts = commandFacts(docs);
      const { block } = renderRecallBlock(
        { records, files: ranked.files, why: ranked.why, commands: facts.proven.slice(0, 3), dropped: facts.dropped },
        opts.budgetTokens ?? 1500,
      );
      return { output: block };
    },
  });
}

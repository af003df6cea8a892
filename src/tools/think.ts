import { z } from 'zod';
import { readPrompt } from '../config/prompts.js';
import type { Deliberate } from '../model/deliberate.js';
import { defineTool, type Tool } from './tool.js';

export interface ThinkOptions {
  /**
   * Deliberate mode: a stronger or higher-effort model answers the thought with the current context, and its
   * conclusion is the tool result (its usage is reported apart). When absent (note mode, the default) the
   * thought is only recorded: it becomes a `thought` event and, later, part of the trace.
   */
  deliberate?: Deliberate;
}

const THINK_PARAMS = z.object({
  thought: z.string().min(1).describe('What you know, suspect and will do next.'),
});

export function createThinkTool(opts: ThinkOptions = {}): Tool {
  return defineTool({
    name: 'think',
    kind: 'think',
    description: readPrompt('tools/think.md'),
    parameters: THINK_PARAMS,
    title: (p) => p.thought,
    async execute(p, ctx) {
      if (!opts.deliberate) return { output: 'Thought noted.' };
      const answer = await opts.deliberate(p.thought, ctx.history?.() ?? [], ctx.signal);
      return {
        output: answer.text || 'Thought noted (the think model gave no answer).',
        data: { think: { model: answer.model, usage: answer.usage } },
      };
    },
  });
}

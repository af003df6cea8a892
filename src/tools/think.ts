import { z } from 'zod';
import { readPrompt } from '../config/prompts.js';
import { defineTool, type Tool } from './tool.js';

export interface ThinkOptions {
  /**
   * Optional deliberation: a stronger or higher-effort model answers the thought. When absent the
   * thought is only recorded (it becomes a `thought` event and, later, part of the trace).
   */
  deliberate?: (thought: string, signal: AbortSignal) => Promise<string>;
}

export function createThinkTool(opts: ThinkOptions = {}): Tool {
  return defineTool({
    name: 'think',
    kind: 'think',
    description: readPrompt('tools/think.md'),
    parameters: z.object({
      thought: z.string().min(1).describe('Your reasoning: what you know, what you suspect, what you will do next.'),
    }),
    title: (p) => p.thought,
    async execute(p, ctx) {
      if (!opts.deliberate) return { output: 'Thought noted.' };
      const answer = await opts.deliberate(p.thought, ctx.signal);
      return { output: answer.trim() || 'Thought noted.' };
    },
  });
}

import { emptyUsage, type Message, type ModelClient, type ToolSchema, type Usage } from './types.js';

export interface Deliberation {
  /** the think model's conclusion: the think call's result */
  text: string;
  usage: Usage;
  model: string;
}

export type Deliberate = (thought: string, history: readonly Message[], signal: AbortSignal) => Promise<Deliberation>;

/**
 * Deliberate on demand: a think call is answered by a separate request to the think model with the current
 * context (the conversation up to the assistant message that made the call) and the thought as a question.
 * The same tool schemas go along (so histories with tool calls stay valid), but the model is asked to answer
 * in text; a tool call it makes anyway is reported back as a suggestion.
 */
export function createDeliberator(model: ModelClient, opts: { prompt: string; tools: () => ToolSchema[] }): Deliberate {
  return async (thought, history, signal) => {
    let last = history.length - 1;
    while (last >= 0 && history[last]?.role !== 'assistant') last--;
    // another model's encrypted reasoning means nothing to the think model (and a provider may refuse it)
    const context = history.slice(0, Math.max(last, 0)).map((m): Message => {
      if (m.role !== 'assistant' || !m.items) return m;
      const { items: _items, ...rest } = m;
      return rest;
    });
    const messages: Message[] = [
      ...context,
      { role: 'user', content: `${opts.prompt.trim()}\n\n<thought>\n${thought}\n</thought>` },
    ];
    let text = '';
    let usage = emptyUsage();
    const calls: string[] = [];
    for await (const chunk of model.stream({ messages, tools: opts.tools() }, signal)) {
      if (chunk.type === 'text') text += chunk.text;
      else if (chunk.type === 'reset') (text = ''), (calls.length = 0);
      else if (chunk.type === 'tool_call') calls.push(`${chunk.call.name} ${chunk.call.arguments}`);
      else if (chunk.type === 'usage') usage = chunk.usage;
    }
    if (!text.trim() && calls.length) text = `Suggested next step: ${calls.join('; ')}`;
    return { text: text.trim(), usage, model: model.id };
  };
}

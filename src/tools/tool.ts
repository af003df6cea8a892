import { z } from 'zod';
import { fillPrompt } from '../config/prompts.js';
import type { ToolCall, ToolSchema } from '../model/types.js';
import { truncateOutput, type TruncateLimits } from './truncate.js';

export type ToolKind = 'read' | 'edit' | 'execute' | 'think';

/** Structured facts about a tool result (for people and traces, never shown to the model as-is). */
export interface ToolData {
  exit_code?: number;
  timed_out?: boolean;
  /** unified diff of an edit */
  diff?: string;
  /** workspace-relative paths the call read / changed */
  files_read?: string[];
  files_changed?: string[];
  /** where the untruncated output was saved when the model saw a truncated one */
  full_output_file?: string;
  truncated?: boolean;
  /** a deliberate think call: the model that answered and its usage */
  think?: { model: string; usage: import('../model/types.js').Usage };
}

/** What one execution produced. `output` is for the model; `display` (optional) for a person. */
export interface ToolResult {
  output: string;
  display?: string;
  isError?: boolean;
  data?: ToolData;
}

export interface ToolContext {
  callId: string;
  signal: AbortSignal;
  /** stream partial output to people while the tool runs (never to the model) */
  onOutput?: (text: string) => void;
  /** keeps a long output; returns a path the model may page with the sed tool */
  saveOutput?: (callId: string, text: string) => Promise<string>;
  /** the conversation so far, up to the assistant message that made this call (deliberate think) */
  history?: () => readonly import('../model/types.js').Message[];
}

export interface ToolSpec<S extends z.ZodObject> {
  name: string;
  /** the most a call can do (used when the arguments do not validate) */
  kind: ToolKind;
  /** what this call does, decided from its arguments (a print-only sed script is a read); default `kind` */
  kindOf?: (params: z.infer<S>) => ToolKind;
  description: string;
  parameters: S;
  /** a one-line title for a person ("npm test", "grep TODO src/") */
  title?: (params: z.infer<S>) => string;
  execute: (params: z.infer<S>, ctx: ToolContext) => Promise<ToolResult>;
  /** override the default truncation limits */
  limits?: Partial<TruncateLimits>;
  /** release what the tool holds (a shell process); called once when the run or session ends */
  dispose?: () => Promise<void>;
}

export interface ToolRun extends ToolResult {
  durationMs: number;
  /** the parsed arguments, or the raw text when they were not valid JSON */
  args: unknown;
}

/** A tool as the loop sees it: schema for the model, and one entry point that never throws. */
export interface Tool {
  readonly name: string;
  /** the most a call of this tool can do */
  readonly kind: ToolKind;
  readonly schema: ToolSchema;
  /** the kind of one call, from its (parsed JSON) arguments: drives approval and the wait for the baseline */
  kindOf(args: unknown): ToolKind;
  title(args: unknown): string;
  run(rawArguments: string, ctx: ToolContext): Promise<ToolRun>;
  dispose?: () => Promise<void>;
}

const DISPLAY_LIMITS: TruncateLimits = { maxChars: 64_000, maxLines: 2_000 };

/**
 * A parameters schema's strict form and its JSON schema, worked out once per schema object: tools are built
 * for every composition (each task of a batch), and the conversion is among the costliest steps of one.
 */
const conversions = new WeakMap<z.ZodObject, { strict: z.ZodObject; json: string }>();
function converted<S extends z.ZodObject>(parameters: S): { strict: S; jsonSchema: Record<string, unknown> } {
  let hit = conversions.get(parameters);
  if (!hit) {
    const jsonSchema = z.toJSONSchema(parameters, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
    delete jsonSchema.$schema;
    // "minLength": 1 on every string is sent with every request and says nothing a model needs (an empty
    // argument is still refused by validation, with a message the model can act on)
    for (const prop of Object.values((jsonSchema.properties ?? {}) as Record<string, Record<string, unknown>>))
      if (prop.minLength === 1) delete prop.minLength;
    hit = { strict: parameters.strict(), json: JSON.stringify(jsonSchema) };
    conversions.set(parameters, hit);
  }
  return { strict: hit.strict as unknown as S, jsonSchema: JSON.parse(hit.json) as Record<string, unknown> };
}

export function defineTool<S extends z.ZodObject>(spec: ToolSpec<S>): Tool {
  const { strict, jsonSchema } = converted(spec.parameters);
  const schema: ToolSchema = { name: spec.name, description: spec.description.trim(), parameters: jsonSchema };

  function title(args: unknown): string {
    const parsed = strict.safeParse(args);
    if (parsed.success && spec.title) return oneLine(spec.title(parsed.data));
    return oneLine(typeof args === 'string' ? args : JSON.stringify(args ?? {}));
  }

  function kindOf(args: unknown): ToolKind {
    if (!spec.kindOf) return spec.kind;
    const parsed = strict.safeParse(args);
    return parsed.success ? spec.kindOf(parsed.data) : spec.kind;
  }

  async function run(rawArguments: string, ctx: ToolContext): Promise<ToolRun> {
    const started = performance.now();
    const done = (r: ToolResult, args: unknown): ToolRun => ({ ...r, args, durationMs: performance.now() - started });

    const decoded = decodeArguments(rawArguments);
    if (!decoded.ok) return done({ output: decoded.error, isError: true }, rawArguments);
    const parsed = strict.safeParse(decoded.value);
    if (!parsed.success) {
      return done({ output: describeZodError(spec.name, parsed.error, schema), isError: true }, decoded.value);
    }
    let result: ToolResult;
    try {
      result = await spec.execute(parsed.data, ctx);
    } catch (err) {
      if (ctx.signal.aborted) result = { output: `${spec.name} was interrupted.`, isError: true };
      else
        result = { output: `${spec.name} failed: ${err instanceof Error ? err.message : String(err)}`, isError: true };
    }
    const truncated = truncateOutput(result.output, spec.limits);
    if (truncated.truncated) {
      let note = '';
      let savedPath: string | undefined;
      if (ctx.saveOutput) {
        try {
          savedPath = await ctx.saveOutput(ctx.callId, result.output);
          note = `\n${fillPrompt('notes/output-saved.md', { lines: truncated.totalLines, path: savedPath })}`;
        } catch {
          note = '';
        }
      }
      result = {
        ...result,
        // people get more than the model, not everything: the whole text is in the saved file
        display: result.display ?? truncateOutput(result.output, DISPLAY_LIMITS).text,
        output: truncated.text + note,
        data: { ...result.data, truncated: true, ...(savedPath ? { full_output_file: savedPath } : {}) },
      };
    }
    return done(result, parsed.data);
  }

  const tool = { name: spec.name, kind: spec.kind, schema, kindOf, title, run };
  return spec.dispose ? { ...tool, dispose: spec.dispose } : tool;
}

type Decoded = { ok: true; value: unknown } | { ok: false; error: string };

/** Raw control characters inside JSON strings (a heredoc a model wrote without escapes) escaped; the rest untouched. */
function escapeControlChars(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inString && ch === '\\') {
      out += ch + (text[++i] ?? '');
      continue;
    }
    if (ch === '"') inString = !inString;
    const code = ch.charCodeAt(0);
    out +=
      inString && code < 0x20
        ? ch === '\n'
          ? '\\n'
          : ch === '\r'
            ? '\\r'
            : ch === '\t'
              ? '\\t'
              : `\\u${code.toString(16).padStart(4, '0')}`
        : ch;
  }
  return out;
}

/**
 * Parse tool-call arguments: strict JSON first, then the two slips weaker models and servers make (raw
 * control characters inside strings, the object encoded twice). Throws the strict parser's error.
 */
export function parseLenient(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const repaired = escapeControlChars(text);
    if (repaired === text) throw err;
    try {
      value = JSON.parse(repaired);
    } catch {
      throw err;
    }
  }
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

function decodeArguments(raw: string): Decoded {
  const text = raw.trim();
  if (text === '') return { ok: true, value: {} };
  try {
    const value: unknown = parseLenient(text);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return {
        ok: false,
        error: `Tool arguments must be a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}. Call the tool again with an object.`,
      };
    }
    return { ok: true, value };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    const preview = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    return {
      ok: false,
      error: `Tool arguments are not valid JSON (${why}). You sent: ${preview}\nCall the tool again with a valid JSON object.`,
    };
  }
}

function describeZodError(tool: string, error: z.ZodError, schema: ToolSchema): string {
  const lines = error.issues.map((issue) => {
    const where = issue.path.length ? `\`${issue.path.join('.')}\`` : 'arguments';
    if (issue.code === 'unrecognized_keys') return `- unknown field(s) ${issue.keys.map((k) => `\`${k}\``).join(', ')}`;
    if (issue.code === 'invalid_type' && /received undefined/.test(issue.message))
      return `- missing required field ${where} (${issue.expected})`;
    return `- ${where}: ${issue.message}`;
  });
  const props = Object.keys((schema.parameters.properties as Record<string, unknown> | undefined) ?? {});
  return `Invalid arguments for ${tool}:\n${lines.join('\n')}\nExpected fields: ${props.join(', ')}. Call ${tool} again with corrected arguments.`;
}

function oneLine(s: string, max = 160): string {
  const flat = s.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The loop's view of a set of tools: schemas for the model, and a call that handles unknown names. */
export interface Toolset {
  readonly tools: readonly Tool[];
  readonly schemas: ToolSchema[];
  get(name: string): Tool | undefined;
  run(call: ToolCall, ctx: ToolContext): Promise<ToolRun & { kind: ToolKind | 'unknown' }>;
  dispose(): Promise<void>;
}

export function createToolset(tools: readonly Tool[]): Toolset {
  const byName = new Map(tools.map((t) => [t.name, t]));
  return {
    tools,
    schemas: tools.map((t) => t.schema),
    get: (name) => byName.get(name),
    async run(call, ctx) {
      const tool = byName.get(call.name);
      if (!tool) {
        return {
          kind: 'unknown',
          args: call.arguments,
          durationMs: 0,
          isError: true,
          output: `Unknown tool \`${call.name}\`. Available tools: ${[...byName.keys()].join(', ')}.`,
        };
      }
      const run = await tool.run(call.arguments, ctx);
      return { kind: tool.kindOf(run.args), ...run };
    },
    async dispose() {
      await Promise.allSettled(tools.map((t) => t.dispose?.()));
    },
  };
}

import type { ModelClient } from '../model/types.js';

export interface JudgeCandidate {
  index: number;
  patch: string;
}

export interface JudgeVerdict {
  /** the chosen attempt, or null when the answer named none of the candidates */
  winner: number | null;
  /** the judge's answer, capped */
  text: string;
}

/** per diff, so several large diffs still fit in one request */
const PATCH_CAP = 24_000;

/**
 * `--judge MODEL`: asks a model to break a tie between attempts that every rule ranked equal, by reading
 * their diffs. One request, no tools; the answer's last `WINNER: N` line decides.
 */
export async function judgeTie(
  model: ModelClient,
  prompt: string,
  task: string,
  candidates: JudgeCandidate[],
  signal: AbortSignal,
): Promise<JudgeVerdict> {
  const parts = candidates.map((c) => {
    const patch = c.patch.length > PATCH_CAP ? `${c.patch.slice(0, PATCH_CAP)}\n[diff cut here]` : c.patch;
    return `<attempt number="${c.index}">\n${patch}\n</attempt>`;
  });
  const user = `<task>\n${task}\n</task>\n\n${parts.join('\n\n')}`;
  let text = '';
  for await (const chunk of model.stream(
    {
      messages: [
        { role: 'system', content: prompt },
        { role: 'user', content: user },
      ],
      tools: [],
    },
    signal,
  )) {
    if (chunk.type === 'text') text += chunk.text;
    else if (chunk.type === 'reset') text = '';
  }
  const named = [...text.matchAll(/WINNER:\s*(\d+)/gi)].map((m) => Number(m[1]));
  const last = named.at(-1);
  const winner = last !== undefined && candidates.some((c) => c.index === last) ? last : null;
  return { winner, text: text.trim().slice(0, 2000) };
}

/** What the model is told when the gate does not pass: instructions for the policy in force, then each suite. */
import { readPrompt } from '../config/prompts.js';
import type { TestRunResult } from '../repo/test-types.js';
import { countText, type GateDecision, type GatePolicy } from './verify-compare.js';

export interface SuiteReport {
  suite: string;
  result: TestRunResult;
  decision: GateDecision;
  baseline: TestRunResult | null;
}

const MAX_LIST = 15;

function lastLines(text: string, n: number): string {
  return text.split('\n').slice(-n).join('\n');
}

function list(ids: string[]): string {
  const shown = ids.slice(0, MAX_LIST).map((id) => `- ${id}`);
  if (ids.length > MAX_LIST) shown.push(`- … and ${ids.length - MAX_LIST} more`);
  return shown.join('\n');
}

export function formatFeedback(reports: SuiteReport[], policy: GatePolicy): string {
  const parts: string[] = [readPrompt('verify.md'), '', readPrompt(`verify/${policy}.md`)];
  const failing = reports.filter((r) => !r.decision.ok);
  for (const r of failing) {
    parts.push('');
    if (reports.length > 1) parts.push(`## Suite ${r.suite}`);
    parts.push(...suiteText(r));
  }
  return parts.join('\n');
}

function suiteText({ result, decision, baseline }: SuiteReport): string[] {
  const parts: string[] = [];
  const exit = result.timedOut ? 'timed out' : `exit ${result.exitCode ?? 'killed'}`;
  parts.push(`Command: \`${result.command}\` (${exit}, ${(result.durationMs / 1000).toFixed(1)}s)`);
  parts.push(`Result: ${decision.summary}`);
  if (!baseline) parts.push('(No baseline run finished before your changes, so every failure is listed as new.)');
  if (decision.newFailures.length)
    parts.push('', 'NEW failures (passed before your changes):', list(decision.newFailures));
  if (decision.preexisting.length)
    parts.push('', 'PRE-EXISTING failures (already failing before your changes):', list(decision.preexisting));
  // the first NEW failure is the one to look at; else the first failure in the output
  const firstNew = decision.newFailures.find((id) => result.failureDetails[id]);
  const detail = firstNew ? result.failureDetails[firstNew] : result.firstError;
  if (detail) parts.push('', firstNew ? `First new failure (${firstNew}):` : 'First failure:', '```', detail, '```');
  const tail = detail ? lastLines(result.tail, 15) : result.tail;
  if (tail && !(detail ?? '').includes(tail)) parts.push('', 'End of the output:', '```', tail, '```');
  if (result.outputFile) parts.push('', `Full output: ${result.outputFile}`);
  if (!decision.newFailures.length && !decision.preexisting.length) parts.push('', `Counts: ${countText(result)}`);
  return parts;
}

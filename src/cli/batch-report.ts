import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildReport, ReportError, reportMarkdown } from '../batch/report.js';
import { EXIT } from '../headless/exit-codes.js';
import { parse, UsageError } from './args.js';
import type { Io } from '../agent/composition.js';

/** `sedge batch report DIR... [--json] [--write DIR]`: merge shard outputs into one markdown + JSON report. */
export async function runBatchReport(argv: string[], io: Io): Promise<number> {
  try {
    const { values, positionals } = parse(argv, {
      json: { type: 'boolean' },
      write: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help || positionals.length === 0) {
      (values.help ? io.stdout : io.stderr).write('Usage: sedge batch report DIR... [--json] [--write DIR]\n');
      return values.help ? EXIT.done : EXIT.usage;
    }
    const report = buildReport(positionals.map((d) => resolve(io.cwd, d)));
    const md = reportMarkdown(report);
    const json = `${JSON.stringify(report, null, 2)}\n`;
    if (values.write) {
      const dir = resolve(io.cwd, values.write);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'report.md'), md);
      writeFileSync(join(dir, 'report.json'), json);
    }
    io.stdout.write(values.json ? json : md);
    return EXIT.done;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ReportError) {
      io.stderr.write(`sedge batch report: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
}

import type { Settings } from '../config/schema.js';
import type { DetectOverrides } from '../repo/test-detect.js';

/** The test command the settings resolved (flag or config file), as detection overrides. */
export function resolvedTestCommand(settings: Settings): DetectOverrides {
  if (!settings.test) return {};
  const from = settings.sources.test ?? '';
  if (from === '--test-cmd') return { cmd: settings.test, source: 'flag', reason: 'given with --test-cmd' };
  return { cmd: settings.test, source: 'config', reason: `"test" in ${from || 'the config'}` };
}

/**
 * The interactive session's slash commands: one table for the menu shown while typing `/`, Tab
 * completion and /help, so the three never disagree. The controller runs them.
 */
export interface SlashCommand {
  name: string;
  /** what follows the name, for display (`NAME`, `[ID]`) */
  args?: string;
  /** one line, shown in the menu */
  description: string;
  /** more for /help, when the line is not enough */
  detail?: string;
  /** may run while a turn is running (it only shows something) */
  duringTurn?: boolean;
}

export const SLASH_COMMANDS: readonly SlashCommand[] = [
  { name: 'help', description: 'the commands and keys', duringTurn: true },
  { name: 'model', args: 'NAME', description: 'show the model, or switch it for the next turns' },
  { name: 'clear', description: 'start a new session (the conversation is forgotten)' },
  { name: 'diff', description: 'what this session changed in the working tree so far' },
  {
    name: 'undo',
    description: 'restore the files changed by the last turn',
    detail: 'git checkpoint; your branch and index are untouched',
  },
  { name: 'traces', description: 'what recall gave the last turn', duringTurn: true },
  { name: 'resume', args: '[ID]', description: 'list saved sessions, or reopen one' },
  { name: 'exit', description: 'quit', detail: 'also Ctrl-C twice, or Ctrl-D on an empty prompt' },
];

/** Other names a command answers to. */
export const SLASH_ALIASES: Readonly<Record<string, string>> = { '?': 'help', quit: 'exit', q: 'exit' };

/** The command a typed name means (an alias resolved), or undefined. */
export function findSlashCommand(name: string): SlashCommand | undefined {
  const canonical = SLASH_ALIASES[name] ?? name;
  return SLASH_COMMANDS.find((c) => c.name === canonical);
}

/** The /help text. */
export function slashHelp(): string {
  const label = (c: SlashCommand) => `/${c.name}${c.args ? ` ${c.args}` : ''}`;
  const pad = Math.max(...SLASH_COMMANDS.map((c) => label(c).length)) + 2;
  return [
    'Commands (type / for the menu, Tab completes):',
    ...SLASH_COMMANDS.map((c) => `  ${label(c).padEnd(pad)}${c.description}${c.detail ? ` (${c.detail})` : ''}`),
    'Keys: Enter sends · Shift+Enter, Alt+Enter or a trailing \\ for a new line · Up/Down history · ' +
      'Ctrl-O expands the last folded card · Ctrl-C interrupts the turn',
  ].join('\n');
}

/**
 * What a line sent while a turn runs gets: `run` (a command that only shows something), `refuse` (any other
 * slash command: it is not queued, so it leaves the prompt rather than look pending), `keep` (text: it stays
 * in the prompt to be sent later).
 */
export function whileTurnRuns(line: string): { verdict: 'run' | 'refuse' | 'keep'; name: string } {
  const t = line.trim();
  if (!t.startsWith('/') || t.startsWith('//')) return { verdict: 'keep', name: '' };
  const name = t.slice(1).split(/\s/)[0] ?? '';
  return { verdict: findSlashCommand(name)?.duringTurn ? 'run' : 'refuse', name };
}

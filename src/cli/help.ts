import { COMMANDS, type CommandSpec, INTERACTIVE, type Options, RUN_OPTIONS } from './commands.js';

function flagLine(name: string, o: Options[string]): string {
  const left = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.arg ? ` ${o.arg}` : ''}`;
  return `  ${left.padEnd(26)} ${o.desc}`;
}

function optionLines(options: Options, skip: Options = {}): string[] {
  return Object.entries(options)
    .filter(([name]) => !(name in skip))
    .map(([name, o]) => flagLine(name, o));
}

/** `sedge CMD --help`: generated from the command table, so every flag that parses is listed. */
export function commandHelp(spec: CommandSpec): string {
  const [first, ...more] = spec.usage;
  const lines = [`Usage: ${first}`, ...more.map((u) => `       ${u}`), '', spec.about, '', 'Options'];
  lines.push(...optionLines(spec.options));
  if (spec.notes) lines.push('', spec.notes);
  return lines.join('\n');
}

/** `sedge --help`: every mode, every flag, where the config files live. */
export function mainHelp(paths: { userConfig: string; state: string; cache: string }): string {
  const lines = ['sedge: an autonomous coding agent for your terminal', '', 'Usage'];
  const row = (left: string, right: string) =>
    left.length > 44 && right
      ? [`  ${left}`, `${' '.repeat(48)}${right}`]
      : [`  ${left.padEnd(44)}  ${right}`.trimEnd()];
  for (const c of [INTERACTIVE, ...COMMANDS])
    for (const [i, u] of c.usage.entries()) lines.push(...row(u, i === 0 ? c.summary : ''));
  lines.push(
    ...row('sedge help [COMMAND], sedge COMMAND --help', 'help for one command'),
    ...row('sedge --version', ''),
    '',
    'A task is one quoted string ("fix the flaky test"), - (sedge exec: read from stdin), or what follows --;',
    'a bare word is taken as a command, never sent to the model.',
    '',
    'Run options (sedge [TASK] and sedge exec)',
    ...optionLines(RUN_OPTIONS),
    '',
    'Interactive options (sedge [TASK])',
    ...optionLines(INTERACTIVE.options, RUN_OPTIONS),
  );
  for (const c of COMMANDS) {
    const own = optionLines(c.options, c.name === 'exec' ? RUN_OPTIONS : { help: RUN_OPTIONS.help });
    if (own.length) lines.push('', `sedge ${c.name} options`, ...own);
  }
  lines.push(
    '',
    'Model endpoint',
    '  OPENAI_API_KEY, OPENAI_BASE_URL   any OpenAI-compatible endpoint (check it with: sedge doctor)',
    '  --model NAME | SEDGE_MODEL        model name; --model replay:FILE replays a scripted model offline',
    '',
    'Files',
    `  user config        ${paths.userConfig}`,
    '                     every key is in the README; JSON Schema: schema/config.schema.json in the package',
    '  repo config        .sedge/config.json in the repository (test command and limits only)',
    '  instructions       AGENTS.md at the repository root and in subdirectories (nearest applies first)',
    `  sessions           ${paths.state}/sessions`,
    `  traces             ${paths.cache}/repos`,
    '',
    'Exit codes',
    '  0 done   1 failed or tests failed   2 usage or config error   3 model/provider error',
    '  4 a limit was hit   130 / 143 / 129 interrupted (SIGINT / SIGTERM / SIGHUP)',
  );
  return lines.join('\n');
}

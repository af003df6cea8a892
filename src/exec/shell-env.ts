/**
 * The environment and the init script of the persistent shell: nothing may page, open an editor or prompt
 * for credentials; no prompt strings, no history; the end sentinel comes from PROMPT_COMMAND.
 */
/** The variables sedge reads its model endpoint credentials from; kept out of the shell the model drives. */
export const ENDPOINT_SECRET_ENV: readonly string[] = ['OPENAI_API_KEY'];

/**
 * TERM=dumb: the reader is a model, not a screen. With it most tools (npm, pip, cargo, git, test runners)
 * drop colour, spinners and cursor movement that stripping could only approximate; full-screen programs that
 * insist on a capable terminal (vim, top, less) would only hang an agent, and with dumb they fail fast or are
 * caught waiting on the terminal. Escapes are still stripped for tools that ignore TERM.
 */
export const SHELL_ENV_DEFAULTS: Record<string, string | undefined> = {
  TERM: 'dumb',
  PAGER: 'cat',
  GIT_PAGER: 'cat',
  MANPAGER: 'cat',
  SYSTEMD_PAGER: 'cat',
  GIT_TERMINAL_PROMPT: '0',
  GIT_EDITOR: 'true',
  EDITOR: 'true',
  VISUAL: 'true',
  CI: '1',
  NO_COLOR: '1',
  FORCE_COLOR: undefined,
  DEBIAN_FRONTEND: 'noninteractive',
  PS1: '',
  PS2: '',
  HISTFILE: '',
  PROMPT_COMMAND: undefined,
  BASH_ENV: undefined,
  ENV: undefined,
};

/**
 * process.env overlaid with each layer in turn; `undefined` removes a variable. sedge's own endpoint key
 * (ENDPOINT_SECRET_ENV) is not inherited: the model's shell and the tests it runs have no use for it, and
 * `env` would print it into the conversation, the session file and the provider's logs. Other variables
 * (GH_TOKEN, NPM_TOKEN, ...) pass. A caller that must hand the key on (a sedge child) names it in a layer.
 */
export function mergeEnv(...layers: Record<string, string | undefined>[]): Record<string, string> {
  const inherited: Record<string, string | undefined> = { ...process.env };
  for (const name of ENDPOINT_SECRET_ENV) delete inherited[name];
  const merged: Record<string, string | undefined> = Object.assign(inherited, ...layers);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) if (v !== undefined) env[k] = v;
  return env;
}

export function buildShellEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  return mergeEnv(SHELL_ENV_DEFAULTS, extra);
}

export const INIT_SCRIPT = `PS1=''; PS2=''; PS0=''
unset HISTFILE TMOUT
set +H +o history
__sedge_end() { local __sedge_rc=$?; printf '\\n__SEDGE_%s_E_%d__\\n' "$__sedge_n" "$__sedge_rc"; }
__sedge_start() { printf '__SEDGE_%s_S__\\n' "$__sedge_n"; }
PROMPT_COMMAND=__sedge_end
readonly PROMPT_COMMAND
readonly -f __sedge_end __sedge_start
`;

/**
 * The environment and the init script of the persistent shell: nothing may page, open an editor or prompt
 * for credentials; no prompt strings, no history; the end sentinel comes from PROMPT_COMMAND.
 */
import { looksSecret } from '../secrets/redact.js';

/** The variables sedge reads its model endpoint credentials from; never handed to a command, even by --env. */
export const ENDPOINT_SECRET_ENV: readonly string[] = ['OPENAI_API_KEY'];

/**
 * What a command inherits from sedge's own environment: an allowlist (locale, paths, toolchain homes, proxies,
 * CA bundles), never credentials. Anything else reaches a command only when the user names it (--env NAME).
 */
export const ENV_ALLOWLIST: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TMPDIR',
  'HOSTNAME',
  'GOPATH',
  'GOROOT',
  'GOCACHE',
  'GOMODCACHE',
  'GOFLAGS',
  'GOPROXY',
  'CARGO_HOME',
  'RUSTUP_HOME',
  'JAVA_HOME',
  'NODE_PATH',
  'NVM_DIR',
  'NVM_BIN',
  'PNPM_HOME',
  'BUN_INSTALL',
  'DENO_DIR',
  'PYENV_ROOT',
  'VIRTUAL_ENV',
  'CONDA_PREFIX',
  'PYTHONPATH',
  'GEM_HOME',
  'GEM_PATH',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'NODE_EXTRA_CA_CERTS',
  'REQUESTS_CA_BUNDLE',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'GIT_AUTHOR_NAME',
  'GIT_AUTHOR_EMAIL',
  'GIT_COMMITTER_NAME',
  'GIT_COMMITTER_EMAIL',
  'GIT_CONFIG_NOSYSTEM',
];
const ALLOWED_PREFIXES = ['LC_', 'XDG_'];
const SECRET_NAME = /(key|secret|token|passw|pwd|credential|auth|cookie|session|private|signature|cert_pass)/i;

/**
 * The one table of defaults every command runs with (the persistent shell adds SHELL_ONLY_DEFAULTS): nothing
 * may page, open an editor or prompt for credentials. TERM=dumb: the reader is a model, not a screen; most
 * tools then drop colour, spinners and cursor movement, and full-screen programs fail fast instead of hanging.
 */
export const ENV_DEFAULTS: Record<string, string | undefined> = {
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
};

/** No prompt strings, no history; the end sentinel comes from PROMPT_COMMAND. */
export const SHELL_ONLY_DEFAULTS: Record<string, string | undefined> = {
  PS1: '',
  PS2: '',
  HISTFILE: '',
  PROMPT_COMMAND: undefined,
  BASH_ENV: undefined,
  ENV: undefined,
};

export const SHELL_ENV_DEFAULTS: Record<string, string | undefined> = { ...ENV_DEFAULTS, ...SHELL_ONLY_DEFAULTS };

/**
 * The inherited part: allowlisted names from `source` whose name and value do not look secret, plus the
 * names in `pass` (--env; the user's explicit choice), never the endpoint key.
 */
export function allowedEnv(
  source: Record<string, string | undefined> = process.env,
  pass: readonly string[] = [],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || ENDPOINT_SECRET_ENV.includes(name)) continue;
    const listed = ENV_ALLOWLIST.includes(name) || ALLOWED_PREFIXES.some((p) => name.startsWith(p));
    if (pass.includes(name) || (listed && !SECRET_NAME.test(name) && !looksSecret(value))) env[name] = value;
  }
  return env;
}

/** The allowlisted environment overlaid with each layer in turn; `undefined` removes a variable. */
export function mergeEnv(...layers: Record<string, string | undefined>[]): Record<string, string> {
  const merged: Record<string, string | undefined> = Object.assign(allowedEnv(), ...layers);
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
__sedge_end() { local __sedge_rc=$? __sedge_junk
while read -r -t 0 2>/dev/null; do read -r -s -t 0.05 -N 65536 __sedge_junk 2>/dev/null; done
printf '\\n__SEDGE_%s_E_%d__\\n' "$__sedge_n" "$__sedge_rc"; }
__sedge_start() { printf '__SEDGE_%s_S__\\n' "$__sedge_n"; }
PROMPT_COMMAND=__sedge_end
readonly PROMPT_COMMAND
readonly -f __sedge_end __sedge_start
`;

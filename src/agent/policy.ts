/**
 * The approval policy: one pure function from (tool call, mode, sandbox, workspace) to auto | ask | deny with a
 * reason. The composition root wires it in as the only approval function; front ends only answer the `ask`s.
 *
 * Modes:
 * - ask: reads and think run; every edit and command asks a person.
 * - auto-edit (the interactive --ask): reads, think and edits inside the workspace run; every command asks.
 * - auto: edits inside the workspace run; a command runs when the sandbox contains it, and asks for anything
 *   the sandbox would block (network without --network, writes outside the workspace, privileges).
 * With no one to ask (exec, batch) an `ask` becomes `deny`, with the reason.
 *
 * A command is classified by its worst segment (every command of a chain, pipe, substitution, `bash -c`).
 */
import type { ToolKind } from './events.js';
import { basename, parseCommand, type Segment } from './shell-parse.js';

export type ApprovalMode = 'ask' | 'auto-edit' | 'auto';
export type PolicyDecision = 'auto' | 'ask' | 'deny';
export type SandboxMode = 'read-only' | 'workspace-write' | 'off';

export interface PolicyCall {
  name: string;
  kind: ToolKind | 'unknown';
  args: unknown;
}

export interface PolicyContext {
  mode: ApprovalMode;
  sandbox: SandboxMode;
  /** the sandbox lets the network through (--network) */
  network: boolean;
  /** absolute path of the workspace */
  workspace: string;
  /** false in exec and batch: nobody can answer, so ask becomes deny */
  canAsk: boolean;
  /** tool names a person allowed for the rest of the session */
  alwaysAllowed?: ReadonlySet<string>;
}

export interface Verdict {
  decision: PolicyDecision;
  reason: string;
}

/** How far a command reaches, in increasing order. */
export type Reach = 'read' | 'write' | 'network' | 'escape';
const ORDER: Reach[] = ['read', 'write', 'network', 'escape'];
const worse = (a: Reach, b: Reach): Reach => (ORDER.indexOf(b) > ORDER.indexOf(a) ? b : a);

const READ_ONLY = new Set(
  (
    'ls cat head tail grep rg egrep fgrep wc echo printf pwd which type file stat du df diff cmp tree sort uniq cut ' +
    'tr true false test [ date uname whoami id basename dirname realpath readlink jq less more env printenv nl ' +
    'column od hexdump xxd sha256sum sha1sum md5sum seq sleep cd'
  ).split(' '),
);
const GIT_READ = new Set('status log diff show blame ls-files rev-parse describe shortlog grep branch tag'.split(' '));
const NETWORK = new Set(
  'curl wget nc ncat netcat ssh scp sftp ftp telnet ping dig nslookup host socat rsync http https'.split(' '),
);
const PRIVILEGE = new Set('sudo su doas pkexec chroot nsenter unshare mount umount setcap'.split(' '));
const INSTALL: Record<string, string[]> = {
  git: ['push', 'pull', 'fetch', 'clone', 'ls-remote', 'submodule'],
  npm: ['install', 'i', 'ci', 'add', 'publish', 'update', 'exec', 'x'],
  npx: ['*'],
  pnpm: ['install', 'i', 'add', 'publish', 'update', 'dlx'],
  yarn: ['install', 'add', 'publish', 'upgrade', 'dlx'],
  bun: ['install', 'add', 'x'],
  pip: ['install', 'download'],
  pip3: ['install', 'download'],
  uv: ['pip', 'sync', 'add'],
  cargo: ['install', 'fetch', 'update'],
  go: ['get', 'install', 'mod'],
  gem: ['install'],
  apt: ['install', 'update'],
  'apt-get': ['install', 'update'],
  brew: ['install', 'update'],
  docker: ['pull', 'push', 'run', 'build', 'login'],
};
const WRITERS = new Set('rm rmdir mv cp ln touch mkdir chmod chown tee dd truncate install shred'.split(' '));
const SAFE_TARGETS = /^(\/dev\/(null|stdout|stderr|tty|fd\/\d+)|&?\d+|-)$/;

/** Does this path argument point outside the workspace (or at a home dotfile, a device)? */
function outside(path: string, workspace: string, sandbox: SandboxMode): boolean {
  if (SAFE_TARGETS.test(path)) return false;
  if (path.startsWith('~') || path.startsWith('$HOME') || path.startsWith('${HOME}')) return true;
  if (path.startsWith('/')) {
    if (sandbox !== 'off' && (path === '/tmp' || path.startsWith('/tmp/'))) return false; // private in the sandbox
    const ws = workspace.replace(/\/+$/, '');
    return !(path === ws || path.startsWith(`${ws}/`)) || /(^|\/)\.\.(\/|$)/.test(path.slice(ws.length));
  }
  // relative: escapes when the .. parts outnumber the parts before them at any point
  let level = 0;
  for (const part of path.split('/')) {
    if (part === '..') level--;
    else if (part && part !== '.') level++;
    if (level < 0) return true;
  }
  return false;
}

/** How far one simple command reaches. */
export function segmentReach(seg: Segment, workspace: string, sandbox: SandboxMode): Reach {
  let reach: Reach = 'read';
  for (const r of seg.redirects) {
    if (r.op.includes('<') && !r.op.includes('>')) continue;
    if (/&$/.test(r.op) && /^\d+$/.test(r.target)) continue;
    reach = worse(reach, outside(r.target, workspace, sandbox) ? 'escape' : 'write');
  }
  const words = seg.argv.filter((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
  if (words.length === 0) return reach;
  const name = basename(words[0] as string);
  const args = words.slice(1);
  if (PRIVILEGE.has(name)) return 'escape';
  if (NETWORK.has(name)) return worse(reach, 'network');
  const sub = args.find((a) => !a.startsWith('-'));
  const installs = INSTALL[name];
  if (installs && (installs.includes('*') || (sub !== undefined && installs.includes(sub))))
    return worse(reach, 'network');
  if (name === 'rm' && args.some((a) => a === '/' || a === '/*' || a === '~' || a === '.' || a === '..'))
    return 'escape';
  if (WRITERS.has(name) || name === 'sed' || name === 'git') {
    const paths = args.filter((a) => !a.startsWith('-'));
    if (paths.some((p) => outside(p.replace(/^of=/, ''), workspace, sandbox))) return 'escape';
  }
  if (name === 'git') return worse(reach, sub !== undefined && GIT_READ.has(sub) && args.length < 8 ? 'read' : 'write');
  if (name === 'sed')
    return worse(reach, args.some((a) => /^-[a-zA-Z]*i/.test(a) || a === '--in-place') ? 'write' : 'read');
  if (name === 'find')
    return worse(reach, args.some((a) => /^-(delete|exec|execdir|ok|fprint|fprintf|fls)$/.test(a)) ? 'write' : 'read');
  if (READ_ONLY.has(name)) return reach;
  return worse(reach, 'write');
}

/** A shell command's reach: its worst segment; a fork bomb or an unreadable command is the worst case. */
export function commandReach(command: string, workspace: string, sandbox: SandboxMode): Reach {
  if (forkBomb(command)) return 'escape';
  const parsed = parseCommand(command);
  if (parsed.unparsable) return 'escape';
  let reach: Reach = 'read';
  for (const seg of parsed.segments) reach = worse(reach, segmentReach(seg, workspace, sandbox));
  return reach;
}

/** `f(){ f|f& };f` under any name: a function whose body pipes it into itself. Linear in the command. */
function forkBomb(command: string): boolean {
  for (let at = command.indexOf('()'); at >= 0; at = command.indexOf('()', at + 2)) {
    const name = /([\w:.-]{1,32})\s*$/.exec(command.slice(Math.max(0, at - 40), at))?.[1];
    if (!name) continue;
    const body = command.slice(at + 2, at + 240).replace(/\s+/g, '');
    if (body.startsWith('{') && body.includes(`${name}|${name}`)) return true;
  }
  return false;
}

const ask = (ctx: PolicyContext, reason: string): Verdict =>
  ctx.canAsk ? { decision: 'ask', reason } : { decision: 'deny', reason: `${reason}; nobody can approve it here` };

/** Pure: what to do with one tool call. */
export function decide(call: PolicyCall, ctx: PolicyContext): Verdict {
  if (call.kind === 'think' || call.kind === 'read') return { decision: 'auto', reason: `${call.kind} only` };
  const allowed = ctx.alwaysAllowed?.has(call.name) ?? false;
  if (call.kind === 'edit') {
    const path = (call.args as { path?: unknown } | null)?.path;
    if (typeof path === 'string' && outside(path, ctx.workspace, 'off'))
      return { decision: 'deny', reason: `${path} is outside the workspace` };
    if (ctx.sandbox === 'read-only') return ask(ctx, 'the sandbox is read-only');
    if (ctx.mode === 'ask' && !allowed) return ask(ctx, 'edits ask in --approval ask');
    return { decision: 'auto', reason: 'an edit inside the workspace' };
  }
  if (call.kind !== 'execute') return ask(ctx, `unknown tool ${call.name}`);
  const command = (call.args as { command?: unknown } | null)?.command;
  if (typeof command !== 'string') return { decision: 'auto', reason: 'invalid arguments (the tool rejects them)' };
  const reach = commandReach(command, ctx.workspace, ctx.sandbox);
  const sandboxed = ctx.sandbox !== 'off';
  if (reach === 'escape') return ask(ctx, 'the command reaches outside the workspace or asks for privileges');
  if (ctx.mode === 'ask' && !allowed) return ask(ctx, 'commands ask in --approval ask');
  if (ctx.mode === 'auto-edit' && !allowed) return ask(ctx, 'commands ask in --approval auto-edit');
  if (reach === 'network' && sandboxed && !ctx.network)
    return ask(ctx, 'the command needs the network, which the sandbox blocks (a run started with --network allows it)');
  if (reach === 'write' && ctx.sandbox === 'read-only') return ask(ctx, 'the sandbox is read-only');
  return { decision: 'auto', reason: sandboxed ? `${reach}, inside the sandbox` : `${reach}, sandbox off` };
}

/**
 * The macOS sandbox: `/usr/bin/sandbox-exec` with an SBPL profile of the same intent as the bubblewrap one.
 * Everything outside is read-only; the workspace and a private temp dir are writable; network only with
 * `network: true`; the credential paths and sedge's own config cannot be read; `.git/hooks`, `.git/config`
 * and `.sedge/` stay read-only whether they exist or not (the rules name paths, not files); `/dev/tty` cannot
 * be opened; processes may fork and exec, but not a setuid or setgid program.
 *
 * The profile text is fixed: it never contains a path. Every path goes to sandbox-exec as a parameter
 * (`-D NAME=/the/path`, one argv element) and the profile refers to it as `(param "NAME")`, so a workspace
 * named `x")(allow default)(` is only ever a string compared with paths, never SBPL. Paths are made
 * absolute and canonical (macOS checks the resolved path: /tmp is /private/tmp) and both spellings are listed.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';

/** Always this program: a repository cannot plant its own on PATH. */
export const SEATBELT_PATH = '/usr/bin/sandbox-exec';

export interface SeatbeltSpec {
  mode: 'read-only' | 'workspace-write';
  workspace: string;
  /** the private temp dir (TMPDIR inside), writable in both modes */
  tmpDir: string;
  network?: boolean;
  /** credential paths and sedge's config dir: neither readable nor writable */
  masked: string[];
  /** paths inside the workspace that stay read-only (also when absent) */
  protectedPaths: string[];
  /** the canonical form of a path, or null when it does not exist (default: realpath) */
  realpath?: (path: string) => string | null;
}

export interface SeatbeltProfile {
  profile: string;
  /** name -> absolute path, passed as `-D name=path` */
  params: Record<string, string>;
}

export class SeatbeltPathError extends Error {
  override name = 'SeatbeltPathError';
}

/** A path fit to be a parameter: absolute, normalised (no `..` left), no NUL. Throws otherwise. */
export function checkSeatbeltPath(path: string): string {
  if (typeof path !== 'string' || path === '' || path.includes('\0'))
    throw new SeatbeltPathError(`not a usable path for the sandbox profile: ${JSON.stringify(path)}`);
  if (!isAbsolute(path)) throw new SeatbeltPathError(`not an absolute path: ${JSON.stringify(path)}`);
  const n = normalize(path);
  const out = n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
  if (out.split('/').includes('..')) throw new SeatbeltPathError(`path escapes its root: ${JSON.stringify(path)}`);
  return out;
}

function defaultRealpath(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/**
 * The spellings of a path macOS may check: as given and canonical. A path that does not exist yet (a
 * protected `.git/hooks`) is canonicalised through its nearest existing parent, so /tmp/w/.sedge is also
 * listed as /private/tmp/w/.sedge.
 */
function spellings(path: string, realpath: (p: string) => string | null): string[] {
  const given = checkSeatbeltPath(path);
  const out = [given];
  const missing: string[] = [];
  let dir = given;
  while (dir !== '/') {
    const real = realpath(dir);
    if (real) {
      out.push(checkSeatbeltPath(join(real, ...missing.reverse())));
      break;
    }
    missing.push(dir.slice(dir.lastIndexOf('/') + 1));
    dir = dir.slice(0, dir.lastIndexOf('/')) || '/';
  }
  return [...new Set(out)];
}

/** Mach services ordinary programs need: user and group lookups, notifications, logging, preferences. */
const MACH_SERVICES = [
  'com.apple.system.opendirectoryd.libinfo',
  'com.apple.system.notification_center',
  'com.apple.system.logger',
  'com.apple.logd',
  'com.apple.cfprefsd.daemon',
  'com.apple.cfprefsd.agent',
];
/** and, with the network on: name resolution and certificate checks */
const NETWORK_MACH_SERVICES = [
  'com.apple.dnssd.service',
  'com.apple.trustd',
  'com.apple.trustd.agent',
  'com.apple.SecurityServer',
];

const sbplString = (s: string) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;

/**
 * The SBPL profile and its parameters (pure: the file system is only asked for canonical paths). Rules are
 * written so their order does not matter: each allow carries its own exceptions (`require-not`), and the
 * denials are repeated at the end, where SBPL gives the last matching rule precedence anyway.
 */
export function seatbeltProfile(spec: SeatbeltSpec): SeatbeltProfile {
  const realpath = spec.realpath ?? defaultRealpath;
  const params: Record<string, string> = {};
  const named = (prefix: string, paths: string[]): string[] => {
    const names: string[] = [];
    const seen = new Set<string>();
    for (const p of paths)
      for (const s of spellings(p, realpath)) {
        if (seen.has(s)) continue;
        seen.add(s);
        const name = `${prefix}_${names.length}`;
        params[name] = s;
        names.push(name);
      }
    return names;
  };
  const writable = named('WRITABLE', spec.mode === 'workspace-write' ? [spec.workspace, spec.tmpDir] : [spec.tmpDir]);
  const masked = named('MASKED', spec.masked);
  const ws = checkSeatbeltPath(spec.workspace);
  // `.git` itself may not be renamed away (which would carry hooks and config out from under their rules)
  const protectedPaths = spec.protectedPaths.map(checkSeatbeltPath);
  const gitDirs = protectedPaths.some((p) => p.startsWith(`${ws}/.git/`)) ? [join(ws, '.git')] : [];
  const readOnly = spec.mode === 'workspace-write' ? named('READONLY', protectedPaths) : [];
  const literalRO = spec.mode === 'workspace-write' ? named('GITDIR', gitDirs) : [];

  const sub = (names: string[]) => names.map((n) => `(subpath (param ${sbplString(n)}))`);
  const lit = (names: string[]) => names.map((n) => `(literal (param ${sbplString(n)}))`);
  const not = (filters: string[]) => filters.map((f) => `(require-not ${f})`);
  const hiddenReads = [...sub(masked), '(literal "/dev/tty")'];
  const lockedWrites = [...sub(masked), ...sub(readOnly), ...lit(literalRO), '(literal "/dev/tty")'];
  const anyOf = (filters: string[]) => (filters.length ? `(require-any ${filters.join(' ')})` : null);

  const lines = [
    '(version 1)',
    '; sedge: the same intent as its bubblewrap sandbox (see src/exec/sandbox-seatbelt.ts)',
    '(deny default)',
    '',
    '; processes: fork and exec, but no setuid/setgid program; signals and process info only within',
    '(allow process-fork)',
    '(allow process-exec (require-all (require-not (file-mode #o4000)) (require-not (file-mode #o2000))))',
    '(allow signal (target same-sandbox))',
    '(allow process-info* (target same-sandbox))',
    '(allow sysctl-read)',
    '(allow mach-host*)',
    '(allow ipc-posix-sem)',
    '(allow ipc-posix-shm-read-data (ipc-posix-name "apple.shm.notification_center"))',
    '(allow user-preference-read)',
    `(allow mach-lookup ${MACH_SERVICES.map((s) => `(global-name ${sbplString(s)})`).join(' ')})`,
    '',
    "; reads: everything but the credentials, sedge's config and /dev/tty",
    `(allow file-read* (require-all (subpath "/") ${not(hiddenReads).join(' ')}))`,
    '',
    '; writes: the writable roots minus what stays read-only; /dev/null; the terminal the shell was given',
    writable.length
      ? `(allow file-write* (require-all ${anyOf(sub(writable))} ${not(lockedWrites).join(' ')}))`
      : '; (no writable root)',
    '(allow file-write-data (literal "/dev/null") (literal "/dev/zero"))',
    '(allow file-write-data file-ioctl (require-all (regex #"^/dev/ttys[0-9]+$") (vnode-type CHARACTER-DEVICE)))',
    '',
    ...(spec.network
      ? [
          '; network: on (--network)',
          '(allow network-outbound)',
          '(allow network-inbound)',
          '(allow system-socket)',
          `(allow mach-lookup ${NETWORK_MACH_SERVICES.map((s) => `(global-name ${sbplString(s)})`).join(' ')})`,
        ]
      : ['; network: off (no network rule is allowed; deny default covers it)']),
    '',
    '; the denials again, last (the last matching rule wins in SBPL)',
    `(deny file-read* ${hiddenReads.join(' ')})`,
    `(deny file-write* ${lockedWrites.join(' ')})`,
    '(deny process-exec (file-mode #o4000) (file-mode #o2000))',
    '',
  ];
  return { profile: lines.join('\n'), params };
}

/** sandbox-exec's own arguments: the profile text, then one `-D name=path` per parameter. */
export function seatbeltArgs({ profile, params }: SeatbeltProfile): string[] {
  const args = ['-p', profile];
  for (const [name, value] of Object.entries(params)) {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new SeatbeltPathError(`bad parameter name ${name}`);
    args.push('-D', `${name}=${checkSeatbeltPath(value)}`);
  }
  return args;
}

/**
 * Reading shell snippets from CI files and package scripts: split into simple commands, classify each
 * (test, build, install/setup, lint, other), and keep the test part.
 */
import { type ParseEntry, parse } from 'shell-quote';

export type SegmentKind = 'test' | 'build' | 'install' | 'lint' | 'cd' | 'other';

const TEST_PATTERNS: RegExp[] = [
  /^(npm|pnpm|yarn|bun)\s+(run\s+|run-script\s+)?(test|tests|test[:_-][\w:.-]+|unit|unit[:_-][\w:-]+)(\s|$)/,
  /^(npm|pnpm)\s+(-\S+\s+)*(test|t)(\s|$)/,
  /^(npx|pnpx|bunx|yarn|pnpm(\s+exec)?)\s+(--\S+\s+)*(vitest|jest|mocha|ava|tap|uvu|c8|nyc)(\s|$)/,
  /^(vitest|jest|mocha|ava|tap|uvu)(\s|$)/,
  /^node\s+(\S+\s+)*--test(\s|$)/,
  /^(python3?|py)(\s+-\S+)*\s+-m\s+(pytest|unittest|nose2?)(\s|$)/,
  /^(pytest|py\.test|pytest-3)(\s|$)/,
  /^coverage\s+run\b.*\s(-m\s+(pytest|unittest)|\S*test\S*)/,
  /^(python3?)(\s+-\S+)*\s+(\S+\/)?(manage\.py\s+test|runtests\.py|run_tests\.py|setup\.py\s+test)(\s|$)/,
  /^(poetry|uv|pdm|pipenv|hatch|rye)\s+run\s+(python3?\s+-m\s+)?(pytest|py\.test|unittest|nose2)(\s|$)/,
  /^(hatch\s+(run\s+)?test|tox|nox)(\s|$)/,
  /^go\s+test(\s|$)/,
  /^cargo\s+(\+\S+\s+)?(test|nextest\s+run)(\s|$)/,
  /^make\s+(-\S+\s+)*(test|tests|check|unit|test-\w+|unittest)(\s|$)/,
  /^bats(\s|$)/,
  /^(\.\/gradlew|gradle)\s+(?!.*\s-x\s+test\b)(.*\s)?(test|check|build)(\s|$)/,
  /^(\.\/mvnw|mvn)\s+(?!.*-D(skipTests|maven\.test\.skip)\b)(.*\s)?(test|verify|package|install)(\s|$)/,
  /^(bundle\s+exec\s+)?(rspec|rake(\s+test|\s+spec)?$|rake\s+(test|spec)\b|rails\s+test)(\s|$)/,
  /^((\.\/)?vendor\/bin\/|composer\s+(run(-script)?\s+)?)(phpunit|pest|test)(\s|$)/,
  /^phpunit(\s|$)/,
  /^xvfb-run\s+(-\S+\s+)*(npm|yarn|pnpm|npx|pytest|python3?)\b/,
];

const INSTALL =
  /^(npm\s+(ci|install|i|rebuild|link)|yarn(\s+install)?$|yarn\s+install|pnpm\s+(install|i)|bun\s+install|pip3?\s|python3?\s+-m\s+pip|uv\s+(sync|pip|venv)|poetry\s+(install|lock)|pdm\s+install|pipenv\s+install|apt(-get)?\s|sudo\s|brew\s|choco\s|corepack|go\s+(mod|get|install)|cargo\s+(fetch|install)|rustup|curl|wget|git\s|docker|echo|printf|export|set\s|source\s|\.\s|mkdir|cp\s|mv\s|rm\s|ln\s|chmod|cat\s|ls(\s|$)|env(\s|$)|which|npx\s+playwright\s+install|conda|mamba|gem\s|bundle\s+install|nvm|sleep|tee|touch|true$|:$)/;

const LINT =
  /^((npx|pnpx|bunx|yarn|pnpm(\s+exec)?|poetry\s+run|uv\s+run|pdm\s+run|python3?\s+-m)\s+)?(eslint|prettier|tslint|xo|standard|biome|oxlint|tsc|vue-tsc|flake8|ruff|black|isort|mypy|pyright|pylint|pycodestyle|pydocstyle|bandit|golangci-lint|gofmt|go\s+vet|staticcheck|cargo\s+(fmt|clippy)|rustfmt|shellcheck|markdownlint|commitlint|stylelint|cspell|codespell|pre-commit|lint-staged|check-manifest|twine)(\s|$)|^(npm|pnpm|yarn|bun)\s+(run\s+)?(lint|format|fmt|prettier|typecheck|type-check|types|check-types|tsc)([:\s]|$)|^make\s+(lint|fmt|format|style|vet|check-format|typecheck)(\s|$)/;

const BUILD =
  /^((npm|pnpm|yarn|bun)\s+(run\s+)?(build|compile|prepare|pretest|bundle)([:\s]|$)|go\s+build|cargo\s+build|make(\s+-j\s*\d*)?(\s+(all|build|compile))?$|(\.\/gradlew|gradle)\s+(assemble|build)|(\.\/mvnw|mvn)\s+(compile|install|package)|python3?\s+setup\.py\s+(build|build_ext|develop))/;

const ASSIGNMENTS = /^([A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|'[^']*'|\S*)\s+)+/;
const WRAPPER_PREFIX =
  /^((?:vp|pnpm|npm|yarn|bun)\s+exec\s+|cross-env\s+|env\s+|timeout\s+\d+[smhd]?\s+|time\s+|nice\s+(?:-n\s*-?\d+\s+)?|xvfb-run\s+(?:-\S+\s+)*|dotenv\s+(?:-\S+\s+(?:[^-\s]\S*\s+)?)*--\s+)/;

/** The command a segment really runs: without leading VAR=value assignments and environment wrappers. */
export function stripWrappers(segment: string): string {
  let s = segment.trim();
  for (let i = 0; i < 4; i++) {
    const next = s.replace(ASSIGNMENTS, '').replace(WRAPPER_PREFIX, '');
    if (next === s) break;
    s = next;
  }
  return s;
}

export function classifySegment(segment: string): SegmentKind {
  // leading VAR=value assignments (`CI=true npm test`) do not change what the command is
  const s = stripWrappers(segment);
  if (/^cd\s+/.test(s)) return 'cd';
  if (LINT.test(s)) return 'lint';
  if (TEST_PATTERNS.some((re) => re.test(s))) return 'test';
  if (INSTALL.test(s)) return 'install';
  if (BUILD.test(s)) return 'build';
  return 'other';
}

/**
 * Split a shell snippet into simple commands on newlines, top-level `&&` and `;` (continuations joined; `||`,
 * pipes and subshells kept inside their command). Words are tokenised by shell-quote and written back quoted so
 * bash reads them the same; a line with command substitution or `${{ … }}` stays whole (it is never a test
 * command sedge can run as is).
 */
export function splitCommands(script: string): string[] {
  const joined = script.replace(/[ \t]*\\\r?\n\s*/g, ' ');
  const out: string[] = [];
  for (const rawLine of joined.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line && !line.startsWith('#')) out.push(...splitLine(line));
  }
  return out;
}

const MARK = '\u0000';

function splitLine(line: string): string[] {
  if (/`|\$\(|\$\{\{/.test(line)) return [line];
  let tokens: ParseEntry[];
  try {
    tokens = parse(line, (name) => `${MARK}${name}${MARK}`);
  } catch {
    return [line];
  }
  const out: string[] = [];
  let words: string[] = [];
  let depth = 0;
  const flush = () => {
    if (words.length) out.push(words.join(' '));
    words = [];
  };
  for (const token of tokens) {
    if (typeof token === 'string') {
      const last = words[words.length - 1];
      // `>&1`: the descriptor a redirection duplicates belongs to it
      if (last !== undefined && /[<>]&$/.test(last) && /^\d$/.test(token)) words[words.length - 1] = `${last}${token}`;
      else words.push(renderWord(token));
      continue;
    }
    if ('comment' in token) break;
    if ('pattern' in token) {
      words.push(token.pattern);
      continue;
    }
    const op = token.op as string;
    if (op === '(') depth++;
    if (op === ')') depth--;
    if (depth === 0 && (op === '&&' || op === ';')) {
      flush();
      continue;
    }
    // `2>&1`: a file descriptor number belongs to its redirection
    const last = words[words.length - 1];
    if (/^[<>]/.test(op) && last !== undefined && /^\d$/.test(last)) words[words.length - 1] = `${last}${op}`;
    else words.push(op);
  }
  flush();
  return out;
}

/** One word as bash source: plain when safe, `$NAME` references kept live, anything else single-quoted. */
function renderWord(word: string): string {
  if (word.includes(MARK)) {
    const parts = word.split(MARK);
    const plain = parts.every((p, i) => i % 2 === 1 || /^[\w@%+=:,./~-]*$/.test(p));
    const text = parts
      .map((p, i) => {
        if (i % 2 === 0) return plain ? p : p.replace(/(["\\$`])/g, '\\$1');
        return /^\w/.test(parts[i + 1] ?? '') ? `\${${p}}` : `$${p}`;
      })
      .join('');
    return plain ? text : `"${text}"`;
  }
  if (/^[\w@%+=:,./~-]+$/.test(word)) return word;
  // an assignment or --option=value keeps its name unquoted (`X='a b' cmd` is still an assignment)
  const named = /^([A-Za-z_][\w]*=|--?[\w.-]+=)([\s\S]*)$/.exec(word);
  if (named) return `${named[1]}${quoteSingle(named[2] ?? '')}`;
  return quoteSingle(word);
}

function quoteSingle(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/**
 * The test part of a CI `run:` block: the first test command, preceded by the build commands that came before
 * it in the same block (tests often need them), with a leading `cd dir` turned into a working directory.
 * Null when the block runs no test, or the test command depends on CI-only expressions.
 */
export function sanitizeCiCommand(script: string): { command: string; cd: string | null } | null {
  let cd: string | null = null;
  let builds: string[] = [];
  for (const segment of splitCommands(script)) {
    const kind = classifySegment(segment);
    if (kind === 'cd') {
      const dir = segment
        .replace(/^cd\s+/, '')
        .trim()
        .replace(/^["']|["']$/g, '');
      if (/[$`]/.test(dir) || dir === '-' || dir.startsWith('/') || dir.startsWith('~')) return null;
      cd = cd ? `${cd}/${dir}` : dir;
      builds = [];
      continue;
    }
    if (kind === 'build') {
      if (!segment.includes('${{')) builds.push(segment);
      continue;
    }
    if (kind !== 'test') continue;
    if (segment.includes('${{') || /\|\|/.test(segment)) return null;
    const command = [...builds, segment.replace(/\s+\|\s*tee\s+\S+$/, '')].join(' && ');
    return { command, cd };
  }
  return null;
}

/** True when every command of a package script is a linter/formatter/type check (a "test" that tests nothing). */
export function isLintOnly(script: string): boolean {
  const segments = splitCommands(script.replace(/\|\|/g, '&&'));
  return (
    segments.length > 0 &&
    segments.every((s) => classifySegment(s) === 'lint' || /^(npm|pnpm|yarn)\s+(run\s+)?lint/.test(s))
  );
}

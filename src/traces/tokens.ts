/** Tokenisation shared by the trace index and recall: words, identifiers and path segments. */

const STOP = new Set(
  (
    'a an and are as at be but by for from has have in into is it its of on or that the this to was were will with ' +
    'when which while not no do does can could should would we you i our your they them then than there these ' +
    'those also only use used using via so if else all any some more most other such add adds added fix fixes ' +
    'fixed update updates updated make makes made change changes changed remove removes removed support ' +
    'supports allow allows improve improves refactor feat chore docs doc test tests bump minor small new ' +
    'should instead just now still get gets set sets up out about after before over under'
  ).split(' '),
);

/** Crude English stemmer: enough to join "routes"/"route", "handling"/"handle" for ranking. */
export function stem(word: string): string {
  let w = word;
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('es') && /(ss|sh|ch|x)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is'))
    w = w.slice(0, -1);
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/**
 * Split camelCase / PascalCase / snake_case / kebab-case / paths into lower-case parts; a compound
 * also yields its joined form, so `serveStatic`, `serve_static` and `serve-static` share a term.
 */
function parts(raw: string): string[] {
  const out: string[] = [];
  for (const word of raw.split(/[^A-Za-z0-9_-]+/)) {
    if (!word) continue;
    const pieces = word
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
      .split(/[\s_-]+/)
      .filter(Boolean);
    if (pieces.length > 1) out.push(pieces.join('').toLowerCase());
    for (const p of pieces) out.push(p.toLowerCase());
  }
  return out;
}

/** Terms for ranking: split identifiers, drop stop words, numbers and 1-letter words, stem. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const p of parts(text)) {
    if (p.length < 2 || p.length > 40 || /^\d+$/.test(p) || /^[0-9a-f]{12,}$/.test(p) || STOP.has(p)) continue;
    out.push(stem(p));
  }
  return out;
}

/** Terms of a file path: every segment split, the extension dropped. */
export function pathTerms(path: string): string[] {
  const noExt = path.replace(/\.[A-Za-z0-9]{1,6}$/, '');
  return tokenize(noExt.replace(/[\\/]/g, ' '));
}

/** Paths a task text mentions explicitly (src/foo.ts, ./lib/bar.py, README.md). */
export function mentionedPaths(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(
    /(?:^|[\s`'"([])((?:\.{0,2}\/)?(?:[\w@.-]+\/)*[\w@-]+\.[A-Za-z0-9]{1,6})(?=$|[\s`'"),:;\]])/g,
  )) {
    const p = (m[1] ?? '').replace(/^\.\//, '');
    if (p && !/^\d+(\.\d+)+$/.test(p)) found.add(p);
  }
  return [...found];
}

/**
 * A small YAML subset reader, enough for CI workflow files: block mappings and sequences, plain and quoted
 * scalars, literal/folded block scalars (| > with chomping), comments. Flow collections, anchors and tags are
 * kept as plain strings. Not a general YAML parser: unknown shapes degrade to strings, never throw.
 */

export type YamlValue = string | YamlValue[] | { [key: string]: YamlValue } | null;

interface Line {
  indent: number;
  text: string;
}

export function parseYaml(source: string): YamlValue {
  const raw = source.replace(/\r\n?/g, '\n').split('\n');
  let pos = 0;

  const indentOf = (s: string) => s.length - s.trimStart().length;
  const significant = (s: string) => {
    const t = s.trim();
    return t !== '' && !t.startsWith('#') && t !== '---' && t !== '...';
  };
  /** the next significant line, without consuming it; a pending inline override comes first */
  let pending: Line | null = null;
  const peek = (): Line | null => {
    if (pending) return pending;
    while (pos < raw.length && !significant(raw[pos] ?? '')) pos++;
    if (pos >= raw.length) return null;
    const s = raw[pos] ?? '';
    return { indent: indentOf(s), text: s.trim() };
  };
  const consume = () => {
    if (pending) pending = null;
    else pos++;
  };

  function parseNode(minIndent: number): YamlValue {
    const line = peek();
    if (!line || line.indent < minIndent) return null;
    if (line.text === '-' || line.text.startsWith('- ')) return parseSeq(line.indent);
    if (keyMatch(line.text)) return parseMap(line.indent);
    consume();
    return scalar(line.text);
  }

  function parseSeq(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (
      let line = peek();
      line && line.indent === indent && (line.text === '-' || line.text.startsWith('- '));
      line = peek()
    ) {
      const rest = line.text.slice(1).trimStart();
      if (!rest) {
        consume();
        items.push(parseNode(indent + 1));
      } else if (keyMatch(rest)) {
        const inner = indent + (line.text.length - rest.length);
        if (pending) pending = { indent: inner, text: rest };
        else {
          pos++;
          pending = { indent: inner, text: rest };
        }
        items.push(parseMap(inner));
      } else {
        consume();
        items.push(scalar(rest));
      }
    }
    return items;
  }

  function parseMap(indent: number): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    for (let line = peek(); line && line.indent === indent; line = peek()) {
      const m = keyMatch(line.text);
      if (!m) break;
      consume();
      const key = unquote(m.key);
      const rest = stripComment(m.rest);
      if (/^[|>][+-]?\d*$/.test(rest)) {
        map[key] = blockScalar(indent, rest);
      } else if (rest === '') {
        const next = peek();
        if (next && next.indent === indent && (next.text === '-' || next.text.startsWith('- ')))
          map[key] = parseSeq(indent);
        else map[key] = parseNode(indent + 1);
      } else {
        let value = rest;
        // plain multi-line scalar: continuation lines indented deeper than the key
        for (
          let next = peek();
          next && next.indent > indent && !keyMatch(next.text) && !/^["']/.test(rest);
          next = peek()
        ) {
          consume();
          value += ` ${stripComment(next.text)}`;
        }
        map[key] = scalar(value);
      }
    }
    return map;
  }

  function blockScalar(parentIndent: number, header: string): string {
    if (pending) return '';
    const lines: string[] = [];
    let blockIndent = -1;
    while (pos < raw.length) {
      const s = raw[pos] ?? '';
      if (s.trim() === '') {
        lines.push('');
        pos++;
        continue;
      }
      const ind = indentOf(s);
      if (ind <= parentIndent) break;
      if (blockIndent < 0) blockIndent = ind;
      if (ind < blockIndent) break;
      lines.push(s.slice(blockIndent));
      pos++;
    }
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    if (header.startsWith('>')) {
      return lines.reduce(
        (acc, l, i) => (i === 0 ? l : l === '' || /^\s/.test(l) ? `${acc}\n${l}` : `${acc} ${l}`),
        '',
      );
    }
    return lines.join('\n');
  }

  try {
    return parseNode(0);
  } catch {
    return null;
  }
}

function keyMatch(text: string): { key: string; rest: string } | null {
  const m = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"\-[{][^:#]*?|-[^\s:#][^:#]*?)\s*:(?:\s+(.*)|)$/.exec(text);
  if (!m) return null;
  return { key: m[1] ?? '', rest: (m[2] ?? '').trim() };
}

function stripComment(text: string): string {
  if (/^["']/.test(text)) return text;
  const i = text.search(/\s#/);
  return (i >= 0 ? text.slice(0, i) : text).trim();
}

function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    return text.slice(1, -1).replace(/\\(["\\/nt])/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
  }
  if (text.length >= 2 && text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  return text;
}

function scalar(text: string): string {
  const t = stripComment(text);
  return unquote(t);
}

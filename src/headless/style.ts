/**
 * The one colour helper of both front ends (headless progress and the TUI): SGR on/off pairs, so a styled
 * span ends its own style and nests inside others. Whether colour is on is the caller's decision
 * (NO_COLOR, a terminal or not).
 */
const SGR = {
  bold: [1, 22],
  dim: [2, 22],
  italic: [3, 23],
  underline: [4, 24],
  inverse: [7, 27],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
} as const;

export type StyleName = keyof typeof SGR;

export function paint(color: boolean, style: StyleName, text: string): string {
  if (!color) return text;
  const [on, off] = SGR[style];
  return `\x1b[${on}m${text}\x1b[${off}m`;
}

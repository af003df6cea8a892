/** A tiny calculator with one bug, for sedge's offline demo. */
export function add(a, b) {
  return a - b;
}

export function multiply(a, b) {
  return a * b;
}

/**
 * Orders strings as Redis orders sorted-set members of equal score: by their UTF-8 bytes, which
 * is code point order (JavaScript's `<` compares UTF-16 units and differs above U+FFFF).
 */
export function compareMembers(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i += 1;
  }
  return a.length - b.length;
}

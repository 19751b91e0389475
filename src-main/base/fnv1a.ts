/** FNV-1a's 32-bit offset basis; mixing a seed into it gives a keyed hash (one stream per name). */
export const FNV1A_OFFSET_BASIS = 0x811c9dc5;

/** FNV-1a over UTF-16 code units: a quick, well-spread 32-bit hash of a short string; not for security. */
export function fnv1a32(text: string, basis: number = FNV1A_OFFSET_BASIS): number {
  let h = basis;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

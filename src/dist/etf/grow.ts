// The buffers the term writers fill (encode.ts, and the TCP carrier's control writer):
// they double as they go, so that a message costs a copy of its bytes and no more.

/**
 * `buf` if `need` more bytes fit after the first `used`, else a buffer at least twice
 * as large holding those `used` bytes. @internal
 */
export function grown(
  buf: Uint8Array<ArrayBuffer>,
  used: number,
  need: number,
): Uint8Array<ArrayBuffer> {
  if (used + need <= buf.length) return buf;
  let size = buf.length * 2;
  while (size < used + need) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, used));
  return next;
}

/** Program output as readable text: invalid UTF-8 becomes U+FFFD, NULs become U+2400. */
export function displayText(bytes: Buffer, maxChars = Infinity): { text: string; cut: boolean } {
  // eslint-disable-next-line no-control-regex -- NUL is what is replaced
  let text = bytes.toString('utf8').replace(/\u0000/g, '\u2400');
  const cut = text.length > maxChars;
  if (cut) text = text.slice(0, maxChars);
  return { text, cut };
}

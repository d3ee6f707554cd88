/**
 * Wraps generated Markdown prose at a readable width (the documentation's own rule, checked by
 * test/knowledge/doc-links.test.ts). A list item continues under its text, a quote keeps its `>`; headings and
 * table rows cannot wrap and are left as they are.
 */
export function wrapMarkdown(text: string, width = 120): string {
  return text
    .split('\n')
    .flatMap((line) => wrapLine(line, width))
    .join('\n');
}

function wrapLine(line: string, width: number): string[] {
  if (line.length <= width || /^\s*(#|\|)/.test(line)) {
    return [line];
  }
  const marker = /^((?:> ?)?)(\s*(?:[-*+] |\d+\. )?)/.exec(line);
  const quote = marker?.[1] ?? '';
  const item = marker?.[2] ?? '';
  const continuation = `${quote}${' '.repeat(item.length)}`;
  const out: string[] = [];
  let current = `${quote}${item}`;
  let empty = true;
  for (const word of line.slice(quote.length + item.length).split(' ')) {
    if (!empty && current.length + 1 + word.length > width) {
      out.push(current);
      current = continuation;
      empty = true;
    }
    current += empty ? word : ` ${word}`;
    empty = false;
  }
  out.push(current);
  return out;
}

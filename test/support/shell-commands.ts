/**
 * Just enough POSIX shell to read the README's examples: words split on blanks, single and double quotes (a newline
 * inside quotes belongs to the word), backslash-newline continuation outside quotes, and `#` comments, which are
 * kept so that an example can state its expected result on the comment line before it.
 */
export interface ShellCommand {
  readonly words: readonly string[];
  /** The comment lines right before the command (text after `#`, trimmed). */
  readonly comments: readonly string[];
}

export function shellCommands(script: string): ShellCommand[] {
  const commands: ShellCommand[] = [];
  let comments: string[] = [];
  let words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const endWord = (): void => {
    if (word !== undefined) {
      words.push(word);
      word = undefined;
    }
  };
  const endCommand = (): void => {
    endWord();
    if (words.length > 0) {
      commands.push({ words, comments });
      comments = [];
      words = [];
    }
  };
  while (i < script.length) {
    const c = script[i] ?? '';
    if (c === '\\' && script[i + 1] === '\n') {
      i += 2;
    } else if (c === '\n' || c === ';') {
      endCommand();
      i += 1;
    } else if (c === ' ' || c === '\t') {
      endWord();
      i += 1;
    } else if (c === '#' && word === undefined) {
      const end = script.indexOf('\n', i);
      const text = script.slice(i + 1, end < 0 ? script.length : end).trim();
      if (words.length === 0) {
        comments.push(text);
      }
      i = end < 0 ? script.length : end;
    } else if (c === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) {
        throw new Error(`unterminated single quote at ${String(i)}`);
      }
      word = (word ?? '') + script.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      while (j < script.length && script[j] !== '"') {
        if (script[j] === '\\' && ['"', '\\', '$', '`'].includes(script[j + 1] ?? '')) {
          j += 1;
        }
        text += script[j] ?? '';
        j += 1;
      }
      if (j >= script.length) {
        throw new Error(`unterminated double quote at ${String(i)}`);
      }
      word = (word ?? '') + text;
      i = j + 1;
    } else if (c === '\\') {
      word = (word ?? '') + (script[i + 1] ?? '');
      i += 2;
    } else {
      word = (word ?? '') + c;
      i += 1;
    }
  }
  endCommand();
  return commands;
}

export interface CurlRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The `-d` body, or the name of the file after `@`. */
  readonly body?: { readonly text: string } | { readonly file: string };
}

/** The request a `curl` command line makes, for the options the README uses; anything else is an error. */
export function curlRequest(words: readonly string[]): CurlRequest {
  if (words[0] !== 'curl') {
    throw new Error(`not a curl command: ${words.join(' ')}`);
  }
  let method: string | undefined;
  let url: string | undefined;
  let body: CurlRequest['body'];
  const headers: Record<string, string> = {};
  for (let i = 1; i < words.length; i++) {
    const word = words[i] ?? '';
    const value = (): string => {
      const next = words[++i];
      if (next === undefined) {
        throw new Error(`${word} needs a value`);
      }
      return next;
    };
    if (['-s', '-S', '-sS', '--silent', '--show-error', '-f', '--fail'].includes(word)) {
      continue;
    }
    if (word === '-X' || word === '--request') {
      method = value();
    } else if (word === '-H' || word === '--header') {
      const header = value();
      const colon = header.indexOf(':');
      headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
    } else if (['-d', '--data', '--data-binary', '--data-raw'].includes(word)) {
      const data = value();
      body = data.startsWith('@') && word !== '--data-raw' ? { file: data.slice(1) } : { text: data };
    } else if (word.startsWith('-')) {
      throw new Error(`curl option ${word} is not understood by this test; use -s, -X, -H or -d`);
    } else if (url === undefined) {
      url = word;
    } else {
      throw new Error(`a second URL: ${word}`);
    }
  }
  if (url === undefined) {
    throw new Error('curl without a URL');
  }
  // curl sends form-encoded data by default; the README always says Content-Type itself.
  return {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    url,
    headers,
    ...(body === undefined ? {} : { body }),
  };
}

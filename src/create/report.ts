/** What the generator prints: the files it made, then the next commands in a box. */

export function fileList(name: string, files: readonly string[]): string {
  return files.map((file) => `  ${name}/${file}`).join('\n');
}

export function box(lines: readonly string[]): string {
  const width = Math.max(...lines.map((line) => line.length));
  const rule = '─'.repeat(width + 2);
  return [`┌${rule}┐`, ...lines.map((line) => `│ ${line.padEnd(width)} │`), `└${rule}┘`].join('\n');
}

/** What the generator prints: the files as a tree, then the next commands in a box. */

interface Node {
  children: Map<string, Node>;
}

/** `mysite/` and its files as an indented tree, folders first, in path order. */
export function fileTree(name: string, files: readonly string[]): string {
  const root: Node = { children: new Map() };
  for (const file of files) {
    let node = root;
    for (const part of file.split('/')) {
      let child = node.children.get(part);
      if (!child) node.children.set(part, (child = { children: new Map() }));
      node = child;
    }
  }
  const lines = [`${name}/`];
  const walk = (node: Node, indent: string) => {
    const entries = [...node.children].sort(([a, x], [b, y]) => Number(y.children.size > 0) - Number(x.children.size > 0) || (a < b ? -1 : 1));
    entries.forEach(([part, child], index) => {
      const last = index === entries.length - 1;
      const folder = child.children.size > 0;
      lines.push(`${indent}${last ? '└── ' : '├── '}${part}${folder ? '/' : ''}`);
      if (folder) walk(child, indent + (last ? '    ' : '│   '));
    });
  };
  walk(root, '');
  return lines.join('\n');
}

export function box(lines: readonly string[]): string {
  const width = Math.max(...lines.map((line) => line.length));
  const rule = '─'.repeat(width + 2);
  return [`┌${rule}┐`, ...lines.map((line) => `│ ${line.padEnd(width)} │`), `└${rule}┘`].join('\n');
}

/** Commands, each with an optional `# comment`, the comments lined up. */
export function commandLines(commands: readonly (readonly [command: string, comment?: string])[]): string[] {
  const width = Math.max(...commands.filter(([, comment]) => comment).map(([command]) => command.length));
  return commands.map(([command, comment]) => (comment ? `${command.padEnd(width)}   # ${comment}` : command));
}

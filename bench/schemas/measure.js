// @ts-check
/**
 * Run in a fresh node by bench/schema-libraries.js: `node measure.js LIB`
 * imports bench/schemas/LIB.js, and prints one JSON line: the import's wall
 * time and RSS growth, then validations per second through Standard
 * Schema's `~standard.validate` (what tsgate calls) on valid and invalid
 * input, best of 5 batches after a warm-up, with the issues of each case so
 * the caller can check the schemas agree.
 */
const lib = process.argv[2];
const rssBefore = process.memoryUsage().rss;
const started = performance.now();
const schemas = await import(`./${lib}.js`);
const importMs = performance.now() - started;
const rssMb = (process.memoryUsage().rss - rssBefore) / 1048576;

/** @type {Record<string, [{ '~standard': { validate(value: unknown): unknown } }, unknown]>} */
const cases = {
  'name, valid': [schemas.name, '  Ada Lovelace  '],
  'name, empty': [schemas.name, '   '],
  'signup, valid': [schemas.signup, { email: 'ada@example.com', password: 'correct horse', confirm: 'correct horse', age: '36' }],
  'signup, 3 fields wrong': [schemas.signup, { email: 'nope', password: 'short', confirm: 'x', age: 'old' }],
  'signup, passwords differ': [schemas.signup, { email: 'ada@example.com', password: 'correct horse', confirm: 'battery', age: '36' }],
};

/** @type {Record<string, { perSecond: number, issues: number }>} */
const speed = {};
for (const [label, [schema, input]] of Object.entries(cases)) {
  const validate = () => /** @type {{ issues?: unknown[] }} */ (schema['~standard'].validate(input));
  const first = validate();
  if (first instanceof Promise) throw new Error(`${lib}: ${label} is asynchronous`);
  for (let i = 0; i < 20_000; i++) validate();
  let best = 0;
  for (let batch = 0; batch < 5; batch++) {
    const n = 50_000;
    const t = performance.now();
    for (let i = 0; i < n; i++) validate();
    best = Math.max(best, n / ((performance.now() - t) / 1000));
  }
  speed[label] = { perSecond: Math.round(best), issues: first.issues?.length ?? 0 };
}
process.stdout.write(`${JSON.stringify({ lib, importMs, rssMb, speed })}\n`);
